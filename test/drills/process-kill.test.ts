/**
 * Drill D3 (issue 16): the real `check` command killed with -9 at every phase of a run — listing,
 * judging, acting, writing outputs, recording the history — and at random moments, many times in a
 * row, on a SQLite and on a PostgreSQL history. The kills are aimed with `DC_FAILPOINT=phase@n`
 * (src/core/failpoint.ts: the process SIGKILLs itself the n-th time it passes that point), and the
 * random ones are a plain SIGKILL after a random delay. After each kill: the history passes its
 * integrity check, every list on disk parses and is a complete version some run wrote, the next run
 * recovers the lock at once and its lists are right against the ground truth. The storage sink acts
 * on a POSIX site: every file gone from the storage was a true orphan, is recorded, and was deleted
 * once.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN } from '../helpers/run-cli.ts';
import { createPostgresDatabase, type TestDatabase } from '../servers/databases.ts';
import { HistoryStore } from '../../src/store/history-store.ts';
import { outputNames } from '../../src/check/check-outputs.ts';
import { drillSize, reportFigures } from './drill-mode.ts';
import { inspectHistory } from './drill-history.ts';
import { DRILL_SEED, seededRng } from '../helpers/seeded-rng.ts';
import { judge, makeDrillSite, readLists, SITE, tempLeftovers, type DrillSite } from './drill-site.ts';

const PHASES = ['listing', 'judging', 'acting', 'outputs', 'recording', 'random'] as const;
type Phase = (typeof PHASES)[number];
/** The n-th pass of each failpoint a kill may aim at (src/core/failpoint.ts placements). */
const HITS: Record<Exclude<Phase, 'random'>, [number, number]> = { listing: [1, 60], judging: [1, 4], acting: [1, 3], outputs: [1, 20], recording: [1, 2] };
/** Lists whose content is the same in every run of an unchanged site (summary and storage report carry times). */
const LISTS = (['missing', 'orphan', 'sizeMismatch', 'unlisted', 'empty', 'missingDatasets'] as const).map((k) => outputNames(SITE)[k]);

interface Exit {
  code: number | null;
  signal: string | null;
  stderr: string;
  ms: number;
}

function check(site: DrillSite, env: Record<string, string>, killAfterMs?: number): Promise<Exit> {
  const t0 = Date.now();
  const child = spawn(process.execPath, [BIN, 'check', '--config', site.configFile, '--site', `^${SITE}$`], { cwd: site.dir, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const killer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      clearTimeout(guard);
      resolve({ code, signal, stderr, ms: Date.now() - t0 });
    });
  });
}

/** Every list file in VarLocation and WebDir, read whole (undefined when not written yet). */
function listsOnDisk(site: DrillSite): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  for (const dir of [site.varDir, site.webDir]) for (const n of LISTS) out.set(join(dir, n), existsSync(join(dir, n)) ? readFileSync(join(dir, n), 'latin1') : undefined);
  return out;
}

async function setMode(url: string, mode: 'act' | 'dry'): Promise<void> {
  const store = await HistoryStore.open(url);
  try {
    await store.states.set(SITE, mode, 'drill');
  } finally {
    await store.close();
  }
}

