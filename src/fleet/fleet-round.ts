import { siteConfig, type Config } from '../config/config-loader.ts';
import type { SiteHistory } from '../store/site-turns.ts';
import { planRound, type FleetPlan, type SiteSchedule } from './fleet-plan.ts';
import type { NotReady } from './fleet-readiness.ts';

export interface RoundInput {
  /** The configuration widened to the candidate sites. */
  config: Config;
  sites: readonly string[];
  /** What the history says of each site (collectSiteHistory). */
  history: ReadonlyMap<string, SiteHistory>;
  notReady: NotReady;
  /** The sites an executor runs or holds queued, with their lock groups. */
  held: readonly { site: string; lockGroup: string }[];
  maxConcurrentChecks: number;
  /** Epoch seconds. */
  now: number;
}

export interface FleetRound {
  schedules: SiteSchedule[];
  /** Busy site -> its lock group: held by the executor, or locked by a live run of any process. */
  busy: Map<string, string>;
  plan: FleetPlan;
}

/**
 * One round of the scheduler from what it read: each site's schedule and the plan. The daemon
 * starts what this plans; the dashboard's fleet page shows why the others wait, from the same code.
 */
export function planFleetRound(input: RoundInput): FleetRound {
  const { config, sites, history } = input;
  const groupOf = new Map(sites.map((s) => [s, siteConfig(config, s).LockGroup]));
  const busy = new Map<string, string>(input.held.map((h) => [h.site, h.lockGroup]));
  for (const [site, h] of history) if (h.locked && !busy.has(site)) busy.set(site, groupOf.get(site) ?? '');
  const schedules: SiteSchedule[] = sites.map((site) => {
    const h = history.get(site);
    const s = siteConfig(config, site);
    return { site, everySeconds: s.CheckEvery * 3600, lockGroup: s.LockGroup, last: h?.last, status: h?.status ?? 'ready', notReady: input.notReady.get(site), busy: busy.has(site) };
  });
  const plan = planRound(schedules, { now: input.now, freeSlots: input.maxConcurrentChecks - busy.size, busyGroups: new Set([...busy.values()].filter(Boolean)) });
  return { schedules, busy, plan };
}
