/**
 * Issue 14 point 3: Redis unreachable. The test starts its own redis-server on a free loopback
 * port, stops it for a while in the middle of a fleet's cycles, and starts it again: the daemon
 * and the worker say so in their logs, retry with backoff, and the fleet goes on with no check
 * lost (every site keeps being checked) and none doubled (the cadence holds, no run overlaps).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeTree } from '../../../src/demo/demo-site.ts';
import { HistoryStore } from '../../../src/store/history-store.ts';
import { createPostgresDatabase, type TestDatabase } from '../../servers/databases.ts';
import { RedisServer } from '../../servers/redis-server.ts';
import { cadenceProblems, CliProcess, collectRunRows, makePosixSite, waitFor, writeFleetConfig } from './fleet-fixture.ts';

const CYCLE = 7.2; // CheckEvery 0.002 hours
const SITES = ['T2_AA_One', 'T2_BB_Two'];
/** Issue 14: "Redis stopped for 20 s … and started again". */
const DOWN_SECONDS = 20;

let root: string;
let cfg: string;
let db: TestDatabase;
let store: HistoryStore;
let redis: RedisServer | undefined;
const procs: CliProcess[] = [];

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'dc-fleet-redis-'));
  redis = await RedisServer.start(join(root, 'redis'));
  const sites: Record<string, unknown> = {};
  for (const s of SITES) sites[s] = makePosixSite(root, s);
  db = await createPostgresDatabase('dc_fleet_redis');
  cfg = writeFleetConfig(root, { CheckEvery: 0.002, MaxConcurrentChecks: 2, Sites: sites, History: { Url: db.url }, Queue: { Url: redis.url, Name: 'fleet', StallSeconds: 3 } });
  store = await HistoryStore.open(db.url);
});

after(async () => {
  for (const p of procs) p.kill();
  await redis?.stop();
  await store?.close();
  await db?.drop();
  removeTree(root);
});

describe('a fleet whose Redis goes away', () => {
  it('retries with backoff, says so, resumes with no lost or doubled check, and stops on SIGTERM without Redis', async () => {
    const daemon = new CliProcess(['daemon', '--config', cfg], root);
    const worker = new CliProcess(['worker', '--config', cfg, '--concurrency', '2'], root);
    procs.push(daemon, worker);
    await waitFor('the first cycle', async () => (await collectRunRows(db.url)).filter((r) => r.status === 'done').length === SITES.length, 60_000);
    // What the history holds before the outage: none of it may be lost or changed by it.
    const before = (await collectRunRows(db.url)).filter((r) => r.status !== 'running');
    await redis?.stop();
    const tDown = Date.now();
    await new Promise((r) => setTimeout(r, DOWN_SECONDS * 1000));
    const duringOutage = (await collectRunRows(db.url)).length;
    await redis!.start();
    const tUp = Date.now();
    await waitFor('two more checks of each site', async () => {
      const all = await collectRunRows(db.url);
      return SITES.every((s) => all.filter((r) => r.site === s && r.status === 'done').length >= 3);
      // Generous: the reconnection backoff reaches 10 s, and the machine may be loaded.
    }, 8 * CYCLE * 1000 + 30_000);
    // Redis away again when the fleet is stopped: nobody waits for it.
    await redis?.stop();
    await new Promise((r) => setTimeout(r, 2000));
    for (const p of [daemon, worker]) {
      const s = await p.stop('SIGTERM');
      assert.equal(s.code, 0, p.stderr.slice(-3000));
      assert.ok(s.ms < 15_000, `exited ${s.ms} ms after SIGTERM with Redis away`);
    }
    for (const p of [daemon, worker]) {
      const said = p.events('redis-unreachable');
      assert.ok(said.length > 0, `the ${p === daemon ? 'daemon' : 'worker'} logs that Redis is unreachable`);
      assert.ok(said.every((e) => typeof e.retryInMs === 'number' && e.retryInMs <= 10_000));
    }
    const all = await collectRunRows(db.url);
    // A check running at the SIGTERM is halted; every other one is done: no run is left behind.
    assert.ok(all.every((r) => r.status === 'done' || r.status === 'halted'), JSON.stringify(all));
    // Nothing lost: every run recorded before the outage is still there, as it was.
    for (const b of before) assert.deepEqual(all.find((r) => r.id === b.id), b, `run ${b.id} of ${b.site} changed or vanished`);
    // Nothing doubled: no two runs of a site overlap, whatever their status; the done ones keep the
    // cadence (never two in one cycle); each run took at most one turn, and every done one took one.
    for (const site of SITES) {
      const runs = all.filter((r) => r.site === site);
      for (let i = 1; i < runs.length; i++) assert.ok(runs[i].start >= runs[i - 1].end, `runs ${runs[i - 1].id} and ${runs[i].id} of ${site} overlap`);
      assert.deepEqual(cadenceProblems(runs.filter((r) => r.status === 'done'), CYCLE), []);
    }
    const turns = await store.turns.collectRunIds();
    assert.equal(new Set(turns).size, turns.length, `a run took two turns: ${turns.join(' ')}`);
    for (const r of all.filter((x) => x.status === 'done')) assert.ok(turns.includes(r.id), `done run ${r.id} of ${r.site} took no turn`);
    assert.ok(all.some((r) => r.start * 1000 > tUp), 'checks resumed once Redis was back');
    assert.ok(duringOutage <= SITES.length * 2 && (tUp - tDown) / 1000 >= DOWN_SECONDS);
  });
});
