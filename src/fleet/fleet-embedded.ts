import type { Config } from '../config/config-loader.ts';
import { errorCode, errorMessage } from '../core/errors.ts';
import { runSite, type RunOutcome } from '../run/run-site.ts';
import type { MemberCheck } from '../store/fleet-members.ts';
import type { HistoryStore } from '../store/history-store.ts';
import { FLEET_HEARTBEAT_SECONDS, type FleetExecutor, type Log, type RunPhases } from './fleet-executor.ts';
import type { PlannedCheck } from './fleet-plan.ts';
import { recordTurn, takesTurn } from './fleet-turns.ts';
import { fleetListerHook } from './fleet-shards.ts';

/**
 * Checks run inside the daemon's process (no Queue configured), on the same history store: each a
 * runSite with its lease, at most as many as the daemon plans (MaxConcurrentChecks).
 */
export class EmbeddedExecutor implements FleetExecutor {
  private readonly running = new Map<string, { lockGroup: string; since: number; done: Promise<void> }>();
  private readonly stop = new AbortController();

  constructor(
    private readonly store: HistoryStore,
    private readonly log: Log,
    /** Called when a check ends, so the daemon plans again at once. */
    private readonly onFinish: () => void,
    /** What the runs do after the check (daemon --unmerged, --more-logs). */
    private readonly phases: RunPhases = {},
    private readonly heartbeatSeconds = FLEET_HEARTBEAT_SECONDS,
  ) {}

  async collectBusy(): Promise<{ site: string; lockGroup: string }[]> {
    return [...this.running].map(([site, r]) => ({ site, lockGroup: r.lockGroup }));
  }

  listChecks(): MemberCheck[] {
    return [...this.running].map(([site, r]) => ({ site, since: r.since }));
  }

  async start(check: PlannedCheck, config: Config): Promise<void> {
    if (this.stop.signal.aborted || this.running.has(check.site)) return;
    const { site } = check;
    const done = (async () => {
      try {
        let turn = false;
        // The turn is written while the run still holds the site, so no other process starts it in between.
        const onOutcome = async (o: RunOutcome) => {
          turn = takesTurn(o, this.stop.signal.aborted);
          if (turn) await recordTurn(this.store, site, o);
        };
        const outcome = await runSite(config, site, this.store, { ...this.phases, signal: this.stop.signal, heartbeatSeconds: this.heartbeatSeconds, log: this.log, onOutcome, resume: 'daemon', createLister: fleetListerHook(config, this.store, this.log) });
        this.log('fleet-check-finished', { site, runId: outcome.runId, status: outcome.status, turn, ...(outcome.error ? { error: outcome.error.message } : {}) });
      } catch (err) {
        // Busy (another process holds the site), FreeMem, a configuration problem: no run was recorded.
        this.log('fleet-check-not-started', { site, code: errorCode(err), error: errorMessage(err) });
      } finally {
        this.running.delete(site);
        this.onFinish();
      }
    })();
    this.running.set(site, { lockGroup: check.lockGroup, since: Date.now(), done });
  }

  async close(): Promise<void> {
    this.stop.abort();
    await Promise.all([...this.running.values()].map((r) => r.done));
  }
}
