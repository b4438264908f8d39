/**
 * Issue 14 point 3, as a user runs it: `daemon` with Queue enqueues the due checks on BullMQ (real
 * Redis on 127.0.0.1:6379, a queue of this test's own) and three `worker` processes run them on a
 * shared PostgreSQL history. Each site is checked once per cycle; a worker killed with -9 in the
 * middle of a slow site (WebDAV on nginx behind a 600 ms round trip) has its run recorded failed
 * and the site run again by another worker; a halt from another process stops that run within
 * 15 s; SIGTERM stops the daemon and the workers with exit 0 within 15 s. The fast sites are in
 * `act` mode with one orphan each, deleted through the registry sink once confirmed: one request
 * per orphan, whatever worker ran which run.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { removeTree } from '../../../src/demo/demo-site.ts';
import { HistoryStore } from '../../../src/store/history-store.ts';
import { openSql } from '../../../src/sql/sql-database.ts';
import { createPostgresDatabase, type TestDatabase } from '../../servers/databases.ts';
import { startDelayProxy, type DelayProxy } from '../../servers/delay-proxy.ts';
import { startNginx, type NginxServer } from '../../servers/nginx-server.ts';
import { runCli } from '../../helpers/run-cli.ts';
import { cadenceProblems, CliProcess, collectRunRows, makePosixSite, ORPHAN_LFN, waitFor, writeFleetConfig } from './fleet-fixture.ts';

const CYCLE = 7.2; // CheckEvery 0.002 hours
const FAST = ['T2_AA_One', 'T2_BB_Two', 'T2_CC_Three', 'T2_DD_Four'];
const SLOW = 'T2_ZZ_Slow';
const QUEUE = `dc-test-${process.pid}-${randomBytes(3).toString('hex')}`;
const REDIS = 'redis://127.0.0.1:6379/0';

let root: string;
let cfg: string;
let db: TestDatabase;
let nginx: NginxServer;
let proxy: DelayProxy;
let store: HistoryStore;
const procs: CliProcess[] = [];

/** 40 directories of one file each: at 600 ms a PROPFIND, one at a time, the listing takes about half a minute. */
function makeSlowSite(): void {
  const data = join(root, 'dav');
  const lines: string[] = [];
  for (let i = 0; i < 40; i++) {
    const lfn = `/store/mc/d${String(i).padStart(2, '0')}/f.root`;
    mkdirSync(join(data, lfn, '..'), { recursive: true });
    writeFileSync(data + lfn, 'x');
    lines.push(`${lfn} 1`);
  }
  for (const d of [root, data]) chmodSync(d, 0o755); // nginx workers run as nobody
  writeFileSync(join(root, 'inv', `${SLOW}.txt`), lines.join('\n') + '\n');
}

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'dc-fleet-dist-'));
  const sites: Record<string, unknown> = {};
  for (const s of FAST) sites[s] = { ...makePosixSite(root, s, 3, true), Actions: ['registry'], MaxOrphanFraction: 1 };
  makeSlowSite();
  nginx = await startNginx({ dataDir: join(root, 'dav') });
  const port = Number(new URL(nginx.httpUrl).port);
  proxy = await startDelayProxy({ targetHost: '127.0.0.1', targetPort: port, rttMs: 600 });
  sites[SLOW] = { Url: `http://127.0.0.1:${proxy.port}/`, NumThreads: 1, CheckEvery: 1, Timeout: 60 };
  db = await createPostgresDatabase('dc_fleet');
  cfg = writeFleetConfig(root, { CheckEvery: 0.002, MaxConcurrentChecks: 3, RegistryUrl: db.url, Sites: sites, History: { Url: db.url }, Queue: { Url: REDIS, Name: QUEUE, StallSeconds: 3 } });
  store = await HistoryStore.open(db.url);
  for (const s of FAST) await store.states.set(s, 'act', 'test');
});

after(async () => {
  for (const p of procs) p.kill();
  const q = new Queue(QUEUE, { connection: { host: '127.0.0.1', port: 6379 } });
  await q.obliterate({ force: true }).catch(() => undefined);
  await q.close();
  await store?.close();
  await proxy?.close();
  await nginx?.stop();
  await db?.drop();
  removeTree(root);
});

