import { copyFileSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { SiteConfig } from '../config/config-loader.ts';
import { writeFileAtomic } from '../core/atomic-file.ts';
import { DcError, errorMessage } from '../core/errors.ts';
import type { SiteState } from '../core/site-state.ts';
import type { ActionsReport } from '../actions/actions-types.ts';
import { notActedReport } from '../actions/actions-run.ts';
import { outputNames, type RunSummaryFile } from '../check/check-outputs.ts';
import type { CheckSummary } from '../check/check-types.ts';
import type { GateHit } from '../check/gates.ts';
import type { Lister } from '../listers/lister.ts';
import { runUnmergedPhase } from '../unmerged/unmerged-phase.ts';
import { unmergedSettings } from '../unmerged/unmerged-settings.ts';
import { emptyUnmergedReport, type UnmergedContext, type UnmergedReport } from '../unmerged/unmerged-types.ts';
import type { RunRecord } from './run-record.ts';

type Log = (event: string, fields: Record<string, unknown>) => void;

/** A run's summary with the unmerged phase's block (issue 15), when the phase ran. */
export type RunSummaryWithUnmerged = RunSummaryFile<ActionsReport> & { unmerged?: UnmergedReport; unmergedOnly?: boolean };

export interface UnmergedStepOptions extends UnmergedContext {
  lister: Lister;
  moreLogs?: boolean;
  held: readonly GateHit[];
  retryDelayMs?: number;
}

/** Whether this run cleans the site's unmerged area: asked for (--unmerged) and the site is in `Unmerged`. */
export function unmergedWanted(site: SiteConfig, asked: boolean | undefined, log: Log): boolean {
  if (!asked) return false;
  if (site.Unmerged.includes(site.name)) return true;
  log('unmerged-not-listed', { site: site.name, message: `--unmerged given but ${site.name} is not in Unmerged: its unmerged area is not cleaned` });
  return false;
}

/** Gates about the site's state only: what holds an unmerged phase run without an inventory. */
export function operationalGates(state: SiteState, dryRun: boolean | undefined): GateHit[] {
  const held: GateHit[] = [];
  if (state.mode === 'dry') held.push({ gate: 'DryMode', reason: 'the site is in dry mode' });
  if (dryRun) held.push({ gate: 'DryMode', reason: '--dry-run given' });
  if (state.status !== 'ready') held.push({ gate: 'SiteNotReady', reason: `the site is ${state.status === 'halt' ? 'halted' : 'disabled'}` });
  return held;
}

/**
 * The unmerged phase of a run. A stop request or a bug stops the run as any other; any other
 * failure (the disk, the history) is the phase's alone: the report says so, nothing more is cleaned,
 * and the main check's results stand.
 */
export async function unmergedStep(o: UnmergedStepOptions): Promise<UnmergedReport> {
  try {
    return await runUnmergedPhase(o);
  } catch (err) {
    if (err instanceof DcError && (err.code === 'ABORTED' || err.code === 'INTERNAL')) throw err;
    // The disk (EACCES, ENOSPC) or SQLite writing the outputs: the phase's failure, not a bug.
    const io = err instanceof DcError || /^E[A-Z]+$/.test(String((err as NodeJS.ErrnoException)?.code ?? '')) || (err as Error)?.name === 'SqliteError';
    if (!io) throw new DcError('INTERNAL', `unmerged phase: ${errorMessage(err)}`, { cause: err });
    const s = unmergedSettings(o.site, { moreLogs: o.moreLogs });
    const report = emptyUnmergedReport(s.area.lfn, s.area.storage, s.whichList, o.moreLogs === true);
    report.refused = `the unmerged phase failed: ${errorMessage(err)}`;
    o.log('unmerged-failed', { site: o.site.name, runId: o.runId, error: errorMessage(err) });
    return report;
  }
}

/**
 * `check --no-inventory`: a run made of the unmerged phase alone, recorded `cleaned` (not `done`: it
 * is no check, so confirmation chains, size baselines and the dashboard's figures ignore it) with a
 * summary whose check part is empty and `unmergedOnly` set. Writes SITE_summary.json and finishes the record.
 */
export async function runUnmergedOnly(o: UnmergedStepOptions & { record: RunRecord; dryRun?: boolean; url: string }): Promise<{ summary: RunSummaryWithUnmerged; files: Record<string, string> }> {
  const { state } = await o.record.gateInputs();
  const started = Date.now();
  const unmerged = await unmergedStep({ ...o, held: operationalGates(state, o.dryRun) });
  const base = emptyCheckSummary(o.site, o.url, o.lister.kind, o.now, (Date.now() - started) / 1000);
  const summary: RunSummaryWithUnmerged = { ...base, runId: o.runId, gates: { act: false, held: [] }, actions: notActedReport(o.site, 'no inventory (--no-inventory): only the unmerged area was cleaned'), files: {}, unmerged, unmergedOnly: true };
  const name = outputNames(o.site.name).summary;
  summary.files = { summary: name, ...unmerged.files };
  const path = join(o.site.VarLocation, name);
  writeFileAtomic(path, JSON.stringify(summary, null, 2) + '\n');
  if (o.site.WebDir && o.site.WebDir !== o.site.VarLocation) {
    mkdirSync(o.site.WebDir, { recursive: true });
    const tmp = join(o.site.WebDir, `.${name}.tmp-${process.pid}`);
    copyFileSync(path, tmp);
    renameSync(tmp, join(o.site.WebDir, name));
  }
  const files: Record<string, string> = { summary: path };
  for (const [k, v] of Object.entries(unmerged.files)) files[k] = join(o.site.VarLocation, v);
  await o.record.finish('cleaned', { summary, gatesHeld: unmerged.gates.held.map((g) => g.gate), acted: unmerged.deleted.files + unmerged.deleted.directories > 0 });
  o.log('check-done', { site: o.site.name, runId: o.runId, unmergedCleaned: unmerged.cleaned });
  return { summary, files };
}

function emptyCheckSummary(site: SiteConfig, url: string, lister: string, now: number, seconds: number): CheckSummary {
  const zero = { count: 0, bytes: 0 };
  return {
    site: site.name,
    url,
    lister,
    inventoryKind: 'none',
    startedAt: new Date(now * 1000).toISOString(),
    finishedAt: new Date().toISOString(),
    now,
    ignoreAgeDays: site.IgnoreAge,
    timings: { inventoryBefore: 0, listing: seconds, inventoryAfter: 0, finalize: 0, total: seconds },
    tops: [],
    listing: { files: 0, bytes: 0, directories: 0, newFiles: 0, retries: 0 },
    inventory: { files: 0, settled: 0, inFlux: 0, bytes: 0 },
    missing: zero,
    orphan: zero,
    sizeMismatch: zero,
    empty: 0,
    emptyDirectoriesKnown: false,
    unlisted: { count: 0, dirs: [], settledFilesBelow: 0, outsideIgnored: 0 },
    skipped: { newFiles: 0, ignoredOrphans: 0, protectedOrphans: 0, queuedDeletion: 0, leftInventoryDuringRun: 0, joinedInventoryDuringRun: 0, outsideListedTops: 0, undecodableNames: 0 },
  };
}
