import type { RunSummaryFile } from '../check/check-outputs.ts';
import type { CheckProgress } from '../check/check-types.ts';
import { LOCK_STALE_SECONDS } from '../store/site-lock.ts';
import { parseJson, type LatestRuns } from './web-data.ts';
import { DirListing, type SiteFiles } from './web-files.ts';

/**
 * One row of the summary: the site's state, its latest finished run's numbers, and how it is
 * coloured and ranked. Colours follow the seed's page (see the explanations page).
 */
export type RowColour = 'running' | 'long-running' | 'queued' | 'stopped' | 'alert' | 'plain';

/** Gates that mean "the numbers look wrong", as opposed to the site's own mode or state. */
export const THRESHOLD_GATES = new Set(['MaxMissing', 'MaxMissingFraction', 'MaxOrphan', 'MaxOrphanFraction', 'MaxUnlistedFraction', 'ZeroFilesListed']);

export interface SiteRow {
  site: string;
  configured: boolean;
  status: string;
  mode: string;
  stateUpdatedAt: string;
  stateUpdatedBy: string;
  colour: RowColour;
  /** Lower first in the "attention" order; see ATTENTION_LABELS. */
  attention: number;
  reasons: string[];
  lastUpdate: string | null;
  latestRun: { id: number; status: string; startedAt: string; error: string | null } | null;
  running: { runId: number; since: string; heartbeatAt: string | null; stale: boolean; progress: Partial<CheckProgress> | null } | null;
  doneRunId: number | null;
  runTime: number | null;
  files: number | null;
  bytes: number | null;
  directories: number | null;
  unlisted: number | null;
  unlistedOutsideIgnored: number | null;
  empty: number | null;
  missing: number | null;
  missingBytes: number | null;
  noDiskSource: number | null;
  unrecoverable: number | null;
  orphan: number | null;
  orphanBytes: number | null;
  sizeMismatch: number | null;
  unmergedCleaned: number | null;
  /** Of those, `.tar.gz` log archives (issue 15). */
  unmergedLogArchives: number | null;
  gatesHeld: string[];
  overdue: boolean;
  downloads: Partial<Record<'missing' | 'missingDatasets' | 'orphan' | 'sizeMismatch' | 'unlisted' | 'empty' | 'missingNoSite' | 'unrecoverable', string>>;
  hasLog: boolean;
}

export const ATTENTION_LABELS = ['latest run failed', 'held by a threshold gate', 'overdue', 'disabled', 'halted', 'running', 'other'];

export interface RowOptions {
  now: number;
  overdueDays: number;
  configured: ReadonlySet<string>;
  files: SiteFiles;
}

export async function buildSiteRows(latest: LatestRuns[], opts: RowOptions): Promise<SiteRow[]> {
  const rows: SiteRow[] = [];
  const listing = new DirListing();
  for (const l of latest) rows.push(await buildRow(l, opts, listing));
  markQueued(rows, latest);
  return rows;
}

