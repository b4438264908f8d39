import { copyFileSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-file.ts';
import { DcError, errorMessage } from '../core/errors.ts';
import { escapeName } from '../core/escape.ts';
import { failpoint } from '../core/failpoint.ts';
import type { CheckSummary } from './check-types.ts';
import type { GateDecision } from './gates.ts';
import { missingDatasetLines } from './missing-datasets.ts';
import type { CheckResult } from './site-check.ts';

/** File names of a run's outputs (SEMANTICS.md "Outputs"). */
export function outputNames(site: string) {
  return {
    missing: `${site}_compare_missing.txt`,
    orphan: `${site}_compare_orphan.txt`,
    sizeMismatch: `${site}_size_mismatch.txt`,
    unlisted: `${site}_unlisted.txt`,
    empty: `${site}_empty.txt`,
    missingDatasets: `${site}_missing_datasets.txt`,
    nosite: `${site}_missing_nosite.txt`,
    unrecoverable: `${site}_unrecoverable.txt`,
    storage: `${site}_storage.json`,
    summary: `${site}_summary.json`,
  };
}

/**
 * SITE_summary.json. `A` is the actions block, typed by its writer (src/actions `ActionsReport`,
 * filled in by the worker); the outputs here only carry it.
 */
export interface RunSummaryFile<A = unknown> extends CheckSummary {
  runId?: number;
  gates: GateDecision;
  actions: A;
  files: Record<string, string>;
}

/** WLCG storage resource report: files and used bytes for RootPath and each listed top directory. */
export function storageReport(s: CheckSummary, rootPath: string) {
  const total = s.tops.reduce((a, t) => ({ files: a.files + t.files, bytes: a.bytes + t.bytes }), { files: 0, bytes: 0 });
  const ts = Math.floor(Date.parse(s.finishedAt || s.startedAt) / 1000);
  const shares = [
    { name: s.site, path: [rootPath], usedsize: total.bytes, numberoffiles: total.files, timestamp: ts, complete: s.tops.every((t) => !t.unlisted) && s.unlisted.count === 0 },
    ...s.tops
      .filter((t) => t.lfn !== rootPath)
      .map((t) => ({ name: `${s.site}:${t.lfn}`, path: [t.lfn], usedsize: t.bytes, numberoffiles: t.files, timestamp: ts, complete: !t.unlisted })),
  ];
  return { storageservice: { info: { name: s.site, url: s.url, latestupdate: ts }, storageshares: shares } };
}

/**
 * Writes every list and report of a run into `workDir`, each atomically, then publishes copies
 * to `webDir` (also atomically: copy to a temporary name, then rename).
 */
/** Lists the action sinks produce, and the owning group of each block for the missing-datasets report. */
export interface ActionOutputs {
  nosite?: readonly string[];
  unrecoverable?: readonly string[];
  /** Block name → owning group at the site (`Unsubscribed` when the replica has none). */
  blockGroups?: ReadonlyMap<string, string>;
}

export async function writeOutputs(
  result: CheckResult,
  summary: RunSummaryFile,
  dirs: { workDir: string; webDir?: string; rootPath: string },
  extra: ActionOutputs = {},
): Promise<Record<string, string>> {
  const names = outputNames(result.summary.site);
  mkdirSync(dirs.workDir, { recursive: true });
  const written: Record<string, string> = {};
  const p = (n: string) => join(dirs.workDir, n);
  await result.missing.writeTo((written.missing = p(names.missing)));
  failpoint('outputs');
  await result.orphan.writeTo((written.orphan = p(names.orphan)));
  failpoint('outputs');
  await result.sizeMismatch.writeTo((written.sizeMismatch = p(names.sizeMismatch)));
  failpoint('outputs');
  await result.unlisted.writeTo((written.unlisted = p(names.unlisted)));
  failpoint('outputs');
  await result.empty.writeTo((written.empty = p(names.empty)));
  failpoint('outputs');
  const dsLines = missingDatasetLines(result.missingDatasets, (block) => extra.blockGroups?.get(block));
  writeFileAtomic((written.missingDatasets = p(names.missingDatasets)), dsLines.length ? dsLines.join('\n') + '\n' : '');
  const listText = (l: readonly string[] | undefined) => (l?.length ? [...new Set(l)].sort().map(escapeName).join('\n') + '\n' : '');
  writeFileAtomic((written.nosite = p(names.nosite)), listText(extra.nosite));
  writeFileAtomic((written.unrecoverable = p(names.unrecoverable)), listText(extra.unrecoverable));
  writeFileAtomic((written.storage = p(names.storage)), JSON.stringify(storageReport(result.summary, dirs.rootPath), null, 2) + '\n');
  summary.files = Object.fromEntries(Object.entries(written).map(([k, v]) => [k, basename(v)]));
  writeFileAtomic((written.summary = p(names.summary)), JSON.stringify(summary, null, 2) + '\n');
  failpoint('outputs');
  if (dirs.webDir && dirs.webDir !== dirs.workDir) publish(Object.values(written), dirs.webDir);
  return written;
}

/**
 * Copies the run's files into WebDir: every copy is made first, under a temporary name, and only
 * then are they renamed into place (renames need no space), so a full or read-only WebDir keeps the
 * previous set whole rather than a mix of old and new lists (drill D7).
 */
function publish(files: string[], webDir: string): void {
  const staged: [string, string][] = [];
  try {
    mkdirSync(webDir, { recursive: true });
    for (const f of files) {
      const target = join(webDir, basename(f));
      const tmp = `${target}.tmp-${process.pid}`;
      staged.push([tmp, target]);
      copyFileSync(f, tmp);
      failpoint('outputs');
    }
  } catch (err) {
    for (const [tmp] of staged) rmSync(tmp, { force: true });
    throw new DcError('IO', `cannot publish the lists to WebDir ${webDir}: ${errorMessage(err)}`, { cause: err, detail: { errno: (err as NodeJS.ErrnoException).code } });
  }
  for (const [tmp, target] of staged) renameSync(tmp, target);
}
