/**
 * bench/listers: files per second of every lister on the same generated tree, through the walker,
 * next to two reference walks that use no lister code (gfal-ls per directory, plain PROPFIND).
 * Not part of the test suite. See README.md.
 *   node --import tsx bench/listers/run.ts [--files 100000] [--dirs 2000] [--concurrency 8] [--only s3,dump] [--repeat 5]
 */
import { parseArgs } from 'node:util';
import type { Lister } from '../../src/listers/lister.ts';
import { walk } from '../../src/listers/walker.ts';
import { gfalLsWalk, listDirWalk, propfindWalk, type WalkCount } from './baselines.ts';
import { generateTree } from './generate.ts';
import { startServers, stopServers, targets } from './targets.ts';

interface Row {
  name: string;
  files?: number;
  dirs?: number;
  seconds?: number;
  note: string;
}

const { values } = parseArgs({
  options: {
    files: { type: 'string', default: '100000' },
    dirs: { type: 'string' },
    concurrency: { type: 'string', default: '8' },
    only: { type: 'string' },
    root: { type: 'string', default: '/tmp/dc-bench-listers' },
    repeat: { type: 'string', default: '1' },
  },
});
const files = Number(values.files);
const leafDirs = Number(values.dirs ?? Math.max(1, Math.round(files / 50)));
const concurrency = Number(values.concurrency);
const wanted = values.only?.split(',').map((s) => s.trim());
const only = (name: string) => !wanted || wanted.includes(name);
/** Rounds: every row runs once per round, rows interleaved, and the median is printed (shared machines are noisy). */
const repeat = Math.max(1, Number(values.repeat));

interface Job {
  name: string;
  /** One timed run, or why the row cannot run. */
  run?: () => Promise<{ count: WalkCount; seconds: number; mode: string }>;
  note?: string;
}

async function timed(fn: () => Promise<WalkCount>): Promise<{ count: WalkCount; seconds: number }> {
  const t0 = process.hrtime.bigint();
  const count = await fn();
  return { count, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const t0 = Date.now();
  const tree = generateTree(values.root!, files, leafDirs);
  console.error(`tree: ${tree.files} files in ${tree.dirs} directories at ${tree.dataDir} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  const servers = await startServers(tree, only);
  const rows: Row[] = [];
  try {
    const jobs: Job[] = [];
    for (const t of targets(tree, servers, concurrency)) {
      if (!only(t.name)) continue;
      jobs.push({ name: t.name, run: () => runLister(t) });
    }
    if (only('gfal-ls walk')) {
      const x = servers.xrootd;
      if (!x) jobs.push({ name: 'gfal-ls walk', note: 'not available: xrootd did not start' });
      else jobs.push({ name: 'gfal-ls walk', run: async () => ({ ...(await timed(() => gfalLsWalk([...x.prefix, 'gfal-ls'], `root://127.0.0.1:${x.port}/`, '/bench', concurrency))), mode: 'baseline: no lister code' }) });
    }
    const bare = targets(tree, servers, concurrency).find((t) => t.name === 'webdav nginx');
    if (only('webdav nginx bare') && bare) {
      jobs.push({ name: 'webdav nginx bare', run: () => runLister(bare, (lister, top) => listDirWalk(lister, top, concurrency), 'listDir in the PROPFIND walk\'s pool') });
    }
    if (only('PROPFIND walk')) {
      const ng = servers.nginx;
      if (!ng) jobs.push({ name: 'PROPFIND walk', note: 'not available: nginx did not start' });
      else jobs.push({ name: 'PROPFIND walk', run: async () => ({ ...(await timed(() => propfindWalk(ng.httpUrl, '/bench', concurrency))), mode: 'baseline (nginx): no lister code' }) });
    }
    const seconds = new Map<Job, number[]>();
    const last = new Map<Job, { count: WalkCount; mode: string }>();
    for (let round = 0; round < repeat; round++) {
      for (const job of jobs) {
        if (!job.run || job.note) continue;
        try {
          const r = await job.run();
          seconds.set(job, [...(seconds.get(job) ?? []), r.seconds]);
          last.set(job, r);
        } catch (err) {
          const message = (err as Error).message.split('\n')[0];
          job.note = message.startsWith('not available') ? message : `failed: ${message}`;
        }
        console.error(`  ${job.name} done${repeat > 1 ? ` (round ${round + 1}/${repeat})` : ''}`);
      }
    }
    for (const job of jobs) {
      const r = last.get(job);
      const times = [...(seconds.get(job) ?? [])].sort((a, b) => a - b);
      if (job.note || !r) {
        rows.push({ name: job.name, note: job.note ?? 'no run' });
        continue;
      }
      const spread = times.length > 1 ? `; median of ${times.length}, ${times[0].toFixed(2)}–${times[times.length - 1].toFixed(2)} s` : '';
      const expected = r.count.files === tree.files ? '' : `; expected ${tree.files} files`;
      rows.push({ name: job.name, files: r.count.files, dirs: r.count.dirs, seconds: times[(times.length - 1) >> 1], note: r.mode + expected + spread });
    }
  } finally {
    await stopServers(servers);
  }
  printTable(rows, concurrency);
}

/** One timed walk of a lister target (a fresh lister each time, as a run of the tool has). */
async function runLister(
  t: ReturnType<typeof targets>[number],
  bare?: (lister: Lister, top: string) => Promise<WalkCount>,
  bareMode = '',
): Promise<{ count: WalkCount; seconds: number; mode: string }> {
  const made = await t.make();
  if (typeof made === 'string') throw new Error(made);
  const { lister, top } = made;
  try {
    if (bare) return { ...(await timed(() => bare(lister, top))), mode: bareMode };
    const r = await timed(async () => {
      let n = 0;
      let d = 0;
      const unlisted: string[] = [];
      for await (const ev of walk(lister, { tops: [top], concurrency, retries: 1, timeoutMs: 120_000 })) {
        if (ev.type === 'files') n += ev.files.length;
        else if (ev.type === 'dir') d++;
        else unlisted.push(`${ev.lfn}: ${ev.message}`);
      }
      if (unlisted.length) throw new Error(`${unlisted.length} unlisted, first ${unlisted[0]}`);
      return { files: n, dirs: d };
    });
    return { ...r, mode: lister.listTree ? 'listTree' : 'per directory' };
  } finally {
    await lister.close();
  }
}

function printTable(rows: Row[], conc: number): void {
  const head = ['lister', 'files', 'dirs', 'seconds', 'files/s', 'note'];
  const body = rows.map((r) => [
    r.name,
    r.files?.toString() ?? '-',
    r.dirs?.toString() ?? '-',
    r.seconds?.toFixed(2) ?? '-',
    r.files !== undefined && r.seconds ? Math.round(r.files / r.seconds).toString() : '-',
    r.note,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 1 && i <= 4 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  console.log(`\nfiles per second, ${files} files in ${leafDirs} leaf directories, concurrency ${conc}, loopback / test namespace\n`);
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const b of body) console.log(line(b));
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
