import { DcError, errorMessage } from '../core/errors.ts';
import type { HistoryStore } from './history-store.ts';
import { defaultOwner } from './site-lock.ts';

/** Why a lease stopped its run: the site was halted or disabled, or another process took its lock. */
export type LeaseStop = 'halt' | 'lost';

export interface LeaseOptions {
  /** Who holds the lock (`host:pid`, so a dead local holder is recognised at once). */
  owner?: string;
  /** Seconds between heartbeats and halt checks (15 in production). */
  heartbeatSeconds?: number;
  log?: (event: string, fields: Record<string, unknown>) => void;
}

/**
 * One process's hold on one site for one run: the site's lock, a heartbeat that keeps it fresh and
 * carries the run's progress to the dashboard, and the polling that stops the run when an operator
 * halts or disables the site. The scheduler, a remote worker and the CLI hold a site the same way:
 * acquire (or pick), attach the run record, report progress, release.
 *
 * `signal` fires when the site is halted or disabled during the run, or when the lock was taken over
 * (the heartbeat went stale, say after a long pause, and another process recovered the site);
 * `stopped` says which. The heartbeat goes on after that, so the lock stays fresh while the run
 * winds down, until `release()`.
 */
export class SiteLease {
  private readonly stop = new AbortController();
  private beat?: NodeJS.Timeout;
  private beating?: Promise<void>;
  private lastProgress?: object;
  private released = false;
  private why?: LeaseStop;

  private constructor(
    private readonly store: HistoryStore,
    readonly site: string,
    readonly owner: string,
    /** The site was halted and this lease took it back to ready (the halt stopped an earlier run). */
    readonly resumedHalt: boolean,
    private readonly opts: LeaseOptions,
  ) {}

  /** Takes the site's lock, or fails with STATE when a live run of another process holds it. */
  static async acquire(store: HistoryStore, site: string, opts: LeaseOptions = {}): Promise<SiteLease> {
    const owner = opts.owner ?? defaultOwner();
    if (!(await store.locks.acquire(site, owner))) throw new DcError('STATE', `site ${site} is being checked by another process`);
    return SiteLease.held(store, site, owner, opts);
  }

  /**
   * The lease of the site among `candidates` whose turn it is (SiteLocks.pick), or undefined
   * when each is disabled or held by another process: two processes picking at once never share one.
   */
  static async pick(store: HistoryStore, candidates: readonly string[], opts: LeaseOptions = {}): Promise<SiteLease | undefined> {
    const owner = opts.owner ?? defaultOwner();
    const site = await store.locks.pick(candidates, owner);
    return site === undefined ? undefined : SiteLease.held(store, site, owner, opts);
  }

  private static async held(store: HistoryStore, site: string, owner: string, opts: LeaseOptions): Promise<SiteLease> {
    try {
      // A halted site stays in the rotation (the seed): this run takes it back to ready, so the
      // heartbeat stops it only for a halt given during this run.
      const resumed = await store.states.resumeHalted(site, `check:${owner}`);
      return new SiteLease(store, site, owner, resumed, opts);
    } catch (err) {
      await store.locks.release(site, owner).catch(() => undefined);
      throw err;
    }
  }

  get signal(): AbortSignal {
    return this.stop.signal;
  }

  /** Why `signal` fired, once it has. */
  get stopped(): LeaseStop | undefined {
    return this.why;
  }

  /** Starts the heartbeat for the run record `runId`; `onBeat` sees the progress each beat wrote. */
  attach(runId: number, onBeat?: (progress: object) => void): void {
    if (this.beat || this.released) return;
    this.beat = setInterval(() => {
      // A slow database must not stack beats on top of each other.
      this.beating ??= this.heartbeat(runId, onBeat).finally(() => (this.beating = undefined));
    }, (this.opts.heartbeatSeconds ?? 15) * 1000);
  }

  /** The run's latest progress, written at the next heartbeat. */
  progress(p: object): void {
    this.lastProgress = p;
  }

  /** Stops the heartbeat and frees the lock (if this process still holds it). */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    clearInterval(this.beat);
    // A beat still writing would otherwise outlive the run (and perhaps the store it writes to).
    await this.beating;
    await this.store.locks.release(this.site, this.owner);
  }

  private async heartbeat(runId: number, onBeat?: (progress: object) => void): Promise<void> {
    try {
      await this.store.locks.heartbeat(this.site, runId, this.lastProgress ?? {}, this.owner);
      if (this.lastProgress) onBeat?.(this.lastProgress);
      if (this.stop.signal.aborted) return;
      const holder = await this.store.locks.holder(this.site);
      if (holder !== this.owner) {
        this.end('lost', 'lease-lost', { site: this.site, holder, message: 'another process took over the site\'s lock' });
        return;
      }
      const st = await this.store.states.get(this.site);
      if (st.status !== 'ready') this.end('halt', 'halt-requested', { site: this.site, status: st.status });
    } catch (err) {
      this.opts.log?.('heartbeat-failed', { site: this.site, error: errorMessage(err) });
    }
  }

  private end(why: LeaseStop, event: string, fields: Record<string, unknown>): void {
    if (this.stop.signal.aborted || this.released) return;
    this.why = why;
    this.opts.log?.(event, fields);
    this.stop.abort(new DcError('ABORTED', why === 'halt' ? 'site halted or disabled during the run' : 'the site\'s lock was taken over by another process'));
  }
}
