import { hostname } from 'node:os';

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
