import type { SiteConfig } from '../config/config-loader.ts';
import { isAtOrBelow, parentDir, trimSlash } from '../core/lfn.ts';
import { candidateTops } from '../check/check-filters.ts';
import type { HistoryStore } from '../store/history-store.ts';
import type { FindingCategory } from '../store/site-findings.ts';
import type { ActionCounts, ActionPlan, AwaitingCount, HeldCount } from './actions-types.ts';

/** A finding confirmed for action (the history stores names as they are). */
export interface Confirmed {
  lfn: string;
  /** As recorded with the finding (0 when the source did not know it). */
  size: number;
}

const DAY = 86400;

/**
 * Findings of this run that are confirmed (SEMANTICS.md "Acting on results") and not acted on yet:
 * seen by `runId`, in at least `runs` consecutive done runs, first seen at least `days` before the
 * run's start.
 */
export async function collectConfirmed(
  store: HistoryStore,
  site: string,
  runId: number,
  category: FindingCategory,
  rule: { runs: number; days: number; now: number },
): Promise<Confirmed[]> {
  const firstSeenBy = rule.days > 0 ? new Date((rule.now - rule.days * DAY) * 1000).toISOString() : undefined;
  const rows = await store.findings.collectOfRun(site, runId, category, { minConsecutive: rule.runs, notActed: true, firstSeenBy });
  return rows.map((r) => ({ lfn: r.lfn, size: r.size }));
}

/**
 * Directories that must never be removed or have their contents removed wholesale: RootPath, the
 * listed top directories, and (with no DirectoryList) RootPath's direct children, which play that role.
 */
export function makeTopGuard(site: SiteConfig): (lfn: string) => boolean {
  const root = trimSlash(site.RootPath);
  const tops = new Set(candidateTops(site));
  return (lfn) => {
    const p = trimSlash(lfn);
    if (!isAtOrBelow(p, root) || p === root || tops.has(p)) return true;
    return site.DirectoryList.length === 0 && parentDir(p) === root;
  };
}

/**
 * Empty directories to remove this run: confirmed ones, leaves first (deepest first), never a top
 * guard, never a parent of an empty directory left out (its rmdir would fail or, over WebDAV,
 * remove more than intended), at most `max`.
 */
export function pickEmptyRemovals(confirmed: readonly string[], allEmpty: readonly string[], isGuarded: (lfn: string) => boolean, max: number): string[] {
  const depth = (p: string) => p.split('/').length;
  const eligible = new Set(confirmed.filter((d) => !isGuarded(d)));
  const ordered = [...eligible].sort((a, b) => depth(b) - depth(a) || (a < b ? -1 : 1));
  const chosen: string[] = [];
  const blocked = new Set<string>();
  const blockAncestors = (d: string) => {
    for (let p = parentDir(d); p !== '/' && p !== ''; p = parentDir(p)) blocked.add(p);
  };
  for (const d of allEmpty) if (!eligible.has(d)) blockAncestors(d);
  for (const d of ordered) {
    if (blocked.has(d)) continue;
    if (chosen.length >= max) {
      blockAncestors(d);
      continue;
    }
    chosen.push(d);
  }
  return chosen;
}

export interface PlanDetail {
  plan: ActionPlan;
  /** Confirmed findings of the run, before the settings below pick what goes to the sinks. */
  confirmed: ActionCounts;
  /** Confirmed findings left out of the plan, by reason. */
  held: HeldCount[];
  /** Size of each planned file (transfers and deletions), as recorded with its finding. */
  sizes: Map<string, number>;
}

/**
 * The run's action plan from its confirmed findings and the site's settings. Orphans go to the
 * sinks only with DeleteOrphans; confirmed empty directories are removed whatever DeleteOrphans
 * says (the seed's behaviour), leaves first, never a top directory.
 */
