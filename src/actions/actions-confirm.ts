import type { SiteConfig } from '../config/config-loader.ts';
import { isAtOrBelow, parentDir, trimSlash } from '../core/lfn.ts';
import { candidateTops } from '../check/check-filters.ts';
import type { FindingCategory, HistoryStore } from '../store/history-store.ts';
import type { ActionPlan } from './actions-types.ts';

/** A finding confirmed for action (the history stores names as they are). */
export interface Confirmed {
  lfn: string;
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
  let q = store.db
    .selectFrom('findings')
    .select(['lfn'])
    .where('site', '=', site)
    .where('category', '=', category)
    .where('last_run', '=', runId)
    .where('consecutive', '>=', rule.runs)
    .where('acted_run', 'is', null);
  // ISO-8601 UTC strings of one fixed format compare in time order.
  if (rule.days > 0) q = q.where('first_seen_at', '<=', new Date((rule.now - rule.days * DAY) * 1000).toISOString());
  const rows = await q.orderBy('lfn').execute();
  return rows.map((r) => ({ lfn: r.lfn }));
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
}

/** The run's action plan from its confirmed findings and the site's settings. */
export async function planActions(store: HistoryStore, site: SiteConfig, runId: number, now: number): Promise<PlanDetail> {
  const notes: string[] = [];
  const missing = await collectConfirmed(store, site.name, runId, 'missing', { runs: site.MissingConfirmations, days: 0, now });
  const orphanRule = { runs: site.OrphanConfirmations, days: site.OrphanConfirmDays, now };
  const orphans = await collectConfirmed(store, site.name, runId, 'orphan', orphanRule);
  const empties = await collectConfirmed(store, site.name, runId, 'empty', orphanRule);
  const isGuarded = makeTopGuard(site);
  let deletions: Confirmed[] = [];
  let rmdirs: string[] = [];
  if (!site.DeleteOrphans) {
    if (orphans.length || empties.length) notes.push(`${orphans.length} confirmed orphans and ${empties.length} empty directories not deleted: DeleteOrphans is false`);
  } else {
    const root = trimSlash(site.RootPath);
    deletions = orphans.filter((o) => o.lfn !== root && isAtOrBelow(o.lfn, root));
    const allEmpty = (await store.db.selectFrom('findings').select('lfn').where('site', '=', site.name).where('category', '=', 'empty').where('last_run', '=', runId).execute()).map((r) => r.lfn);
    rmdirs = pickEmptyRemovals(
      empties.map((e) => e.lfn),
      allEmpty,
      isGuarded,
      site.MaxEmptyRemovals,
    );
    const left = empties.length - rmdirs.length;
    if (left > 0) notes.push(`${left} confirmed empty directories left for later (top directories, MaxEmptyRemovals ${site.MaxEmptyRemovals}, or a non-empty child)`);
  }
  return {
    plan: { transfers: missing.map((m) => m.lfn), deletions: deletions.map((d) => d.lfn), rmdirs, notes },
  };
}
