/**
 * A run's listing checkpoints as the scheduler uses them (issue 16 §2): a run stopped mid-listing
 * keeps its checkpoint, the daemon's next run of the site (resume 'daemon') takes it up unless
 * DaemonResume is false, and the history row, the run page and the terminal summary say so.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../../src/config/config-loader.ts';
import { createDemoSite, DEMO_SITE, removeTree } from '../../../src/demo/demo-site.ts';
import { HistoryStore } from '../../../src/store/history-store.ts';
import { runSite, type RunOutcome } from '../../../src/run/run-site.ts';
import { createWebServer } from '../../../src/web/web-server.ts';
import { summaryText } from '../../../src/cli/summary-text.ts';

const dir = mkdtempSync(join(tmpdir(), 'dc-run-resume-'));
after(() => removeTree(dir));

const LISTS = ['compare_missing', 'compare_orphan', 'size_mismatch', 'unlisted', 'empty'];

async function demo(name: string, over: Record<string, unknown>): Promise<{ config: Config; store: HistoryStore; varDir: string }> {
  const plan = await createDemoSite(join(dir, name));
  const raw = JSON.parse(readFileSync(plan.configFile, 'utf8'));
  writeFileSync(plan.configFile, JSON.stringify({ ...raw, CheckpointDirectories: 2, ...over }));
  const config = loadConfig(plan.configFile);
  return { config, store: await HistoryStore.open(config.historyUrl), varDir: join(plan.dir, 'var') };
}

/** A run halted (its caller's signal) once `dirs` directories are listed. */
async function halted(config: Config, store: HistoryStore, dirs: number): Promise<RunOutcome> {
  const stop = new AbortController();
  const o = await runSite(config, DEMO_SITE, store, {
    retryDelayMs: 1,
    signal: stop.signal,
    onProgress: (p) => {
      if (p.phase === 'listing' && p.dirsListed >= dirs) stop.abort();
    },
  });
  assert.equal(o.status, 'halted');
  return o;
}

const lists = (varDir: string) => LISTS.map((l) => readFileSync(join(varDir, `${DEMO_SITE}_${l}.txt`), 'utf8'));

describe('resuming a run that stopped mid-listing', () => {
  it('the daemon resumes by default: same lists, and the history, run page and summary say so', async () => {
    const { config, store, varDir } = await demo('a', {});
    try {
      const ref = await runSite(config, DEMO_SITE, store, { retryDelayMs: 1 });
      assert.equal(ref.status, 'done');
      const expected = lists(varDir);
      const cpDir = join(varDir, 'work', `.listing-${DEMO_SITE}`);
      assert.ok(!existsSync(cpDir), 'a done run leaves no checkpoint');

      const stopped = await halted(config, store, 6);
      assert.ok(existsSync(join(cpDir, 'checkpoint')), 'a halted run keeps its checkpoint');
      const r = await runSite(config, DEMO_SITE, store, { retryDelayMs: 1, resume: 'daemon' });
      assert.equal(r.status, 'done');
      assert.deepEqual(lists(varDir), expected);
      assert.ok(!existsSync(cpDir));
      const res = r.summary!.resume!;
      assert.equal(res.resumed, 1);
      assert.deepEqual(res.attempts.map((a) => a.runId), [stopped.runId, r.runId]);
      assert.ok(res.attempts[0].dirsListed >= 2, JSON.stringify(res));

      const row = await store.runs.get(r.runId);
      assert.deepEqual(JSON.parse(row.summary!).resume.attempts, res.attempts, 'the history keeps it');
      const text = summaryText(r.summary!, r.files ?? {});
      assert.match(text, new RegExp(`listing +resumed 1 time; directories listed per attempt: run ${stopped.runId}: ${res.attempts[0].dirsListed}, run ${r.runId}: ${res.attempts[1].dirsListed}`));
      const { app } = await createWebServer({ config, store });
      try {
        const page = (await app.inject({ method: 'GET', url: `/runs/${r.runId}` })).body;
        assert.match(page, /listing resumed<\/th><td>resumed 1 time; directories listed per attempt: run \d+: \d+, run \d+: \d+/);
      } finally {
        await app.close();
      }
    } finally {
      await store.close();
    }
  });

  it('with DaemonResume false the daemon starts afresh and says why; check without --resume too', async () => {
    const { config, store } = await demo('b', { DaemonResume: false });
    try {
      await halted(config, store, 6);
      const r = await runSite(config, DEMO_SITE, store, { retryDelayMs: 1, resume: 'daemon' });
      assert.equal(r.summary!.resume!.resumed, 0);
      assert.match(r.summary!.resume!.discarded!, /DaemonResume is false/);
      await halted(config, store, 6);
      const c = await runSite(config, DEMO_SITE, store, { retryDelayMs: 1 });
      assert.match(c.summary!.resume!.discarded!, /without --resume/);
    } finally {
      await store.close();
    }
  });
});