async function buildRow(l: LatestRuns, opts: RowOptions, listing: DirListing): Promise<SiteRow> {
  const d = l.done;
  const summary = d ? parseJson<Partial<RunSummaryFile> & { unmerged?: { cleaned?: number; deleted?: { logArchives?: number } } }>(d.summary) : undefined;
  const gatesHeld = d ? (parseJson<string[]>(d.gatesHeld) ?? []) : [];
  const isRunning = l.last?.status === 'running';
  const heartbeat = l.last?.heartbeatAt ?? l.last?.startedAt ?? null;
  const stale = isRunning && heartbeat !== null && opts.now - Date.parse(heartbeat) > LOCK_STALE_SECONDS * 1000;
  const running = isRunning && l.last ? { runId: l.last.id, since: l.last.startedAt, heartbeatAt: l.last.heartbeatAt, stale, progress: parseJson<Partial<CheckProgress>>(l.last.progress) ?? null } : null;
  const lastFinished = d?.finishedAt ?? null;
  const overdue = l.status !== 'disable' && (!lastFinished || opts.now - Date.parse(lastFinished) > opts.overdueDays * 86400_000);
  const reasons: string[] = [];
  const failed = l.last?.status === 'failed';
  if (failed) reasons.push(`latest run failed: ${l.last?.error ?? 'no message'}`);
  const thresholds = gatesHeld.filter((g) => THRESHOLD_GATES.has(g));
  if (thresholds.length) reasons.push(`held by ${thresholds.join(', ')}`);
  if (d && d.files === 0) reasons.push('zero files listed');
  if (overdue) reasons.push(lastFinished ? `no finished run for over ${opts.overdueDays} days` : 'never checked');
  if (l.status !== 'ready') reasons.push(l.status === 'halt' ? 'halted' : 'disabled');
  if (stale) reasons.push('running, but no heartbeat for over two minutes');
  let colour: RowColour = 'plain';
  if (running) colour = opts.now - Date.parse(running.since) > 86400_000 ? 'long-running' : 'running';
  else if (l.status !== 'ready') colour = 'stopped';
  else if (failed || thresholds.length || (d && d.files === 0)) colour = 'alert';
  const attention = failed ? 0 : thresholds.length || (d && d.files === 0) ? 1 : overdue ? 2 : l.status === 'disable' ? 3 : l.status === 'halt' ? 4 : running ? 5 : 6;
  const configured = opts.configured.has(l.site);
  const downloads: SiteRow['downloads'] = {};
  let noDiskSource: number | null = null;
  let unrecoverable: number | null = null;
  let hasLog = false;
  if (configured) {
    for (const key of ['missing', 'missingDatasets', 'orphan', 'sizeMismatch', 'unlisted', 'empty', 'missingNoSite', 'unrecoverable'] as const) {
      const f = opts.files.list(l.site, key, listing);
      if (!f) continue;
      downloads[key] = `/files/${encodeURIComponent(l.site)}/${encodeURIComponent(f.path.slice(f.path.lastIndexOf('/') + 1))}`;
      if (key === 'missingNoSite') noDiskSource = await opts.files.countLines(f);
      if (key === 'unrecoverable') unrecoverable = await opts.files.countLines(f);
    }
    if (l.last) hasLog = opts.files.log(l.site, l.last.id, true, listing) !== undefined;
  }
  return {
    site: l.site,
    configured,
    status: l.status,
    mode: l.mode,
    stateUpdatedAt: l.updatedAt,
    stateUpdatedBy: l.updatedBy,
    colour,
    attention,
    reasons,
    lastUpdate: running ? (running.heartbeatAt ?? running.since) : (l.last?.finishedAt ?? lastFinished),
    latestRun: l.last ? { id: l.last.id, status: l.last.status, startedAt: l.last.startedAt, error: l.last.error } : null,
    running,
    doneRunId: d?.id ?? null,
    runTime: running ? (opts.now - Date.parse(running.since)) / 1000 : (d?.duration ?? null),
    files: d?.files ?? null,
    bytes: d?.bytes ?? null,
    directories: d?.directories ?? null,
    unlisted: d?.unlisted ?? null,
    unlistedOutsideIgnored: summary?.unlisted?.outsideIgnored ?? null,
    empty: d?.emptyDirs ?? null,
    missing: d?.missing ?? null,
    missingBytes: d?.missingBytes ?? null,
    noDiskSource,
    unrecoverable,
    orphan: d?.orphan ?? null,
    orphanBytes: d?.orphanBytes ?? null,
    sizeMismatch: d?.sizeMismatch ?? null,
    unmergedCleaned: typeof summary?.unmerged?.cleaned === 'number' ? summary.unmerged.cleaned : null,
    unmergedLogArchives: typeof summary?.unmerged?.deleted?.logArchives === 'number' ? summary.unmerged.deleted.logArchives : null,
    gatesHeld,
    overdue,
    downloads,
    hasLog,
  };
}

/** Queued: a ready, idle site the picker takes next (least recently checked), or one never checked. */
function markQueued(rows: SiteRow[], latest: LatestRuns[]): void {
  const idle = rows.filter((r) => r.configured && r.status === 'ready' && !r.running && r.colour === 'plain');
  const lastDone = new Map(latest.map((l) => [l.site, l.done?.finishedAt ?? '']));
  let next: SiteRow | undefined;
  for (const r of idle) {
    if (!lastDone.get(r.site)) r.colour = 'queued';
    if (!next || (lastDone.get(r.site) ?? '') < (lastDone.get(next.site) ?? '')) next = r;
  }
  if (next) next.colour = 'queued';
}
