/**
 * Issue 14 point 4, as a user runs it: a real xrootd site of a few thousand files in a few hundred
 * directories, checked by a distributed fleet (`daemon` + two `worker` processes, real Redis, a
 * PostgreSQL history of the test's own) with `Shards: 3`, once split by hash and once by top
 * directory. Every list file equals, byte for byte, the one a single-process `check` of the same
 * site and inventory writes; each site has one history row; the shards were listed by both worker
 * processes. A site with a directory the server refuses to list (chmod 000): that directory is
 * unlisted, nothing below it is missing, and the unlisted gate holds the actions of the sharded run.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { removeTree } from '../../../src/demo/demo-site.ts';
import { HistoryStore } from '../../../src/store/history-store.ts';
import { createPostgresDatabase, type TestDatabase } from '../../servers/databases.ts';
import { startXrootd, type XrootdServer } from '../../servers/xrootd-server.ts';
import { startDelayProxyInNetns, type DelayProxy } from '../../servers/delay-proxy.ts';
import { runCli } from '../../helpers/run-cli.ts';
import { CliProcess, collectRunRows, waitFor } from './fleet-fixture.ts';

const QUEUE = `dc-shards-${process.pid}-${randomBytes(3).toString('hex')}`;
const REDIS = 'redis://127.0.0.1:6379/0';
const OLD = Date.now() / 1000 - 10 * 86400;
const HASH = 'T2_XX_Hash';
const TOP = 'T2_XX_Top';
const BROKEN = 'T2_XX_Broken';
const REFUSED = '/broken/mc/Era2';

let root: string;
let db: TestDatabase;
let xrd: XrootdServer;
let store: HistoryStore;
let proxy: DelayProxy | undefined;
const procs: CliProcess[] = [];

/**
 * `/<area>/<top>/EraE/PrimP/000B/fN.root` files, old, with an empty directory per era; the
 * inventory misses a few files (orphans), knows a few more (missing) and one size wrongly.
 */
function makeTree(data: string, area: string, tops: string[], perBlock: number): string[] {
  const inv: string[] = [];
  let n = 0;
  const old = (p: string) => utimesSync(p, OLD, OLD);
  for (const top of tops) {
    for (let e = 0; e < 6; e++) {
      for (let p = 0; p < 4; p++) {
        for (let b = 0; b < 2; b++) {
          const dir = `/${area}/${top}/Era${e}/Prim${p}/000${b}`;
          mkdirSync(data + dir, { recursive: true });
          for (let f = 0; f < perBlock; f++, n++) {
            const lfn = `${dir}/f${f}.root`;
            writeFileSync(data + lfn, 'x'.repeat(n % 17));
            old(data + lfn);
            if (n % 401 !== 7) inv.push(`${lfn} ${n % 401 === 11 ? 999 : n % 17}`);
          }
          old(data + dir);
        }
        old(join(data, area, top, `Era${e}`, `Prim${p}`));
      }
      mkdirSync(join(data, area, top, `Era${e}`, 'Empty', 'leaf'), { recursive: true });
      old(join(data, area, top, `Era${e}`, 'Empty', 'leaf'));
      old(join(data, area, top, `Era${e}`, 'Empty'));
      old(join(data, area, top, `Era${e}`));
      inv.push(`/${area}/${top}/Era${e}/Prim0/0000/lost${e}.root 5`);
    }
  }
  return inv;
}

function listFiles(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of readdirSync(dir)) if (f.endsWith('.txt')) out.set(f, readFileSync(join(dir, f), 'latin1'));
  return out;
}

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'dc-fleet-shards-'));
  chmodSync(root, 0o755);
  const data = join(root, 'data');
  mkdirSync(join(root, 'inv'), { recursive: true });
  const inv = makeTree(data, 'store', ['mc', 'data', 'hi'], 12).join('\n') + '\n';
  writeFileSync(join(root, 'inv', `${HASH}.txt`), inv);
  writeFileSync(join(root, 'inv', `${TOP}.txt`), inv);
  writeFileSync(join(root, 'inv', `${BROKEN}.txt`), makeTree(data, 'broken', ['mc'], 6).join('\n') + '\n');
  chmodSync(data + REFUSED, 0o000);
  xrd = await startXrootd({ dataDir: data });
  db = await createPostgresDatabase('dc_shards');
  store = await HistoryStore.open(db.url);
  await store.states.set(BROKEN, 'act', 'test');
});