async function drill(engine: 'sqlite' | 'postgres', historyUrl: (site: DrillSite) => string): Promise<void> {
  const rng = seededRng(DRILL_SEED + (engine === 'sqlite' ? 0 : 1));
  const kills = drillSize(6, 20);
  const site = makeDrillSite({ tops: ['mc', 'data'], datasets: 3, blocks: 4, files: 5, missing: 6, orphans: 120 });
  const url = historyUrl(site);
  const fig = { engine, seed: DRILL_SEED, kills: 0, killedAt: '', notReached: 0, recovered: 0, recoverMsMax: 0, listVersions: 0, deletedWhileKilled: 0, deletedInAll: 0, interrupted: 0, tempLeftovers: 0, problems: 0 };
  const problems: string[] = [];
  const versions = new Map<string, Set<string>>();
  const remember = () => {
    for (const [path, text] of listsOnDisk(site)) {
      if (text === undefined) continue;
      const set = versions.get(path) ?? new Set();
      set.add(text);
      versions.set(path, set);
    }
  };
  const landed = new Map<string, number>();
  try {
    site.configure({ Url: `file://${site.siteRoot}`, Actions: ['storage'], DeleteOrphans: true, DeleteThreads: 1, OrphanConfirmations: 2 }, url);
    // A first clean run: the site known to the history, the first sightings, the first version of each list.
    const first = await check(site, {});
    assert.equal(first.code, 0, first.stderr);
    remember();
    let cleanMs = first.ms;
    for (let i = 0; i < kills; i++) {
      const phase = PHASES[i % PHASES.length];
      // Only the acting kills run in act mode: the others must leave the orphans for later acting kills.
      await setMode(url, phase === 'acting' ? 'act' : 'dry');
      const onDiskBefore = new Set(site.orphansOnDisk());
      const lastRun = (await inspectHistory(url, SITE, { recovered: true })).runs.at(-1)?.id ?? 0;
      const at = phase === 'random' ? rng.int(0, cleanMs) : rng.int(...HITS[phase]);
      const killed = phase === 'random' ? await check(site, {}, at) : await check(site, { DC_FAILPOINT: `${phase}@${at}` });
      fig.kills++;
      if (killed.signal !== 'SIGKILL') {
        fig.notReached++;
        if (killed.code !== 0) problems.push(`kill ${i} (${phase}@${at}) not reached, and the run failed: ${killed.stderr.slice(-500)}`);
      } else {
        const where = /failpoint (\w+@\d+)/.exec(killed.stderr)?.[1] ?? `random@${at}ms`;
        landed.set(where.split('@')[0], (landed.get(where.split('@')[0]) ?? 0) + 1);
      }
      fig.deletedWhileKilled += onDiskBefore.size - site.orphansOnDisk().length;
      // Right after the kill: a sound history, and lists that parse and are versions some run wrote.
      const h = await inspectHistory(url, SITE, { recovered: false });
      problems.push(...h.problems.map((p) => `after kill ${i} (${phase}@${at}): ${p}`));
      const seen = listsOnDisk(site);
      // The next run, in dry mode: it must take the dead run's lock at once and see the site rightly.
      await setMode(url, 'dry');
      const next = await check(site, {});
      if (next.code !== 0) {
        problems.push(`run after kill ${i} (${phase}@${at}) exited ${next.code}: ${next.stderr.slice(-800)}`);
        continue;
      }
      fig.recovered++;
      fig.recoverMsMax = Math.max(fig.recoverMsMax, next.ms);
      cleanMs = next.ms;
      remember();
      for (const [path, text] of seen) {
        if (text !== undefined && !versions.get(path)?.has(text)) problems.push(`after kill ${i} (${phase}@${at}): ${path} is no version any run wrote (${text.length} bytes)`);
      }
      const after = await inspectHistory(url, SITE, { recovered: true });
      problems.push(...after.problems.map((p) => `after the run that followed kill ${i}: ${p}`));
      // The killed run (none when the kill came before its record): done when the kill came after
      // its end was recorded, else failed by the next run's lock recovery.
      for (const dead of after.runs.filter((r) => r.id > lastRun).slice(0, -1)) {
        if (dead.status !== 'done' && !(dead.status === 'failed' && /lock was recovered/.test(dead.error ?? ''))) problems.push(`kill ${i}: the killed run ${dead.id} is ${dead.status} (${dead.error})`);
      }
      try {
        problems.push(...judge(site.truth, readLists(site.varDir), { orphansOnDisk: site.orphansOnDisk() }).map((p) => `run after kill ${i} (${phase}@${at}): ${p}`));
      } catch (err) {
        problems.push(`run after kill ${i}: lists unreadable: ${(err as Error).message}`);
      }
    }
    // Last, two clean runs in act mode: every orphan left is deleted; then nothing is left to do.
    await setMode(url, 'act');
    for (let k = 0; k < 2; k++) {
      const r = await check(site, {});
      if (r.code !== 0) problems.push(`final run ${k} exited ${r.code}: ${r.stderr.slice(-800)}`);
    }
    const h = await inspectHistory(url, SITE, { recovered: true });
    problems.push(...h.problems.map((p) => `at the end: ${p}`));
    const orphanSet = new Set(site.truth.orphans);
    const gone = [...site.truth.files.keys()].filter((f) => !existsSync(site.siteRoot + f));
    fig.deletedInAll = gone.length;
    const wrong = gone.filter((f) => !orphanSet.has(f));
    if (wrong.length) problems.push(`${wrong.length} files deleted that were no orphan, e.g. ${wrong[0]}`);
    if (site.orphansOnDisk().length) problems.push(`${site.orphansOnDisk().length} orphans left after the final act runs`);
    // Done, or at least recorded as perhaps done by a run that died during it.
    const recorded = new Set(h.deletions.filter((d) => d.outcome === 'ok' || d.outcome === 'interrupted').map((d) => d.target));
    fig.interrupted = h.deletions.filter((d) => d.outcome === 'interrupted').length;
    const leftStarted = h.deletions.filter((d) => d.outcome === 'started');
    if (leftStarted.length) problems.push(`${leftStarted.length} actions still 'started' after recovery`);
    const unrecorded = gone.filter((f) => !recorded.has(f));
    if (unrecorded.length) problems.push(`${unrecorded.length} deletions done but recorded nowhere in the history (half-recorded), e.g. ${unrecorded[0]}`);
    fig.tempLeftovers = tempLeftovers(site.varDir).length + tempLeftovers(site.webDir).length;
    fig.listVersions = [...versions.values()].reduce((n, s) => n + s.size, 0);
  } finally {
    fig.killedAt = [...landed].map(([p, n]) => `${p}:${n}`).join(',');
    fig.problems = problems.length;
    reportFigures(`D3 process kill -9 (${engine})`, fig);
    site.close();
  }
  assert.deepEqual(problems, []);
}

describe('drill D3: check killed with -9 at every phase', { timeout: 900_000 }, () => {
  let pg: TestDatabase | undefined;
  before(async () => {
    pg = await createPostgresDatabase('dc_drill');
  });
  after(async () => {
    await pg?.drop();
  });

  it('on a SQLite history', async () => {
    await drill('sqlite', (s) => `sqlite:${join(s.varDir, 'history.sqlite')}`);
  });

  it('on a PostgreSQL history', async () => {
    await drill('postgres', () => pg!.url);
  });
});