describe('a distributed fleet on BullMQ', () => {
  it('refuses a SQLite history for a distributed fleet, and a worker without a queue, with the keys to change', async () => {
    const sqliteCfg = join(root, 'sqlite-queue.json');
    writeFileSync(sqliteCfg, JSON.stringify({ Sites: { T2_AA_One: { Url: 'file:///tmp' } }, Queue: { Url: REDIS, Name: QUEUE } }));
    for (const cmd of ['daemon', 'worker']) {
      const r = await runCli([cmd, '--config', sqliteCfg], { cwd: root });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /Queue.*History\.Url is SQLite/);
    }
    const noQueue = join(root, 'no-queue.json');
    writeFileSync(noQueue, JSON.stringify({ Sites: { T2_AA_One: { Url: 'file:///tmp' } }, History: { Url: db.url } }));
    const r = await runCli(['worker', '--config', noQueue], { cwd: root });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /a worker takes its checks from a queue: set Queue\.Url/);
  });

  it('runs each site once per cycle on the workers, re-runs a killed worker\'s site elsewhere, and obeys a halt within 15 s', async () => {
    const workers = [0, 1, 2].map(() => new CliProcess(['worker', '--config', cfg], root));
    procs.push(...workers);
    const daemon = new CliProcess(['daemon', '--config', cfg], root);
    procs.push(daemon);
    const t0 = Date.now();

    // The slow site's first run, on some worker: kill that worker with -9 in the middle of it.
    const first = await waitFor('the slow site to be running', async () => (await collectRunRows(db.url)).find((r) => r.site === SLOW && r.status === 'running'), 60_000);
    await new Promise((r) => setTimeout(r, 2000));
    const holder = (await store.locks.holder(SLOW)) ?? '';
    const victim = workers.find((w) => holder === `${hostname()}:${w.pid}`);
    assert.ok(victim, `a worker holds the slow site (${holder})`);
    victim.child.kill('SIGKILL');
    await victim.exited;

    // Another worker takes the stalled job, recovers the dead run's lease, and runs the site again.
    const again = await waitFor('the slow site to run again', async () => (await collectRunRows(db.url)).find((r) => r.site === SLOW && r.id > first.id && r.status === 'running'), 45_000);
    const dead = (await collectRunRows(db.url)).find((r) => r.id === first.id)!;
    assert.equal(dead.status, 'failed');
    assert.match(dead.error ?? '', /crash or kill/);
    const newHolder = await store.locks.holder(SLOW);
    assert.ok(newHolder && newHolder !== holder, `run ${again.id} held by another worker (${newHolder})`);

    // A halt given from another process reaches the run on the worker.
    const tHalt = Date.now();
    const halt = await runCli(['set-status', SLOW, 'halt', '--config', cfg], { cwd: root });
    assert.equal(halt.code, 0, halt.stderr);
    const halted = await waitFor('the rerun to stop', async () => (await collectRunRows(db.url)).find((r) => r.id === again.id && r.status !== 'running'), 20_000);
    assert.equal(halted.status, 'halted');
    assert.ok(Date.now() - tHalt < 15_000, `halt reached the worker in ${Date.now() - tHalt} ms`);

    // The fast sites keep their cadence meanwhile, each done twice at least (the second run confirms
    // and requests its orphan; on a loaded machine that can take more than 2.5 cycles); then
    // everything stops on SIGTERM.
    const left = 2.5 * CYCLE * 1000 - (Date.now() - t0);
    if (left > 0) await new Promise((r) => setTimeout(r, left));
    await waitFor('every fast site to be done twice', async () => {
      const rows = await collectRunRows(db.url);
      return FAST.every((site) => rows.filter((r) => r.site === site && r.status === 'done').length >= 2);
    }, 60_000, 500);
    for (const p of [daemon, ...workers.filter((w) => w !== victim)]) {
      const s = await p.stop('SIGTERM');
      assert.equal(s.code, 0, p.stderr.slice(-3000));
      assert.ok(s.ms < 15_000, `exited ${s.ms} ms after SIGTERM`);
    }

    const all = await collectRunRows(db.url);
    for (const site of FAST) {
      const mine = all.filter((r) => r.site === site);
      assert.ok(mine.length >= 2, `${site}: ${mine.length} runs in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      // A check running when its worker got SIGTERM is halted and its job put back (another worker may run it at once).
      assert.ok(mine.every((r) => r.status === 'done' || (r.status === 'halted' && r.error === 'stopped by signal')), `${site}: ${JSON.stringify(mine)}`);
      assert.deepEqual(cadenceProblems(mine.filter((r) => r.status === 'done'), CYCLE), []);
    }
    const slow = all.filter((r) => r.site === SLOW);
    assert.deepEqual(slow.map((r) => r.status), ['failed', 'halted'], 'the halted run took the turn: the site is not run a third time');
    const turns = await store.turns.collectRunIds();
    assert.equal(new Set(turns).size, turns.length, 'no run recorded twice');
    assert.ok(daemon.events('check-queued').length >= FAST.length * 2);
    // Confirmed on each site's second run, the orphan is requested for deletion once.
    const registry = await openSql<{ deletion_queue: { file: string; site: string } }>(db.url);
    const requests = await registry.db.selectFrom('deletion_queue').select(['file', 'site']).orderBy('site').execute().finally(() => registry.close());
    assert.deepEqual(requests.map((r) => [r.site, r.file]), FAST.map((s) => [s, ORPHAN_LFN]));
  });
});
