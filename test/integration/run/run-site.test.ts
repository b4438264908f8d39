import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/config-loader.ts';
import { DcError } from '../../../src/core/errors.ts';
import { createDemoSite, DEMO_SITE, removeTree } from '../../../src/demo/demo-site.ts';
import { HistoryStore } from '../../../src/store/history-store.ts';
import { defaultOwner } from '../../../src/store/site-lock.ts';
import { runNextSite, runSite } from '../../../src/run/run-site.ts';

const dir = mkdtempSync(join(tmpdir(), 'dc-run-'));
after(() => removeTree(dir));

describe('one run of one site', () => {
  it('refuses to start below FreeMem, touching no history', async () => {
    const plan = await createDemoSite(join(dir, 'a'));
    const cfg = JSON.parse((await import('node:fs')).readFileSync(plan.configFile, 'utf8'));
    writeFileSync(plan.configFile, JSON.stringify({ ...cfg, FreeMem: 4 }));
    const config = loadConfig(plan.configFile);
    const store = await HistoryStore.open(config.historyUrl);
    try {
      await assert.rejects(runSite(config, DEMO_SITE, store, { freeMemoryBytes: 1e9 }), (e: unknown) => e instanceof DcError && e.code === 'STATE' && /FreeMem asks for 4 GB/.test(e.message));
      assert.equal((await store.runs.collect(DEMO_SITE)).length, 0);
      const ok = await runSite(config, DEMO_SITE, store, { freeMemoryBytes: 8e9, retryDelayMs: 1 });
      assert.equal(ok.status, 'done');
      const events = readFileSync(join(plan.dir, 'var', `${DEMO_SITE}_run${ok.runId}.log`), 'utf8').trim().split('\n').map((l) => JSON.parse(l).event);
      assert.deepEqual([events[0], events.includes('unlisted'), events.includes('gates'), events.at(-1)], ['check-start', true, true, 'check-done']);
    } finally {
      await store.close();
    }
  });

  it('hands the recorded outcome to onOutcome while the site is still leased, then frees it', async () => {
    const plan = await createDemoSite(join(dir, 'outcome'));
    const config = loadConfig(plan.configFile);
    const store = await HistoryStore.open(config.historyUrl);
    try {
      let seen: { runId: number; status: string; runStatus: string; lockOwner: string | null } | undefined;
      const outcome = await runSite(config, DEMO_SITE, store, {
        retryDelayMs: 1,
        onOutcome: async (o) => {
          seen = { runId: o.runId, status: o.status, runStatus: (await store.runs.get(o.runId)).status, lockOwner: await store.locks.holder(DEMO_SITE) };
        },
      });
      assert.deepEqual(seen, { runId: outcome.runId, status: 'done', runStatus: 'done', lockOwner: defaultOwner() });
      assert.equal(await store.locks.holder(DEMO_SITE), null, 'the lease is released after the hook');
      // A failing hook is logged and changes nothing of the run.
      const events: string[] = [];
      const again = await runSite(config, DEMO_SITE, store, { retryDelayMs: 1, log: (e) => events.push(e), onOutcome: async () => Promise.reject(new Error('hook broke')) });
      assert.equal(again.status, 'done');
      assert.ok(events.includes('outcome-hook-failed'));
      assert.equal(await store.locks.holder(DEMO_SITE), null);
    } finally {
      await store.close();
    }
  });

  it('stops within a heartbeat when the site is halted, and records the run as halted', async () => {
    const plan = await createDemoSite(join(dir, 'b'), { filesPerDataset: 3000 });
    const config = loadConfig(plan.configFile);
    const store = await HistoryStore.open(config.historyUrl);
    try {
      const t = Date.now();
      let halted = false;
      const outcome = await runSite(config, DEMO_SITE, store, {
        heartbeatSeconds: 0.05,
        retryDelayMs: 1,
        onProgress: (p) => {
          if (!halted && p.phase === 'listing') {
            halted = true;
            void store.states.set(DEMO_SITE, 'halt', 'test');
          }
        },
      });
      assert.equal(outcome.status, 'halted');
      assert.ok(Date.now() - t < 15_000);
      const [run] = await store.runs.collect(DEMO_SITE);
      assert.equal(run.status, 'halted');
      assert.equal(await store.locks.acquire(DEMO_SITE, 'someone-else:1'), true, 'the lock was released');
    } finally {
      await store.close();
    }
  });

  it('runs a halted site to the end when it is picked again: the run sets it ready, its own heartbeat does not stop it (issue 10 §6)', async () => {
    const plan = await createDemoSite(join(dir, 'c'), { filesPerDataset: 1000 });
    const config = loadConfig(plan.configFile);
    const store = await HistoryStore.open(config.historyUrl);
    try {
      await store.states.set(DEMO_SITE, 'halt', 'cli:operator');
      assert.equal(await store.locks.pick([DEMO_SITE]), DEMO_SITE, 'a halted site stays in the rotation');
      const outcome = await runSite(config, DEMO_SITE, store, { heartbeatSeconds: 0.02, retryDelayMs: 1 });
      assert.equal(outcome.status, 'done', outcome.error?.message);
      const st = await store.states.get(DEMO_SITE);
      assert.equal(st.status, 'ready');
      const [latest] = await store.states.collectChanges(DEMO_SITE);
      assert.equal(latest.value, 'ready');
      assert.match(latest.by, /^check:.+:\d+$/, 'the change names the run that made it');
    } finally {
      await store.close();
    }
  });

  it('fails a run whose lock another process took over, leaving that process its lock', async () => {
    const plan = await createDemoSite(join(dir, 'd'), { filesPerDataset: 3000 });
    const config = loadConfig(plan.configFile);
    const store = await HistoryStore.open(config.historyUrl);
    try {
      let taken = false;
      const outcome = await runSite(config, DEMO_SITE, store, {
        heartbeatSeconds: 0.05,
        retryDelayMs: 1,
        onProgress: (p) => {
          if (taken || p.phase !== 'listing') return;
          taken = true;
          // What a process recovering a stale lock does: the lock changes hands under the run.
          void store.locks.release(DEMO_SITE, defaultOwner()).then(() => store.locks.acquire(DEMO_SITE, 'other-host:2'));
        },
      });
      assert.equal(outcome.status, 'failed');
      const [run] = await store.runs.collect(DEMO_SITE);
      assert.equal(run.status, 'failed');
      assert.match(run.error ?? '', /lock was taken over by another process/);
      assert.equal(await store.locks.holder(DEMO_SITE), 'other-host:2', 'the new holder keeps its lock');
    } finally {
      await store.close();
    }
  });

  it('runs the next site as check does: none while another process holds it, the lease freed when the run cannot start', async () => {
    const plan = await createDemoSite(join(dir, 'e'));
    const cfg = JSON.parse(readFileSync(plan.configFile, 'utf8'));
    writeFileSync(plan.configFile, JSON.stringify({ ...cfg, FreeMem: 4 }));
    const config = loadConfig(plan.configFile);
    const store = await HistoryStore.open(config.historyUrl);
    try {
      assert.equal(await store.locks.acquire(DEMO_SITE, 'other-host:2'), true);
      assert.equal(await runNextSite(config, [DEMO_SITE], store, { freeMemoryBytes: 8e9 }), undefined);
      await store.locks.release(DEMO_SITE, 'other-host:2');
      await assert.rejects(runNextSite(config, [DEMO_SITE], store, { freeMemoryBytes: 1e9 }), (e: unknown) => e instanceof DcError && e.code === 'STATE');
      assert.equal(await store.locks.holder(DEMO_SITE), null, 'the lease was released');
      const sites: string[] = [];
      const next = await runNextSite(config, [DEMO_SITE], store, { freeMemoryBytes: 8e9, retryDelayMs: 1, onProgress: (_p, site) => sites.push(site) });
      assert.equal(next?.site, DEMO_SITE);
      assert.equal(next?.outcome.status, 'done', next?.outcome.error?.message);
      assert.ok(sites.length > 0 && sites.every((s) => s === DEMO_SITE), 'progress names the picked site');
      assert.equal(await store.locks.holder(DEMO_SITE), null);
    } finally {
      await store.close();
    }
  });
});
