import { freemem } from 'node:os';
import { join } from 'node:path';
import type { Config, SiteConfig } from '../config/config-loader.ts';
import { siteConfig } from '../config/config-loader.ts';
import { DcError, errorMessage } from '../core/errors.ts';
import { actOnRun, notActedReport } from '../actions/actions-run.ts';
import type { ActionsReport } from '../actions/actions-types.ts';
import { collectBlockGroups } from '../actions/missing-groups.ts';
import { writeOutputs, type ActionOutputs, type RunSummaryFile } from '../check/check-outputs.ts';
import type { CheckProgress } from '../check/check-types.ts';
import { evaluateGates, OPERATIONAL_GATES, SHRINK_GATES, type GateDecision } from '../check/gates.ts';
import { checkSite, type CheckResult } from '../check/site-check.ts';
import { openInventory } from '../inventory/open-inventory.ts';
import type { Inventory } from '../inventory/inventory.ts';
import { createLister } from '../listers/registry.ts';
import { resolveSiteDoor } from '../listers/xrootd/xrootd-site-door.ts';
import type { Lister } from '../listers/lister.ts';
import { HistoryStore, defaultOwner, type RunStatus } from '../store/history-store.ts';
import { RunLog } from './run-log.ts';

export interface RunOptions {
  /** Write lists and history but never act, whatever the site's mode. */
  dryRun?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: CheckProgress) => void;
  /** Seconds between heartbeats and halt checks (15 in production). */
  heartbeatSeconds?: number;
  /** Override "now" (epoch seconds), for tests. */
  now?: number;
  retryDelayMs?: number;
  /**
   * Acts on the finished result, after this run's findings are recorded (so confirmation counts this
   * run) and before the outputs are written. Default: the site's action sinks (src/actions).
   */
  onResult?: (ctx: ResultContext) => Promise<ResultActions>;
  log?: (event: string, fields: Record<string, unknown>) => void;
  /** Free memory as seen by the FreeMem check (default: the machine's), for tests. */
  freeMemoryBytes?: number;
}

/** What the result hook did: the summary's `actions` block and the lists its sinks produced. */
export interface ResultActions {
  actions: ActionsReport;
  outputs?: ActionOutputs;
}

export interface ResultContext {
  config: Config;
  site: SiteConfig;
  result: CheckResult;
  gates: GateDecision;
  runId: number;
  store: HistoryStore;
  /** Run start, epoch seconds. */
  now: number;
  signal: AbortSignal;
  log: (event: string, fields: Record<string, unknown>) => void;
}

/** The default result hook: the site's sinks; their report is the summary's `actions` block. */
export async function defaultOnResult(ctx: ResultContext): Promise<ResultActions> {
  const r = await actOnRun({ config: ctx.config, site: ctx.site, store: ctx.store, runId: ctx.runId, gates: ctx.gates, now: ctx.now, signal: ctx.signal, log: ctx.log });
  return { actions: r.summary, outputs: { nosite: r.outputs.nosite, unrecoverable: r.outputs.unrecoverable } };
}

export interface RunOutcome {
  runId: number;
  status: RunStatus;
  summary?: RunSummaryFile<ActionsReport>;
  files?: Record<string, string>;
  error?: DcError;
}

/**
 * One full run for one site: lock, run record, check, gates, outputs, findings, release.
 * Halt/disable (from the store) and the caller's signal stop it within one heartbeat, recorded
 * as `halted`; any other failure is recorded as `failed` with its message, and nothing is acted on.
 */
