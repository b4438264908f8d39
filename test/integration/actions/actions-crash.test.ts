import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { pathToFileURL } from 'node:url';
import { HistoryStore } from '../../../src/store/history-store.ts';
import { makeActionSite, PLANTED, SITE, type ActionSite } from './actions-site.ts';

const CHILD = fileURLToPath(new URL('./actions-run-child.ts', import.meta.url));

/** A WebDAV endpoint that accepts requests and never answers: a listing stuck mid-run. */
async function stallServer(): Promise<{ url: string; requests: () => number; close(): Promise<void> }> {
  let n = 0;
  const held = new Set<import('node:http').ServerResponse>();
  const server: Server = createServer((_req, res) => {
    n++;
    held.add(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests: () => n,
    close: () =>
      new Promise((r) => {
        for (const res of held) res.destroy();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

function setUrl(s: ActionSite, url: string): void {
  const raw = JSON.parse(readFileSync(s.configFile, 'utf8'));
  raw.Sites[SITE].Url = url;
  writeFileSync(s.configFile, JSON.stringify(raw, null, 2));
}

function startChild(s: ActionSite, heartbeatSeconds = 15): { child: ChildProcess; output: Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, s.configFile, SITE, String(heartbeatSeconds)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const output = new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, output };
}

async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('runs that stop in the middle', () => {
  let s: ActionSite;
  let stall: Awaited<ReturnType<typeof stallServer>>;
  before(async () => {
    s = await makeActionSite({ settings: { Actions: ['storage'], DeleteOrphans: true } });
    stall = await stallServer();
  });
  after(async () => {
    await stall?.close();
    await s?.close();
  });

  it('kill -9 mid-run leaves the history consistent, and the next run takes the lock and proceeds', async () => {
    const r1 = await s.run();
    assert.equal(r1.status, 'done');
    const findingsBefore = await s.store.findings.collect(SITE, 'orphan');
    assert.equal(findingsBefore.length, 2);

    setUrl(s, stall.url);
    const { child, output } = startChild(s);
    const seen = stall.requests();
    await until('the child to be listing', () => stall.requests() > seen);
    child.kill('SIGKILL');
    const out = await output;
    assert.equal(out.signal, 'SIGKILL');

    // What the killed run left: a run still "running" and the site's lock held by a dead process.
    const peek = await HistoryStore.open(s.config.historyUrl);
    try {
      const runs = await peek.runs.collect(SITE);
      assert.equal(runs[0].status, 'running');
      assert.match((await peek.locks.holder(SITE)) ?? '', new RegExp(`:${child.pid}$`));
      assert.deepEqual(await peek.findings.collect(SITE, 'orphan'), findingsBefore, 'findings untouched by the killed run');
    } finally {
      await peek.close();
    }

    setUrl(s, pathToFileURL(s.siteRoot).href);
    const { loadConfig } = await import('../../../src/config/config-loader.ts');
    const { runSite } = await import('../../../src/run/run-site.ts');
    const t0 = Date.now();
    const r3 = await runSite(loadConfig(s.configFile, {}), SITE, s.store, { retryDelayMs: 1 });
    assert.equal(r3.status, 'done', r3.error?.message);
    assert.ok(Date.now() - t0 < 20_000, 'the dead holder\'s lock is taken over at once, not after the stale timeout');
    const runs = await s.store.runs.collect(SITE);
    assert.deepEqual(runs.map((r) => r.status), ['done', 'failed', 'done']);
    assert.match(runs[1].error ?? '', /lock was recovered/);
    // The killed run does not count as a sighting, nor does it break the chain: run 1 + run 3 confirm.
    const acts = await s.store.actions.collect(SITE, r3.runId);
    assert.deepEqual(acts.filter((a) => a.kind === 'delete').map((a) => a.target).sort(), [...PLANTED.orphans].sort());
  });

  it('SIGTERM mid-run stops cleanly within seconds, recorded as halted, lock released', async () => {
    setUrl(s, stall.url);
    const { child, output } = startChild(s);
    const seen = stall.requests();
    await until('the child to be listing', () => stall.requests() > seen);
    const t0 = Date.now();
    child.kill('SIGTERM');
    const out = await output;
    const took = Date.now() - t0;
    assert.equal(out.code, 0, out.stderr);
    const res = JSON.parse(out.stdout.trim().split('\n').at(-1)!);
    assert.equal(res.status, 'halted');
    assert.ok(took < 15_000, `stopped in ${took} ms`);
    const run = await s.store.runs.get(res.runId);
    assert.equal(run.status, 'halted');
    assert.equal(run.error, 'stopped by signal');
    assert.equal(await s.store.locks.holder(SITE), null);
    assert.deepEqual(await s.store.actions.collect(SITE, res.runId), []);
  });

  it('a halt set from outside is noticed at the next heartbeat; the run is recorded as halted', async () => {
    setUrl(s, stall.url);
    const { output } = startChild(s, 1);
    const seen = stall.requests();
    await until('the child to be listing', () => stall.requests() > seen);
    const t0 = Date.now();
    await s.store.states.set(SITE, 'halt', 'test');
    const out = await output;
    const took = Date.now() - t0;
    const res = JSON.parse(out.stdout.trim().split('\n').at(-1)!);
    assert.equal(res.status, 'halted', out.stderr);
    assert.ok(took < 5_000, `noticed in ${took} ms with a 1 s heartbeat`);
    assert.equal((await s.store.runs.get(res.runId)).error, 'site halted or disabled during the run');
    await s.store.states.set(SITE, 'ready', 'test');
  });
});