after(async () => {
  for (const p of procs) p.kill();
  for (const name of [QUEUE, `${QUEUE}-shards`]) {
    const q = new Queue(name, { connection: { host: '127.0.0.1', port: 6379 } });
    await q.obliterate({ force: true }).catch(() => undefined);
    await q.close();
  }
  await store?.close();
  await proxy?.close();
  await xrd?.stop();
  await db?.drop();
  if (root && existsSync(join(root, 'data') + REFUSED)) chmodSync(join(root, 'data') + REFUSED, 0o755);
  if (root) removeTree(root);
});

function config(file: string, body: Record<string, unknown>, shards: boolean): string {
  const url = `${xrd.url}/`;
  const sites = {
    [HASH]: { Url: url, ...(shards ? { Shards: 3, ShardBy: 'hash' } : {}) },
    [TOP]: { Url: url, ...(shards ? { Shards: 3, ShardBy: 'top' } : {}) },
    [BROKEN]: { Url: url, RootPath: '/broken', DirectoryList: ['mc'], MaxUnlistedFraction: 0.05, ...(shards ? { Shards: 3 } : {}) },
  };
  const path = join(root, file);
  writeFileSync(path, JSON.stringify({ RootPath: '/store', DirectoryList: ['mc', 'data', 'hi'], Retries: 0, NumThreads: 4, Inventory: { Type: 'dump', Path: 'inv/{site}.txt', Format: 'lfn-size' }, Sites: sites, ...body }, null, 2));
  return path;
}

