/**
 * One in-process run of the drill site (runSite: the real lister, inventory and history) judged
 * against the ground truth, for the network and server drills, and the tally of their figures.
 */
import { loadConfig } from '../../src/config/config-loader.ts';
import { HistoryStore } from '../../src/store/history-store.ts';
import { runSite, type RunOutcome } from '../../src/run/run-site.ts';
import { inspectHistory } from './drill-history.ts';
import { judge, readLists, SITE, type DrillSite } from './drill-site.ts';

export interface JudgedRun {
  outcome: RunOutcome;
  unlisted: number;
  problems: string[];
  ms: number;
}

/** Runs the site once as configured now and returns what is wrong with the result, if anything. */
export async function runAndJudge(site: DrillSite, store: HistoryStore, historyUrl: string, label: string): Promise<JudgedRun> {
  const t0 = Date.now();
  const outcome = await runSite(loadConfig(site.configFile, {}), SITE, store, { retryDelayMs: 50, heartbeatSeconds: 2 });
  const ms = Date.now() - t0;
  const problems: string[] = [];
  let unlisted = 0;
  // A run either lists (done) or fails because every top directory is unlisted; both write lists.
  if (outcome.status !== 'done' && !/every top directory is unlisted/.test(outcome.error?.message ?? '')) {
    problems.push(`${label}: run ${outcome.status}: ${outcome.error?.message}`);
  } else {
    try {
      const lists = readLists(site.varDir);
      unlisted = lists.unlisted.length;
      if (lists.summary.runId !== outcome.runId) problems.push(`${label}: the lists on disk are run ${lists.summary.runId}'s, not this run's (${outcome.runId})`);
      problems.push(...judge(site.truth, lists, { orphansOnDisk: site.orphansOnDisk() }).map((p) => `${label}: ${p}`));
    } catch (err) {
      problems.push(`${label}: lists unreadable: ${(err as Error).message}`);
    }
  }
  const h = await inspectHistory(historyUrl, SITE, { recovered: true });
  problems.push(...h.problems.map((p) => `${label}: history: ${p}`));
  return { outcome, unlisted, problems, ms };
}

/** Figures common to the network and server drills. */
export class RunTally {
  runs = 0;
  complete = 0;
  partial = 0;
  failedAllUnlisted = 0;
  unlistedDirs = 0;
  maxRunSeconds = 0;
  readonly problems: string[] = [];

  add(r: JudgedRun): void {
    this.runs++;
    if (r.outcome.status !== 'done') this.failedAllUnlisted++;
    else if (r.unlisted === 0) this.complete++;
    else this.partial++;
    this.unlistedDirs += r.unlisted;
    this.maxRunSeconds = Math.max(this.maxRunSeconds, Math.round(r.ms / 100) / 10);
    this.problems.push(...r.problems);
  }

  figures(): Record<string, number> {
    return { runs: this.runs, complete: this.complete, partial: this.partial, failedAllUnlisted: this.failedAllUnlisted, unlistedDirs: this.unlistedDirs, maxRunSeconds: this.maxRunSeconds, problems: this.problems.length };
  }
}

export async function openActStore(historyUrl: string): Promise<HistoryStore> {
  const store = await HistoryStore.open(historyUrl);
  await store.states.set(SITE, 'act', 'drill');
  return store;
}
