import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../config/config-loader.ts';
import { errorMessage } from '../core/errors.ts';
import type { HistoryStore } from '../store/history-store.ts';
import { redactUrl } from '../core/redact-url.ts';
import { EmbeddedExecutor } from './fleet-embedded.ts';
import { phasesOf, type FleetExecutor, type Log, type RunPhases } from './fleet-executor.ts';
import { FleetMemberBeat } from './fleet-member.ts';
import { planFleetRound } from './fleet-round.ts';
import { InventoryReadiness, mergeNotReady, ReadinessFeed, type NotReady } from './fleet-readiness.ts';
import type { FleetSettings } from './fleet-settings.ts';
import { collectSiteHistory } from './fleet-turns.ts';

/** Longest sleep between two rounds: state changes, the readiness feed and new sites are seen this often. */
const MAX_SLEEP_SECONDS = 60;
/** Longest wait after a round that failed (history or Redis unreachable). */
const MAX_BACKOFF_SECONDS = 30;

export interface DaemonOptions {
  settings: FleetSettings;
  store: HistoryStore;
  /** The candidate sites and the configuration widened to them, asked again every round (the inventory's sites change). */
  candidates: () => Promise<{ config: Config; sites: string[] }>;
  /** SIGTERM: stop taking work, halt running checks, return. */
  signal: AbortSignal;
  log: Log;
  /** Where checks run; default: in this process, or on the queue when Queue is configured. */
  executor?: FleetExecutor;
  /** What every run does after its check (`daemon --unmerged [--more-logs]`); default: the check alone. */
  phases?: RunPhases;
}

/**
 * The scheduler (issue 14): every round it reads the candidates, their last checks and states from
 * the history, the readiness feed, and what is running; starts the due sites oldest-first within
 * MaxConcurrentChecks and the lock groups; then sleeps until the next site is due, a check ends,
 * or a minute passes. Nothing is kept only in memory: a restarted daemon reads the same history.
 */
export async function runDaemon(opts: DaemonOptions): Promise<void> {
  const { settings, store, signal, log } = opts;
  let wake = new AbortController();
  const phases = phasesOf(opts.phases);
  const executor = opts.executor ?? (await defaultExecutor(settings, store, log, phases, () => {
    wake.abort();
    member.touch();
  }));
  const member = new FleetMemberBeat(store, 'daemon', settings.queue ? 0 : settings.maxConcurrentChecks, () => executor.listChecks?.() ?? [], log);
  member.start();
  const feed = settings.readinessUrl ? new ReadinessFeed(settings.readinessUrl, log) : undefined;
  const inventoryReadiness = new InventoryReadiness(log);
  let inventoryNotReady: NotReady = new Map();
  /** Why each site waited last round: a reason is logged when it changes, not every round. */
  let said = new Map<string, string>();
  let sitesRead: { at: number; value: { config: Config; sites: string[] } } | undefined;
  let failures = 0;
  log('daemon-start', { mode: settings.queue ? 'distributed' : 'embedded', maxConcurrentChecks: settings.maxConcurrentChecks, ...phases, ...(settings.queue ? { queue: settings.queue.name, redis: redactUrl(settings.queue.url) } : {}), ...(settings.readinessUrl ? { readinessUrl: redactUrl(settings.readinessUrl) } : {}) });
  try {
    while (!signal.aborted) {
      let sleepSeconds: number;
      try {
        sleepSeconds = await round();
        if (failures > 0) log('daemon-recovered', { afterFailures: failures });
        failures = 0;
      } catch (err) {
        if (signal.aborted) break;
        failures++;
        sleepSeconds = Math.min(2 ** (failures - 1), MAX_BACKOFF_SECONDS);
        log('daemon-round-failed', { error: errorMessage(err), attempt: failures, retryInSeconds: sleepSeconds });
      }
      const woken = wake;
      await sleep(sleepSeconds * 1000, undefined, { signal: AbortSignal.any([signal, woken.signal]) }).catch(() => undefined);
      if (woken.signal.aborted) wake = new AbortController();
    }
  } finally {
    log('daemon-stopping', { message: 'taking no more work; halting running checks' });
    await executor.close();
    await member.stop();
    log('daemon-stopped', {});
  }

  /** One round; returns the seconds to sleep before the next. */
  async function round(): Promise<number> {
    // The sites (and the inventory asked for them) are read again once a minute, not every round.
    // So is the inventory's word on which sites are ready (Dynamo's sites table).
    if (!sitesRead || Date.now() - sitesRead.at > MAX_SLEEP_SECONDS * 1000) {
      sitesRead = { at: Date.now(), value: await untilStopped(opts.candidates()) };
      inventoryNotReady = await untilStopped(inventoryReadiness.read(sitesRead.value.config));
    }
    const { config, sites } = sitesRead.value;
    const history = await untilStopped(collectSiteHistory(store, sites));
    const notReady = mergeNotReady(feed ? await feed.read(sites, signal) : new Map<string, string>(), inventoryNotReady);
    const held = await untilStopped(executor.collectBusy());
    const now = Date.now() / 1000;
    const { busy, plan } = planFleetRound({ config, sites, history, notReady, held, maxConcurrentChecks: settings.maxConcurrentChecks, now });
    const waiting = new Map(plan.waiting.map((w) => [w.site, w.reason]));
    for (const [site, reason] of waiting) if (said.get(site) !== reason) log('site-waiting', { site, reason });
    said = waiting;
    for (const p of plan.start) {
      if (signal.aborted) break;
      await untilStopped(executor.start(p, config));
      member.touch();
      log(settings.queue ? 'check-queued' : 'check-started', { site: p.site, slot: p.slot, lockGroup: p.lockGroup || undefined, dueSince: p.dueAt ? new Date(p.dueAt * 1000).toISOString() : 'never checked' });
    }
    const untilDue = plan.nextDueAt === undefined ? MAX_SLEEP_SECONDS : Math.max(0.05, plan.nextDueAt - now);
    const out = busy.size + plan.start.length > 0 && executor.pollSeconds !== undefined ? executor.pollSeconds : MAX_SLEEP_SECONDS;
    return Math.min(untilDue, out, MAX_SLEEP_SECONDS);
  }

  /** A step of the round, given up when the daemon is stopped (a Redis or database that does not answer must not hold SIGTERM). */
  function untilStopped<T>(p: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }
}

async function defaultExecutor(settings: FleetSettings, store: HistoryStore, log: Log, phases: RunPhases, onFinish: () => void): Promise<FleetExecutor> {
  if (!settings.queue) return new EmbeddedExecutor(store, log, onFinish, phases);
  const { QueueExecutor } = await import('./fleet-queue.ts');
  return new QueueExecutor(settings.queue, log, onFinish, phases);
}