describe('a sharded site on a distributed fleet', () => {
  it('gives the lists of a single-process check, in one run, with shards listed by both workers', async () => {
    const single = config('single.json', { VarLocation: 'var-single', WebDir: 'www-single', History: { Url: 'sqlite:single.sqlite' } }, false);
    for (const site of [HASH, TOP, BROKEN]) {
      const r = await runCli(['check', '--site', `^${site}$`, '--config', single], { cwd: root, timeoutMs: 120_000 });
      assert.ok(r.code === 0, `check ${site}: ${r.stderr.slice(-2000)}`);
    }

    const cfg = config('fleet.json', { VarLocation: 'var-fleet', WebDir: 'www-fleet', History: { Url: db.url }, CheckEvery: 1000, MaxConcurrentChecks: 3, Queue: { Url: REDIS, Name: QUEUE, StallSeconds: 5 } }, true);
    const workers = [0, 1].map(() => new CliProcess(['worker', '--config', cfg], root));
    procs.push(...workers);
    const daemon = new CliProcess(['daemon', '--config', cfg], root);
    procs.push(daemon);
    const done = await waitFor('the three sites to be checked', async () => {
      const rows = (await collectRunRows(db.url)).filter((r) => r.status !== 'running');
      return rows.length >= 3 && rows;
    }, 180_000, 500);
    for (const p of [daemon, ...workers]) assert.equal((await p.stop('SIGTERM')).code, 0, p.stderr.slice(-3000));
    const logs = workers.map((w) => w.stderr).join('\n');

    const runs = await collectRunRows(db.url);
    for (const site of [HASH, TOP, BROKEN]) {
      const mine = runs.filter((r) => r.site === site);
      assert.equal(mine.length, 1, `one history row for ${site}: ${JSON.stringify(mine)}\n${logs.slice(-3000)}`);
      assert.equal(mine[0].status, 'done', `${site}: ${mine[0].error}`);
    }
    assert.equal(done.length, 3);

    // Every list file of every site, byte for byte.
    const a = listFiles(join(root, 'var-single'));
    const b = listFiles(join(root, 'var-fleet'));
    assert.ok(a.size >= 3 * 7, `the single check wrote its lists (${[...a.keys()].join(', ')})`);
    assert.deepEqual([...b.keys()].sort(), [...a.keys()].sort());
    for (const [name, text] of a) assert.equal(b.get(name), text, `${name} differs`);
    assert.ok((a.get(`${HASH}_compare_missing.txt`) ?? '').split('\n').length > 10, 'missing files found');
    assert.ok((a.get(`${HASH}_compare_orphan.txt`) ?? '').length > 0, 'orphans found');
    assert.ok((a.get(`${HASH}_empty.txt`) ?? '').length > 0, 'empty directories found');

    // The shards ran on both workers, in the shard jobs of each sharded run.
    const byWorker = workers.map((w) => w.events('shard-done'));
    assert.ok(byWorker.every((e) => e.length > 0), `each worker listed shards: ${byWorker.map((e) => e.length).join(', ')}`);
    const planned = workers.flatMap((w) => w.events('shards-planned'));
    assert.deepEqual(planned.map((p) => p.site).sort(), [BROKEN, HASH, TOP]);
    for (const p of planned) assert.ok((p.jobs as unknown[]).length >= 2, `${p.site} was split: ${JSON.stringify(p.jobs)}`);

    // The refused directory: unlisted, nothing below it missing, and the sharded run's actions held.
    const unlisted = b.get(`${BROKEN}_unlisted.txt`) ?? '';
    assert.equal(unlisted, `${REFUSED}\n`);
    assert.ok(!(b.get(`${BROKEN}_compare_missing.txt`) ?? '').includes(REFUSED + '/'), 'nothing below the unlisted directory is missing');
    assert.ok((b.get(`${BROKEN}_compare_missing.txt`) ?? '').length > 0, 'missing files elsewhere are still found');
    const summary = JSON.parse(readFileSync(join(root, 'var-fleet', `${BROKEN}_summary.json`), 'utf8')) as { gates: { act: boolean; held: { gate: string }[] } };
    assert.equal(summary.gates.act, false);
    assert.ok(summary.gates.held.some((g) => g.gate === 'MaxUnlistedFraction'), JSON.stringify(summary.gates));
    assert.deepEqual(await store.shardParts.collectFinished(runs[0].id), [], 'merged parts are removed');
  });

  it('a worker killed in the middle of a shard: the shard is listed again by another worker, and the lists still equal a single check', async () => {
    const KILL = 'T2_XX_Killed';
    writeFileSync(join(root, 'inv', `${KILL}.txt`), readFileSync(join(root, 'inv', `${HASH}.txt`)));
    const single = join(root, 'kill-single.json');
    writeFileSync(single, JSON.stringify({ RootPath: '/store', DirectoryList: ['mc', 'data', 'hi'], Retries: 0, VarLocation: 'var-kill-single', WebDir: 'www-kill-single', History: { Url: 'sqlite:kill-single.sqlite' }, Inventory: { Type: 'dump', Path: 'inv/{site}.txt', Format: 'lfn-size' }, Sites: { [KILL]: { Url: `${xrd.url}/` } } }));
    const r = await runCli(['check', '--site', `^${KILL}$`, '--config', single], { cwd: root, timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr.slice(-2000));

    // A 100 ms round trip and two listings in flight: each shard lists for several seconds.
    proxy = await startDelayProxyInNetns(xrd.netns, { listenPort: 21197, targetPort: xrd.port, rttMs: 100 });
    const cfg = join(root, 'kill.json');
    writeFileSync(cfg, JSON.stringify({ RootPath: '/store', DirectoryList: ['mc', 'data', 'hi'], Retries: 0, NumThreads: 2, VarLocation: 'var-kill', WebDir: 'www-kill', History: { Url: db.url }, Queue: { Url: REDIS, Name: QUEUE, StallSeconds: 3 }, Inventory: { Type: 'dump', Path: 'inv/{site}.txt', Format: 'lfn-size' }, Sites: { [KILL]: { Url: `root://${proxy.host}:${proxy.port}/`, Shards: 3 } } }));
    const workers = [0, 1, 2].map(() => new CliProcess(['worker', '--config', cfg], root));
    procs.push(...workers);
    const queue = new Queue(QUEUE, { connection: { host: '127.0.0.1', port: 6379 } });
    await queue.add('check', { site: KILL, slot: 0, lockGroup: '' }, { jobId: `${KILL}.after-0` });
    await queue.close();

    // The victim: a worker listing a shard of the run that is not its coordinator.
    const victim = await waitFor('a shard on a worker other than the coordinator', async () => {
      const coordinator = workers.find((w) => w.events('shards-planned').length > 0);
      return coordinator && workers.find((w) => w !== coordinator && w.events('shard-start').length > 0 && w.events('shard-done').length === 0);
    }, 120_000, 50);
    victim.child.kill('SIGKILL');
    await victim.exited;
    const run = await waitFor('the run to end', async () => (await collectRunRows(db.url)).find((x) => x.site === KILL && x.status !== 'running'), 180_000, 500);
    for (const w of workers.filter((x) => x !== victim)) assert.equal((await w.stop('SIGTERM')).code, 0, w.stderr.slice(-3000));
    assert.equal(run.status, 'done', run.error ?? '');
    assert.equal((await collectRunRows(db.url)).filter((x) => x.site === KILL).length, 1, 'one history row');
    const killedShard = victim.events('shard-start')[0].shard;
    const relisted = workers.filter((w) => w !== victim).flatMap((w) => w.events('shard-done')).filter((e) => e.shard === killedShard);
    assert.equal(relisted.length, 1, `shard ${String(killedShard)} was listed again by another worker`);
    const a = listFiles(join(root, 'var-kill-single'));
    const b = listFiles(join(root, 'var-kill'));
    assert.ok(a.size >= 7);
    for (const [name, text] of a) assert.equal(b.get(name), text, `${name} differs`);
    assert.equal(b.get(`${KILL}_unlisted.txt`), '', 'nothing unlisted');
  });
});