export async function runSite(config: Config, siteName: string, store: HistoryStore, opts: RunOptions = {}): Promise<RunOutcome> {
  let site = siteConfig(config, siteName);
  const outerLog = opts.log ?? (() => undefined);
  let runLog: RunLog | undefined;
  const log = (event: string, fields: Record<string, unknown>) => {
    outerLog(event, fields);
    runLog?.write(event, fields);
  };
  const freeGb = (opts.freeMemoryBytes ?? freemem()) / 1e9;
  if (site.FreeMem > 0 && freeGb < site.FreeMem) {
    throw new DcError('STATE', `site ${site.name}: ${freeGb.toFixed(1)} GB of memory free, FreeMem asks for ${site.FreeMem} GB before a check starts`);
  }
  if (site.Unmerged.length > 0 || site.ListDeletable) {
    // The seed's cleaning of the unmerged area is not part of this version: say so instead of ignoring it.
    log('unmerged-not-supported', { site: site.name, message: 'Unmerged/ListDeletable/UnmergedLogsAge are accepted for compatibility; unmerged-area cleaning is not implemented' });
  }
  const owner = defaultOwner();
  if (!(await store.acquireLock(site.name, owner))) throw new DcError('STATE', `site ${site.name} is being checked by another process`);
  // A halted site stays in the rotation (the seed): this run takes it back to ready, so the
  // heartbeat below stops it only for a halt given during this run.
  if (await store.resumeHalted(site.name, `check:${owner}`)) log('halt-cleared', { site: site.name, message: 'the site was halted; this run sets it ready' });
  const now = opts.now ?? Date.now() / 1000;
  const runId = await store.startRun(site.name, new Date(now * 1000).toISOString());
  runLog = new RunLog(site.VarLocation, site.name, runId);
  const stop = new AbortController();
  let stopReason: 'halt' | 'signal' | undefined;
  const onOuter = () => {
    stopReason = 'signal';
    stop.abort();
  };
  opts.signal?.addEventListener('abort', onOuter, { once: true });
  if (opts.signal?.aborted) onOuter();
  let lastProgress: CheckProgress | undefined;
  const beat = setInterval(() => {
    void (async () => {
      try {
        await store.heartbeat(site.name, runId, lastProgress ?? {}, owner);
        if (lastProgress) runLog?.write('progress', { ...lastProgress });
        const st = await store.getState(site.name);
        if (st.status !== 'ready' && !stop.signal.aborted) {
          stopReason = 'halt';
          log('halt-requested', { site: site.name, status: st.status });
          stop.abort();
        }
      } catch (err) {
        log('heartbeat-failed', { site: site.name, error: errorMessage(err) });
      }
    })();
  }, (opts.heartbeatSeconds ?? 15) * 1000);
  let inventory: Inventory | undefined;
  let lister: Lister | undefined;
  let result: CheckResult | undefined;
  try {
    inventory = await openInventory(config);
    // The door is settled once, so the lister and the storage deleter (ctx.site) use the same one.
    site = await resolveSiteDoor(site, { signal: stop.signal, now, log });
    lister = await createLister({ url: site.Url, concurrency: site.NumThreads, timeoutSeconds: site.Timeout, site: site as unknown as Readonly<Record<string, unknown>> });
    log('check-start', { site: site.name, runId, url: site.Url, lister: lister.kind });
    result = await checkSite({
      site,
      inventory,
      lister,
      now,
      workDir: join(site.VarLocation, 'work'),
      signal: stop.signal,
      retryDelayMs: opts.retryDelayMs,
      onProgress: (p) => {
        lastProgress = p;
        opts.onProgress?.(p);
      },
    });
    for (const u of result.summary.unlisted.dirs.slice(0, 200)) runLog?.write('unlisted', { ...u });
    const tops = result.summary.tops;
    if (tops.length > 0 && tops.every((t) => t.unlisted)) {
      // Nothing was listed: the lists say so, but the run is a failure, never a clean "nothing missing".
      const why = `every top directory is unlisted (${tops.length}: ${result.summary.unlisted.dirs.slice(0, 3).map((u) => `${u.lfn} ${u.code}`).join('; ')})`;
      const summary: RunSummaryFile<ActionsReport> = { ...result.summary, runId, gates: { act: false, held: [] }, actions: notActedReport(site, `the run failed: ${why}`), files: {} };
      await writeOutputs(result, summary, { workDir: site.VarLocation, webDir: site.WebDir, rootPath: site.RootPath }, {});
      await store.finishRun(runId, 'failed', { summary, error: why });
      log('check-failed', { site: site.name, runId, error: why });
      return { runId, status: 'failed', summary, error: new DcError('IO', why) };
    }
    const state = await store.getState(site.name);
    const baseline = await store.baselines.get(site.name);
    const gates = evaluateGates(result.summary, site, state, baseline);
    if (opts.dryRun && gates.act) {
      gates.act = false;
      gates.held.push({ gate: 'DryMode', reason: '--dry-run given' });
    }
    runLog?.write('gates', { act: gates.act, held: gates.held, baseline });
    if (gates.held.every((g) => OPERATIONAL_GATES.has(g.gate))) {
      await store.baselines.set({ site: site.name, settled: result.summary.inventory.settled, listed: result.summary.listing.files, runId, setBy: 'run' });
    }
    // Sightings in a run held by a shrink gate are not confirmations: its findings are not recorded,
    // so the next run starts every count afresh.
    if (!gates.held.some((g) => SHRINK_GATES.has(g.gate))) {
      const seenAt = new Date(now * 1000).toISOString();
      await store.recordFindings(site.name, runId, 'missing', result.missing.entries(), seenAt);
      await store.recordFindings(site.name, runId, 'orphan', result.orphan.entries(), seenAt);
      await store.recordFindings(site.name, runId, 'size_mismatch', result.sizeMismatch.entries(), seenAt);
      await store.recordFindings(site.name, runId, 'empty', result.empty.entries(), seenAt);
    }
    // From here on the check is complete: a stop request only cuts the actions short (each one
    // not taken is recorded as skipped) and the run is still recorded as done with its findings.
    const hook = opts.onResult ?? defaultOnResult;
    const acted = await hook({ config, site, result, gates, runId, store, now, signal: stop.signal, log });
    const blockGroups = await collectBlockGroups(config, site.name, result.missingDatasets).catch((err) => {
      log('missing-groups-failed', { site: site.name, error: errorMessage(err) });
      return new Map<string, string>();
    });
    const summary: RunSummaryFile<ActionsReport> = { ...result.summary, runId, gates, actions: acted.actions, files: {} };
    const files = await writeOutputs(result, summary, { workDir: site.VarLocation, webDir: site.WebDir, rootPath: site.RootPath }, { ...acted.outputs, blockGroups });
    await store.finishRun(runId, 'done', { summary, gatesHeld: gates.held.map((g) => g.gate), acted: gates.act && acted.actions.done.length > 0 });
    log('check-done', { site: site.name, runId, missing: summary.missing.count, orphan: summary.orphan.count, unlisted: summary.unlisted.count, seconds: summary.timings.total });
    return { runId, status: 'done', summary, files };
  } catch (err) {
    const e = err instanceof DcError ? err : new DcError('INTERNAL', errorMessage(err), { cause: err });
    const status: RunStatus = e.code === 'ABORTED' && stopReason ? 'halted' : 'failed';
    const why = status === 'halted' ? (stopReason === 'halt' ? 'site halted or disabled during the run' : 'stopped by signal') : e.message;
    await store.finishRun(runId, status, { error: why });
    log(status === 'halted' ? 'check-halted' : 'check-failed', { site: site.name, runId, error: why });
    return { runId, status, error: e };
  } finally {
    clearInterval(beat);
    opts.signal?.removeEventListener('abort', onOuter);
    result?.dispose();
    await lister?.close().catch(() => undefined);
    await inventory?.close().catch(() => undefined);
    await store.releaseLock(site.name, owner);
  }
}
