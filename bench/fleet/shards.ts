/**
 * bench/fleet/shards.ts: one xrootd site (real server, root:// through a delay proxy) checked by a
 * distributed fleet of 4 `worker` processes (real Redis, a PostgreSQL history of its own), listed
 * as 1, 2 and 4 shards (issue 14, point 4). Each check is queued directly on the fleet's queue, as
 * the daemon would; its time runs from the enqueue to the run recorded done. Not part of the test
 * suite. See README.md.
 *   node --import tsx bench/fleet/shards.ts [--files 200000] [--rtt 25] [--by hash|top]
 *        [--shards 1,2,4] [--workers 4] [--repeat 1] [--threads N] [--root /var/tmp/dc-bench/check-xrootd]
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { HistoryStore } from '../../src/store/history-store.ts';
import { createPostgresDatabase } from '../../test/servers/databases.ts';
import { startDelayProxyInNetns, type DelayProxy } from '../../test/servers/delay-proxy.ts';
import { startXrootd } from '../../test/servers/xrootd-server.ts';
import { CliProcess } from '../../test/integration/fleet/fleet-fixture.ts';
import { machineLine, median, requireBuild, runProcess, watchLoad, writeConfig } from '../bench-process.ts';
import { fileOf, generateCheckTree } from '../check-xrootd/check-xrootd-tree.ts';

const { values } = parseArgs({
  options: {
    files: { type: 'string', default: '200000' },
    rtt: { type: 'string', default: '25' },
    by: { type: 'string', default: 'hash' },
    shards: { type: 'string', default: '1,2,4' },
    workers: { type: 'string', default: '4' },
    repeat: { type: 'string', default: '1' },
    // NumThreads of the site (default: the configuration's default); a storage that allows few
    // listings in flight per client is where splitting a site over workers pays.
    threads: { type: 'string' },
    root: { type: 'string', default: '/var/tmp/dc-bench/check-xrootd' },
  },
});
const files = Number(values.files);
const rttMs = Number(values.rtt);
const by = values.by === 'top' ? 'top' : 'hash';
const counts = values.shards!.split(',').map(Number);
const nWorkers = Number(values.workers);
const repeat = Math.max(1, Number(values.repeat));
const PROXY_PORT = 21096;
const QUEUE = `dc-bench-shards-${process.pid}-${randomBytes(3).toString('hex')}`;
const log = (s: string) => console.error(s);

requireBuild();
log(`tree: ${files} files under ${values.root} (reused when present) …`);
const tree = generateCheckTree(values.root!, files, log);
// The tops: each dataset's directory of blocks (100 leaf directories of 200 files). `hash` spreads
// each top's blocks over the shards, `top` deals out whole datasets.
const datasets = [...new Set(Array.from({ length: Math.ceil(files / 200 / 100) }, (_, d) => fileOf(d * 200 * 100).lfn.split('/').slice(0, 7).join('/')))];
log(`tree ready: ${tree.files} files, ${tree.dirs} directories, ${datasets.length} datasets`);

const load = watchLoad();
const srv = await startXrootd({ dataDir: tree.dataDir });
const db = await createPostgresDatabase('dc_bench_shards');
const work = mkdtempSync(join(values.root!, 'shards-'));
let proxy: DelayProxy | undefined;
const workers: CliProcess[] = [];
const rows: { shards: number; seconds: number; listing: number; files: number; byWorkers: number }[] = [];
const queue = new Queue(QUEUE, { connection: { host: '127.0.0.1', port: 6379 } });
let store: HistoryStore | undefined;
try {
  // Warm the server's dentry and inode caches once, untimed.
  await runProcess([...srv.netns.prefix, 'xrdfs', `127.0.0.1:${srv.port}`, 'ls', '-R', '/store/mc'], { env: { ...process.env, XRD_CONNECTIONRETRY: '1', XRD_CONNECTIONWINDOW: '2' } });
  proxy = rttMs > 0 ? await startDelayProxyInNetns(srv.netns, { listenPort: PROXY_PORT, targetPort: srv.port, rttMs }) : undefined;
  const url = proxy ? `root://${proxy.host}:${proxy.port}/` : `${srv.url}/`;
  writeFileSync(join(work, 'inv.txt'), Array.from({ length: files }, (_, i) => `${fileOf(i).lfn} ${fileOf(i).size}`).join('\n') + '\n');
  const sites: Record<string, unknown> = {};
  const names: { site: string; shards: number }[] = [];
  for (let r = 0; r < repeat; r++) {
    for (const n of counts) {
      const site = `T2_XX_Shards${n}_r${r}`;
      names.push({ site, shards: n });
      sites[site] = { Url: url, Shards: n, ShardBy: by, ...(values.threads ? { NumThreads: Number(values.threads) } : {}) };
    }
  }
  // An untimed first check: the workers' first run pays for loading code and opening connections.
  names.unshift({ site: 'T2_XX_Warmup', shards: 0 });
  sites.T2_XX_Warmup = { Url: url };
  writeConfig(work, {
    RootPath: '/store',
    DirectoryList: datasets.map((d) => d.replace(/^\/store\//, '')),
    ListOnlyInventoryDirs: false,
    Inventory: { Type: 'dump', Path: join(work, 'inv.txt'), Format: 'lfn-size' },
    History: { Url: db.url },
    Queue: { Url: 'redis://127.0.0.1:6379/0', Name: QUEUE },
    Sites: sites,
  });
  store = await HistoryStore.open(db.url);
  for (let i = 0; i < nWorkers; i++) workers.push(new CliProcess(['worker', '--config', join(work, 'consistency_config.json')], work));
  await new Promise((r) => setTimeout(r, 3000));
  for (const { site, shards } of names) {
    const t0 = Date.now();
    await queue.add('check', { site, slot: 0, lockGroup: '' }, { jobId: `${site}.after-0` });
    let run;
    for (;;) {
      run = (await store.runs.collect(site, 1))[0];
      if (run && run.status !== 'running') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const seconds = (Date.now() - t0) / 1000;
    if (run.status !== 'done') throw new Error(`${site}: run ${run.id} ${run.status}: ${run.error}`);
    const summary = JSON.parse(run.summary ?? '{}') as { listing: { files: number }; timings: { listing: number } };
    if (shards === 0) continue;
    const byWorkers = workers.filter((w) => w.events('shard-done').some((e) => e.runId === run.id)).length;
    rows.push({ shards, seconds, listing: summary.timings.listing, files: summary.listing.files, byWorkers });
    log(`  ${shards} shard(s): ${seconds.toFixed(1)} s enqueue→done, listing ${summary.timings.listing.toFixed(1)} s, ${summary.listing.files} files${shards > 1 ? `, shards on ${byWorkers} workers` : ''}`);
    if (summary.listing.files !== files) log(`  ! listed ${summary.listing.files} files, expected ${files}`);
  }
} finally {
  for (const w of workers) await w.stop('SIGTERM').catch(() => undefined);
  await store?.close();
  for (const q of [queue, new Queue(`${QUEUE}-shards`, { connection: { host: '127.0.0.1', port: 6379 } })]) {
    await q.obliterate({ force: true }).catch(() => undefined);
    await q.close();
  }
  await proxy?.close();
  await srv.stop();
  await db.drop();
  load.stop();
  rmSync(work, { recursive: true, force: true });
}

console.log(`\n${tree.files} files in ${tree.dirs} directories over root:// at +${rttMs} ms RTT, ShardBy ${by}, NumThreads ${values.threads ?? 'default'}, ${nWorkers} worker processes (concurrency 1); ${machineLine()}; ${load.summary()}`);
console.log(`median of ${repeat}; enqueue → run recorded done (workers already running)\n`);
console.log('| shards | seconds | listing s | speed-up | files |');
console.log('|---|---|---|---|---|');
const base = median(rows.filter((r) => r.shards === counts[0]).map((r) => r.seconds));
for (const n of counts) {
  const mine = rows.filter((r) => r.shards === n);
  const s = median(mine.map((r) => r.seconds));
  console.log(`| ${n} | ${s.toFixed(1)} | ${median(mine.map((r) => r.listing)).toFixed(1)} | ${(base / s).toFixed(2)} | ${mine[0].files} |`);
}
