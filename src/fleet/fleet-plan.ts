/**
 * Which sites the daemon starts now: a pure function of what the history, the readiness feed and
 * the running checks say, so every rule of the scheduler is tested without a clock or a database.
 */

/** One candidate site as the scheduler sees it at the start of a round. */
export interface SiteSchedule {
  site: string;
  /** Seconds between two checks (CheckEvery hours). */
  everySeconds: number;
  /** '' when the site is in no lock group. */
  lockGroup: string;
  /** The site's last check (its fleet turn, else its last finished run), or undefined when never checked. */
  last?: { runId: number; startedAt: number };
  /** The site's state in the history: a disabled site waits for `ready`; a halted one stays in the rotation (the seed). */
  status: 'ready' | 'halt' | 'disable';
  /** Why the readiness feed says the site is not ready, or undefined when it is. */
  notReady?: string;
  /** A check of this site is running (here, on a worker, or a `check` of another process) or queued. */
  busy: boolean;
}

export interface PlannedCheck {
  site: string;
  lockGroup: string;
  /**
   * The run slot: the id of the run this check follows (0 for a site never checked). Two daemons,
   * or one restarted, plan the same slot for the same due check, so a queue job id made of site
   * and slot is never added twice.
   */
  slot: number;
  /** Epoch seconds the check became due (0: never checked). */
  dueAt: number;
}

export interface FleetPlan {
  start: PlannedCheck[];
  /** Sites not started this round and why (not ready, disabled, lock group busy, no free slot). */
  waiting: { site: string; reason: string }[];
  /** When the next site not yet due becomes due (epoch seconds), for the daemon's sleep. */
  nextDueAt?: number;
}

/**
 * Due sites oldest-first (never checked first, then by the start of their last check), started
 * while `freeSlots` lasts, at most one per lock group counting the groups already busy.
 */
export function planRound(sites: readonly SiteSchedule[], opts: { now: number; freeSlots: number; busyGroups: ReadonlySet<string> }): FleetPlan {
  const waiting: FleetPlan['waiting'] = [];
  const due: { s: SiteSchedule; dueAt: number }[] = [];
  let nextDueAt: number | undefined;
  for (const s of sites) {
    if (s.busy) continue;
    if (s.status === 'disable') {
      waiting.push({ site: s.site, reason: 'disabled' });
      continue;
    }
    if (s.notReady !== undefined) {
      waiting.push({ site: s.site, reason: `not ready: ${s.notReady}` });
      continue;
    }
    const dueAt = s.last ? s.last.startedAt + s.everySeconds : 0;
    if (dueAt > opts.now) {
      nextDueAt = nextDueAt === undefined ? dueAt : Math.min(nextDueAt, dueAt);
      continue;
    }
    due.push({ s, dueAt });
  }
  const lastStart = (s: SiteSchedule) => s.last?.startedAt ?? -Infinity;
  due.sort((a, b) => (lastStart(a.s) === lastStart(b.s) ? 0 : lastStart(a.s) < lastStart(b.s) ? -1 : 1) || a.s.site.localeCompare(b.s.site));
  const groups = new Set(opts.busyGroups);
  let free = opts.freeSlots;
  const start: PlannedCheck[] = [];
  for (const { s, dueAt } of due) {
    if (s.lockGroup && groups.has(s.lockGroup)) {
      waiting.push({ site: s.site, reason: `lock group ${s.lockGroup} busy` });
      continue;
    }
    if (free <= 0) {
      waiting.push({ site: s.site, reason: 'MaxConcurrentChecks reached' });
      continue;
    }
    free--;
    if (s.lockGroup) groups.add(s.lockGroup);
    start.push({ site: s.site, lockGroup: s.lockGroup, slot: s.last?.runId ?? 0, dueAt });
  }
  return { start, waiting, ...(nextDueAt === undefined ? {} : { nextDueAt }) };
}