export async function planActions(store: HistoryStore, site: SiteConfig, runId: number, now: number): Promise<PlanDetail> {
  const notes: string[] = [];
  const held: HeldCount[] = [];
  const missing = await collectConfirmed(store, site.name, runId, 'missing', { runs: site.MissingConfirmations, days: 0, now });
  const orphanRule = { runs: site.OrphanConfirmations, days: site.OrphanConfirmDays, now };
  const orphans = await collectConfirmed(store, site.name, runId, 'orphan', orphanRule);
  const empties = await collectConfirmed(store, site.name, runId, 'empty', orphanRule);
  const root = trimSlash(site.RootPath);
  let deletions: Confirmed[] = [];
  if (!site.DeleteOrphans) {
    if (orphans.length) {
      held.push({ reason: 'delete-orphans-false', kind: 'delete', count: orphans.length, detail: 'DeleteOrphans is false: orphans are listed, never acted on' });
      notes.push(`${orphans.length} confirmed orphans not deleted: DeleteOrphans is false`);
    }
  } else {
    deletions = orphans.filter((o) => o.lfn !== root && isAtOrBelow(o.lfn, root));
    const outside = orphans.length - deletions.length;
    if (outside > 0) held.push({ reason: 'top-directory', kind: 'delete', count: outside, detail: `RootPath ${root} itself or outside it` });
  }
  const isGuarded = makeTopGuard(site);
  const allEmpty = (await store.findings.collectOfRun(site.name, runId, 'empty')).map((r) => r.lfn);
  const rmdirs = pickEmptyRemovals(
    empties.map((e) => e.lfn),
    allEmpty,
    isGuarded,
    site.MaxEmptyRemovals,
  );
  const guarded = empties.filter((e) => isGuarded(e.lfn)).length;
  if (guarded > 0) held.push({ reason: 'top-directory', kind: 'rmdir', count: guarded, detail: 'RootPath and the top directories are never removed' });
  const later = empties.length - rmdirs.length - guarded;
  if (later > 0) {
    held.push({ reason: 'later', kind: 'rmdir', count: later, detail: `MaxEmptyRemovals ${site.MaxEmptyRemovals}, or a directory below them not removed yet` });
    notes.push(`${later} confirmed empty directories left for later (MaxEmptyRemovals ${site.MaxEmptyRemovals}, or a non-empty child)`);
  }
  const sizes = new Map<string, number>();
  for (const f of [...missing, ...deletions]) sizes.set(f.lfn, f.size);
  return {
    plan: { transfers: missing.map((m) => m.lfn), deletions: deletions.map((d) => d.lfn), rmdirs, notes },
    confirmed: { transfers: missing.length, deletions: orphans.length, rmdirs: empties.length },
    held,
    sizes,
  };
}

/**
 * Findings of this run still waiting for confirmation, grouped by their consecutive sightings
 * (capped at the number needed) — and those with enough sightings still short of
 * OrphanConfirmDays — plus the findings an earlier run already acted on.
 */
export async function collectAwaiting(
  store: HistoryStore,
  site: SiteConfig,
  runId: number,
  now: number,
): Promise<{ awaiting: AwaitingCount[]; actedEarlier: { missing: number; orphan: number; empty: number } }> {
  // Sightings are dated by run starts: as many distinct first sightings as runs, no more.
  const { sightings: rows, acted } = await store.findings.countOfRun(site.name, runId, ['missing', 'orphan', 'empty']);
  const actedEarlier = { missing: 0, orphan: 0, empty: 0 };
  for (const r of acted) if (r.category in actedEarlier) actedEarlier[r.category as keyof typeof actedEarlier] = Number(r.n);
  const dayCut = site.OrphanConfirmDays > 0 ? new Date((now - site.OrphanConfirmDays * DAY) * 1000).toISOString() : undefined;
  const groups = new Map<string, AwaitingCount>();
  for (const r of rows) {
    const category = r.category as AwaitingCount['category'];
    const needed = category === 'missing' ? site.MissingConfirmations : site.OrphanConfirmations;
    const seen = Math.min(Number(r.consecutive), needed);
    const waitsDays = seen >= needed && category !== 'missing' && dayCut !== undefined && r.firstSeenAt > dayCut;
    if (seen >= needed && !waitsDays) continue;
    const key = `${category}\n${seen}\n${waitsDays}`;
    const g = groups.get(key) ?? { category, count: 0, seen, needed, ...(waitsDays ? { days: site.OrphanConfirmDays } : {}) };
    g.count += Number(r.n);
    groups.set(key, g);
  }
  const order = { missing: 0, orphan: 1, empty: 2 };
  const awaiting = [...groups.values()].sort((a, b) => order[a.category] - order[b.category] || a.seen - b.seen || (a.days ?? 0) - (b.days ?? 0));
  return { awaiting, actedEarlier };
}
