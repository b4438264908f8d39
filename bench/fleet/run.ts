/**
 * bench/fleet, scheduling overhead: what the fleet adds to a check, measured as a user runs it — the
 * compiled `daemon` with `Queue` (BullMQ on the machine's Redis) and N `worker` processes, on a
 * PostgreSQL history, over `--checks` trivial POSIX sites (one file each, a one-line dump
 * inventory), each checked once. Per check, from the queue's job and the history's run row:
 *   enqueue (job added) → worker start (job taken) → run row started → history rows written (run
 *   finished) → done (job completed).
 * Baseline, in the same session: the same trivial check run in-process (runSite, same PostgreSQL
 * history), one after another. Overhead = enqueue→done minus the run's own span, and enqueue→done
 * minus the in-process median.
 *   npm run build && node --import tsx bench/fleet/run.ts [--checks 1000] [--workers 8] [--baseline 50] [--dir bench/out/fleet]
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Queue } from 'bullmq';
import { loadConfig } from '../../src/config/config-loader.ts';
import { runSite } from '../../src/run/run-site.ts';
import { openSql } from '../../src/sql/sql-database.ts';
import type { StoreDb } from '../../src/store/history-schema.ts';
import { HistoryStore } from '../../src/store/history-store.ts';
import { createPostgresDatabase } from '../../test/servers/databases.ts';
import { CliProcess } from '../../test/integration/fleet/fleet-fixture.ts';
import { machineLine, median, requireBuild, watchLoad } from '../bench-process.ts';

const args = process.argv.slice(2);
const opt = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const CHECKS = Number(opt('checks', '1000'));
const WORKERS = Number(opt('workers', '8'));
const BASELINE = Number(opt('baseline', '50'));
const dir = resolve(opt('dir', 'bench/out/fleet'));
const REDIS = 'redis://127.0.0.1:6379/0';
const QUEUE = `bench-fleet-${process.pid}-${randomBytes(3).toString('hex')}`;
const OLD = Date.now() / 1000 - 5 * 86400;

requireBuild();
rmSync(dir, { recursive: true, force: true });

/** `count` one-file POSIX sites named prefix00000…, each with a one-line inventory dump. */
function makeSites(prefix: string, count: number): Record<string, { Url: string }> {
  const sites: Record<string, { Url: string }> = {};
  mkdirSync(join(dir, 'inv'), { recursive: true });
  for (let i = 0; i < count; i++) {
    const name = `${prefix}${String(i).padStart(5, '0')}`;
    const root = join(dir, 'sites', name);
    const lfn = '/store/mc/Bench/Prim/AODSIM/Proc-v1/0000/f.root';
    mkdirSync(join(root, lfn, '..'), { recursive: true });
    writeFileSync(root + lfn, 'x');
    utimesSync(root + lfn, OLD, OLD);
    writeFileSync(join(dir, 'inv', `${name}.txt`), `${lfn} 1\n`);
    sites[name] = { Url: pathToFileURL(root).href };
  }
  return sites;
}

function writeConfig(file: string, body: Record<string, unknown>): string {
  const path = join(dir, file);
  writeFileSync(path, JSON.stringify({ DirectoryList: ['mc'], Retries: 0, VarLocation: 'var', WebDir: 'www', Inventory: { Type: 'dump', Path: 'inv/{site}.txt', Format: 'lfn-size' }, ...body }, null, 2));
  return path;
}

