import { hostname } from 'node:os';
import { errorMessage } from '../core/errors.ts';
import { packageVersion } from '../core/package-version.ts';
import type { FleetMember, MemberCheck } from '../store/fleet-members.ts';
import type { HistoryStore } from '../store/history-store.ts';
import { defaultOwner } from '../store/site-lock.ts';
import { FLEET_HEARTBEAT_SECONDS, type Log } from './fleet-executor.ts';

export type { MemberCheck } from '../store/fleet-members.ts';

/** A member silent this long is shown stale: three heartbeats missed. */
export const MEMBER_STALE_SECONDS = 6 * FLEET_HEARTBEAT_SECONDS;

/** Members silent this long (a worker killed a day ago) are forgotten when a member starts. */
const MEMBER_FORGET_MS = 24 * 3600 * 1000;

/**
 * This process as a member of the fleet (a daemon or a worker): its row in the history's
 * fleet_members, written at start, every heartbeat, and at once when its checks change, so the
 * dashboard sees who is alive and what each one runs. A clean stop removes the row; a killed
 * process leaves it to go stale. A history that does not answer is logged, never fatal: the
 * member's work does not depend on being seen.
 */
export class FleetMemberBeat {
  private readonly id = defaultOwner();
  private readonly startedMs = Date.now();
  private timer?: NodeJS.Timeout;
  private writing?: Promise<void>;
  private again = false;
  private failing = false;
  private pruned = false;
  private stopped = false;

  constructor(
    private readonly store: HistoryStore,
    private readonly role: FleetMember['role'],
    private readonly slots: number,
    /** What the member runs now. */
    private readonly checks: () => MemberCheck[],
    private readonly log: Log,
    private readonly heartbeatSeconds = FLEET_HEARTBEAT_SECONDS,
  ) {}

  start(): void {
    if (this.timer || this.stopped) return;
    this.touch();
    this.timer = setInterval(() => this.touch(), this.heartbeatSeconds * 1000);
    this.timer.unref();
  }

  /** Writes the heartbeat now (a check started or ended); beats asked for while one is written are folded into one more. */
  touch(): void {
    if (this.stopped) return;
    if (this.writing) {
      this.again = true;
      return;
    }
    this.writing = this.write().finally(() => {
      this.writing = undefined;
      if (this.again) {
        this.again = false;
        this.touch();
      }
    });
  }

  /** Stops beating and leaves the fleet (its row removed). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.writing;
    await this.store.members.leave(this.id).catch((err) => this.log('member-leave-failed', { error: errorMessage(err) }));
  }

  private async write(): Promise<void> {
    const now = Date.now();
    try {
      const pid = process.pid;
      await this.store.members.beat({ id: this.id, role: this.role, host: hostname(), pid, version: packageVersion(), slots: this.slots, startedMs: this.startedMs, heartbeatMs: now, checks: this.checks() });
      if (!this.pruned) await this.store.members.prune(now - MEMBER_FORGET_MS);
      this.pruned = true;
      if (this.failing) this.log('member-heartbeat-recovered', {});
      this.failing = false;
    } catch (err) {
      // Said once per outage, not every beat.
      if (!this.failing) this.log('member-heartbeat-failed', { error: errorMessage(err), message: 'the dashboard will show this process stale until the history answers' });
      this.failing = true;
    }
  }
}
