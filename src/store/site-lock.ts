import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import type { StoreDb } from './history-schema.ts';
import type { SiteStates } from './site-states.ts';

/** A lock is stale when its heartbeat is older than this: the run that held it is gone. */
export const LOCK_STALE_SECONDS = 120;

export function defaultOwner(): string {
  return `${hostname()}:${process.pid}`;
}

/** A lock held by a run that is still alive: fresh heartbeat and, on this host, a live process. */
export function isLockLive(r: { lock_owner: string | null; lock_heartbeat: number | string | null }, now: number): boolean {
  if (!r.lock_owner || r.lock_heartbeat === null) return false;
  return Number(r.lock_heartbeat) >= now - LOCK_STALE_SECONDS && !isDeadLocalOwner(r.lock_owner);
}

/** True when `owner` (host:pid) names a process of this host that no longer exists. */
export function isDeadLocalOwner(owner: string): boolean {
  const at = owner.lastIndexOf(':');
  if (at < 0 || owner.slice(0, at) !== hostname()) return false;
  const pid = Number(owner.slice(at + 1));
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * The sites' locks (`store.locks`, columns of `site_states`): one live run per site, whatever
 * process runs it. Each lock taken calls `recover` for the site, which settles what a crashed
 * holder's runs left half done (HistoryStore wires the runs, the actions and the findings to it).
 */
export class SiteLocks {
  constructor(
    private readonly db: Kysely<StoreDb>,
    private readonly states: SiteStates,
    private readonly recover: (site: string) => Promise<void>,
  ) {}

  /** Takes the site's lock unless a live run holds it; a stale lock (crashed run) is taken over. */
  async acquire(site: string, owner: string = defaultOwner()): Promise<boolean> {
    await this.states.ensure([site]);
    const now = Math.floor(Date.now() / 1000);
    // A holder on this host whose process is gone (kill -9, OOM) is stale now, not in 2 minutes.
    const held = await this.holder(site);
    const dead = held && held !== owner && isDeadLocalOwner(held) ? held : undefined;
    const res = await this.db
      .updateTable('site_states')
      .set({ lock_owner: owner, lock_heartbeat: now })
      .where('site', '=', site)
      .where((eb) =>
        eb.or([
          eb('lock_owner', 'is', null),
          eb('lock_heartbeat', '<', now - LOCK_STALE_SECONDS),
          eb('lock_owner', '=', owner),
          ...(dead ? [eb('lock_owner', '=', dead)] : []),
        ]),
      )
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) return false;
    await this.recover(site);
    return true;
  }

  async release(site: string, owner: string = defaultOwner()): Promise<void> {
    await this.db.updateTable('site_states').set({ lock_owner: null, lock_heartbeat: null }).where('site', '=', site).where('lock_owner', '=', owner).execute();
  }

  /** Who holds the site's lock now (null when nobody does), so a holder can see it was taken over. */
  async holder(site: string): Promise<string | null> {
    const r = await this.db.selectFrom('site_states').select('lock_owner').where('site', '=', site).executeTakeFirst();
    return r?.lock_owner ?? null;
  }

  /** Heartbeat of a running check: progress for the dashboard, and the lock kept fresh. */
  async heartbeat(site: string, runId: number, progress: unknown, owner: string = defaultOwner()): Promise<void> {
    const now = new Date();
    await this.db.updateTable('runs').set({ heartbeat_at: now.toISOString(), progress: JSON.stringify(progress) }).where('id', '=', runId).execute();
    await this.db.updateTable('site_states').set({ lock_heartbeat: Math.floor(now.getTime() / 1000) }).where('site', '=', site).where('lock_owner', '=', owner).execute();
  }

  /**
   * The site among `candidates` whose turn it is: ready or halted (halt stops a running check, not
   * the rotation, as in the seed; disabled sites wait for `ready`), the oldest last run first
   * whatever that run's outcome (never-run sites first, then by name), skipping sites a live run of
   * another process holds. With `owner`, the site comes back locked for it (acquire), so two
   * processes picking at once never take the same site: the loser takes the next one.
   */
  async pick(candidates: readonly string[], owner?: string): Promise<string | undefined> {
    if (candidates.length === 0) return undefined;
    await this.states.ensure(candidates);
    const rows = await this.db.selectFrom('site_states').select(['site', 'last_run_at', 'status', 'lock_owner', 'lock_heartbeat']).where('site', 'in', [...candidates]).execute();
    const turn = rows.filter((r) => r.status === 'ready' || r.status === 'halt');
    turn.sort((a, b) => (a.last_run_at ?? '').localeCompare(b.last_run_at ?? '') || a.site.localeCompare(b.site));
    const now = Math.floor(Date.now() / 1000);
    for (const r of turn) {
      if (owner !== undefined) {
        if (await this.acquire(r.site, owner)) return r.site;
      } else if (!isLockLive(r, now)) {
        return r.site;
      }
    }
    return undefined;
  }
}