/** CPU milliseconds (user + system) a process has used so far, from /proc. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ 100)
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const row = (name: string, xs: number[], note = '') => `| ${name} | ${median(xs).toFixed(1)} | ${pct(xs, 90).toFixed(1)} | ${Math.min(...xs).toFixed(1)} | ${Math.max(...xs).toFixed(1)} | ${note} |`;

const db = await createPostgresDatabase('dc_bench_fleet');
const load = watchLoad();
try {
  // Baseline: the same trivial check in this process, one after another, on the same kind of history.
  const baseSites = makeSites('T2_BS_', BASELINE);
  const baseConfig = loadConfig(writeConfig('baseline.json', { Sites: baseSites, History: { Url: db.url } }));
  const store = await HistoryStore.open(db.url);
  const inProcess: number[] = [];
  let cpuFrom: NodeJS.CpuUsage | undefined;
  for (const [i, site] of Object.keys(baseSites).entries()) {
    if (i === 5) cpuFrom = process.cpuUsage();
    const t = performance.now();
    const o = await runSite(baseConfig, site, store);
    if (o.status !== 'done') throw new Error(`baseline run of ${site}: ${o.status} ${o.error?.message}`);
    inProcess.push(performance.now() - t);
  }
  const cpu = process.cpuUsage(cpuFrom);
  const baseCpuMs = (cpu.user + cpu.system) / 1000 / (BASELINE - 5);
  await store.close();
  const warm = inProcess.slice(Math.min(5, inProcess.length - 1)); // the first runs load modules and open connections

  // The fleet: the installed daemon and N workers, CHECKS sites each due once.
  const fleetSites = makeSites('T2_FL_', CHECKS);
  const cfg = writeConfig('fleet.json', { Sites: fleetSites, CheckEvery: 10_000, MaxConcurrentChecks: WORKERS, History: { Url: db.url }, Queue: { Url: REDIS, Name: QUEUE } });
  const procs = [new CliProcess(['daemon', '--config', cfg], dir), ...Array.from({ length: WORKERS }, () => new CliProcess(['worker', '--config', cfg, '--concurrency', '1'], dir))];
  const t0 = Date.now();
  const history = await openSql<StoreDb>(db.url);
  // CPU of the fleet's processes per check in the steady state: between 10 % of the checks done and the end.
  let steady: { n: number; daemon: number; workers: number } | undefined;
  const fleetCpu = () => ({ daemon: cpuMs(procs[0].pid), workers: procs.slice(1).reduce((a, p) => a + cpuMs(p.pid), 0) });
  let cpuPerCheck = { daemon: NaN, workers: NaN };
  try {
    for (;;) {
      await new Promise((r) => setTimeout(r, 1000));
      const done = await history.db.selectFrom('runs').select((eb) => eb.fn.countAll<number>().as('n')).where('site', 'like', 'T2_FL_%').where('status', '=', 'done').executeTakeFirst();
      const n = Number(done?.n ?? 0);
      if (!steady && n >= CHECKS / 10) steady = { n, ...fleetCpu() };
      if (n >= CHECKS) {
        const end = fleetCpu();
        if (steady) cpuPerCheck = { daemon: (end.daemon - steady.daemon) / (n - steady.n), workers: (end.workers - steady.workers) / (n - steady.n) };
        break;
      }
      for (const p of procs) if (p.child.exitCode !== null) throw new Error(`a fleet process exited: ${p.stderr.slice(-2000)}`);
      if (Date.now() - t0 > 60 * 60_000) throw new Error(`only ${n} of ${CHECKS} checks done after an hour`);
    }
    const wallSeconds = (Date.now() - t0) / 1000;
    for (const p of procs) await p.stop('SIGTERM');
    const runs = await history.db.selectFrom('runs').select(['id', 'site', 'status', 'started_at', 'finished_at']).where('site', 'like', 'T2_FL_%').execute();
    const byId = new Map(runs.map((r) => [Number(r.id), r]));
    const queue = new Queue(QUEUE, { connection: { host: '127.0.0.1', port: 6379 } });
    const jobs = await queue.getJobs(['completed']);
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    // When each worker logged the job as taken (`check-job`): after the slot check, before the lease.
    const taken = new Map<string, number>();
    for (const p of procs.slice(1)) for (const e of p.events('check-job')) taken.set(String(e.jobId), Number(e.time));
    const stages = { pickup: [] as number[], slot: [] as number[], lease: [] as number[], prep: [] as number[], run: [] as number[], finish: [] as number[], total: [] as number[], overhead: [] as number[] };
    for (const j of jobs) {
      const r = byId.get(Number((j.returnvalue as { runId?: number } | undefined)?.runId));
      if (!r?.finished_at || !j.processedOn || !j.finishedOn) continue;
      const [started, finished] = [Date.parse(r.started_at), Date.parse(r.finished_at)];
      stages.pickup.push(j.processedOn - j.timestamp);
      stages.prep.push(started - j.processedOn);
      const t = taken.get(String(j.id));
      if (t !== undefined) {
        stages.slot.push(t - j.processedOn);
        stages.lease.push(started - t);
      }
      stages.run.push(finished - started);
      stages.finish.push(j.finishedOn - finished);
      stages.total.push(j.finishedOn - j.timestamp);
      stages.overhead.push(j.finishedOn - j.timestamp - (finished - started));
    }
    const base = median(warm);
    const lines = [
      `## Measured ${machineLine()}`,
      '',
      `${stages.total.length} checks of one-file POSIX sites by ${WORKERS} workers (\`worker --concurrency 1\` each) and the \`daemon\` (MaxConcurrentChecks ${WORKERS}), PostgreSQL history, Redis queue; ${load.summary()}.`,
      `Whole fleet: ${CHECKS} checks in ${wallSeconds.toFixed(1)} s (${(CHECKS / wallSeconds).toFixed(1)} checks/s).`,
      '',
      '| per check, ms | median | p90 | min | max | |',
      '|---|---|---|---|---|---|',
      row('in-process runSite (baseline)', warm, `${warm.length} runs, one after another`),
      row('enqueue → worker start', stages.pickup, 'queue pickup'),
      row('worker start → run row started', stages.prep, 'slot check, lease, run record'),
      ...(stages.slot.length ? [row('  of which: slot check (site history)', stages.slot, 'fleet only'), row('  of which: lease, run record', stages.lease, 'also in the baseline')] : []),
      row('run row started → history rows written', stages.run, 'the check itself'),
      row('history rows written → done', stages.finish, 'turn, release, job completion'),
      row('enqueue → done', stages.total, `${(median(stages.total) / base).toFixed(2)}× the baseline median`),
      row('scheduling overhead (enqueue → done minus the run)', stages.overhead, `target < 50 ms median: ${median(stages.overhead) < 50 ? 'met' : 'missed'}`),
      '',
      `enqueue → done minus the in-process median (${base.toFixed(1)} ms): ${(median(stages.total) - base).toFixed(1)} ms median.`,
      '',
      `CPU per check (user + system, steady state; not inflated by waiting for a core): in-process runSite ${baseCpuMs.toFixed(1)} ms; the fleet ${(cpuPerCheck.workers + cpuPerCheck.daemon).toFixed(1)} ms (workers ${cpuPerCheck.workers.toFixed(1)}, daemon ${cpuPerCheck.daemon.toFixed(1)}), so ${(cpuPerCheck.workers + cpuPerCheck.daemon - baseCpuMs).toFixed(1)} ms more than in-process.`,
    ];
    console.log(lines.join('\n'));
  } finally {
    for (const p of procs) p.kill();
    await history.close();
  }
} finally {
  load.stop();
  await db.drop();
}
