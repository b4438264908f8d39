/**
 * compare3 benchmark (issue 5): three lists of N entries (100-byte random paths, ~1 % differences),
 * wall time and peak RSS of `runCompare3`, side by side with `LC_ALL=C sort` + `comm` on the same
 * files, and a check that both find the same names.
 *
 *   node --import tsx bench/compare3/run.ts [--n 10000000] [--dir /tmp/dc-bench-compare3] [--workers W] [--no-sort]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expectedCounts, generateLists } from './compare3-generate.ts';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const n = Number(opt('n', '10000000'));
const root = join(opt('dir', '/tmp/dc-bench-compare3'), String(n));
const workers = args.includes('--workers') ? opt('workers', '2') : undefined;
const repo = fileURLToPath(new URL('../..', import.meta.url));

mkdirSync(root, { recursive: true });
const files = { before: join(root, 'before.txt'), scan: join(root, 'scan.txt'), after: join(root, 'after.txt') };
if (!existsSync(join(root, '.complete'))) {
  const t = Date.now();
  await generateLists(root, n);
  writeFileSync(join(root, '.complete'), '');
  console.log(`generated 3 lists of ${n} entries in ${((Date.now() - t) / 1000).toFixed(1)} s`);
}
execFileSync('sh', ['-c', `cat ${files.before} ${files.scan} ${files.after} > /dev/null`]); // warm the page cache for both contenders

/** Runs a command under GNU time; returns wall seconds, peak RSS (MB) and stdout. */
function timed(cmd: string[]): { seconds: number; rssMb: number; out: string } {
  const r = spawnSync('/usr/bin/time', ['-f', '@@%e %M', ...cmd], { cwd: repo, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd.join(' ')} failed (${r.status}): ${r.stderr}`);
  const m = /@@([\d.]+) (\d+)/.exec(r.stderr)!;
  return { seconds: Number(m[1]), rssMb: Number(m[2]) / 1024, out: r.stdout };
}

const prefix = join(root, 'out', 'c3');
const ours = timed([process.execPath, '--import', 'tsx', 'bench/compare3/compare3-child.ts', files.before, files.scan, files.after, prefix, ...(workers ? [workers] : [])]);
const res = JSON.parse(ours.out.trim().split('\n').pop()!);
const want = expectedCounts(n);
if (res.missing !== want.missing || res.orphan !== want.orphan) throw new Error(`compare3 found ${res.missing}/${res.orphan}, expected ${want.missing}/${want.orphan}`);

const rows: [string, string, string, string][] = [['method', 'wall s', 'peak RSS MB', 'detail']];
rows.push(['compare3', ours.seconds.toFixed(1), ours.rssMb.toFixed(0), `partition ${res.timings.partition}s, compare ${res.timings.compare}s, names ${res.timings.names}s; ${res.partitions} partitions`]);
if (!args.includes('--no-sort')) {
  const o = join(root, 'out');
  const script = [
    'set -e; export LC_ALL=C',
    `sort -o ${o}/b.s ${files.before}`,
    `sort -o ${o}/s.s ${files.scan}`,
    `sort -o ${o}/a.s ${files.after}`,
    `comm -12 ${o}/b.s ${o}/a.s | comm -23 - ${o}/s.s > ${o}/sort_missing.txt`,
    `comm -23 ${o}/s.s ${o}/b.s | comm -23 - ${o}/a.s > ${o}/sort_orphan.txt`,
  ].join('\n');
  const base = timed(['bash', '-c', script]);
  rows.push(['LC_ALL=C sort + comm', base.seconds.toFixed(1), base.rssMb.toFixed(0), 'sort each list, then comm (peak = largest single process)']);
  for (const k of ['missing', 'orphan']) {
    const same = spawnSync('cmp', ['-s', `${prefix}_${k}.txt`, join(o, `sort_${k}.txt`)]).status === 0;
    if (!same) throw new Error(`compare3 and sort+comm disagree on ${k}`);
  }
  rows.push(['(same names)', '', '', 'compare3 output identical to sort+comm']);
}
rows.push(['CMS CE tool (issue 5)', '36.0', '440', 'Python sets over 5 partitions, measured for the issue; target ≤ 12 s, ≤ 1024 MB']);
console.log(`\ncompare3 on 3 × ${n.toLocaleString('en')} entries (${res.missing} missing, ${res.orphan} orphan)\n`);
const w = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
for (const r of rows) console.log(r.map((x, c) => x.padEnd(w[c])).join('  '));
