/**
 * bench/compare: `dynamo-consistency compare` as a user runs it (the compiled package, a whole
 * process) and the comparison code alone (compareFiles in a child), against `LC_ALL=C sort` + `comm`
 * on the same two lists. Prints wall time, peak RSS and ratios for each size.
 *   node --import tsx bench/compare/run.ts [--n 2000000,10000000] [--dir bench/out/compare]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { machineLine, requireBuild, runCommand, runProcess, watchLoad } from '../bench-process.ts';
import { generateLists } from './generate.ts';

const args = process.argv.slice(2);
const opt = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const sizes = opt('n', '2000000,10000000').split(',').map(Number);
const dir = resolve(opt('dir', 'bench/out/compare'));
requireBuild();

interface Line {
  n: number;
  whole: { seconds: number; rss: number };
  harness: { seconds: number; rss: number };
  sort: { seconds: number; rss: number };
}
const lines: Line[] = [];
const load = watchLoad();

for (const n of sizes) {
  console.error(`generating ${n} entries a list (cached in ${dir}) …`);
  const { inv, remote, expectMissing, expectOrphan } = await generateLists(n, dir);
  const work = join(dir, 'run');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  // Warm the page cache so no side pays the first read.
  spawnSync('bash', ['-c', `cat ${inv} ${remote} > /dev/null`]);

  // The installed command, default everything, in a directory without a configuration file.
  let said = '';
  const whole = await runCommand(['compare', inv, remote, join(work, 'whole')], { cwd: work, onStdout: (b) => (said += b.toString('utf8')) });
  if (whole.code !== 0) throw new Error(`dynamo-consistency compare exited ${whole.code}: ${whole.stderr.slice(-2000)}`);
  const m = /^(\d+) missing, (\d+) orphan/.exec(said);
  if (!m || Number(m[1]) !== expectMissing || Number(m[2]) !== expectOrphan) throw new Error(`dynamo-consistency compare said "${said.split('\n')[0]}" (want ${expectMissing} missing, ${expectOrphan} orphan)`);
  rmSync(join(work, 'whole_missing.txt'), { force: true });

  let json = '';
  const harness = await runProcess([process.execPath, '--import', 'tsx', 'bench/compare/compare-child.ts', inv, remote, join(work, 'ours')], { onStdout: (b) => (json += b.toString('utf8')) });
  if (harness.code !== 0) throw new Error(`compare-child failed: ${harness.stderr.slice(-2000)}`);
  const r = JSON.parse(json.trim().split('\n').pop()!) as { missing: number; orphan: number; seconds: number };
  if (r.missing !== expectMissing || r.orphan !== expectOrphan) throw new Error(`unexpected result ${JSON.stringify(r)} (want ${expectMissing} missing, ${expectOrphan} orphan)`);

  const script = `set -e; export LC_ALL=C; cd ${work}; sort -S 50% ${inv} > inv.s; sort -S 50% ${remote} > rem.s; comm -23 inv.s rem.s > missing; comm -13 inv.s rem.s > orphan`;
  const base = await runProcess(['bash', '-c', script]);
  if (base.code !== 0) throw new Error(`sort + comm failed: ${base.stderr}`);
  rmSync(work, { recursive: true, force: true });

  lines.push({
    n,
    whole: { seconds: whole.seconds, rss: whole.maxRssMb },
    // compareFiles' own seconds (the child's tsx start-up is not the comparison's cost).
    harness: { seconds: r.seconds, rss: harness.maxRssMb },
    sort: { seconds: base.seconds, rss: base.maxRssMb },
  });
  console.error(`  ${n}: whole ${whole.seconds.toFixed(1)} s, compareFiles ${r.seconds.toFixed(1)} s, sort+comm ${base.seconds.toFixed(1)} s`);
}
load.stop();

console.log(`\n${machineLine()}; ${load.summary()}; each list of N 100-character paths, 1 % missing, 1 % orphan, 0.1 % size mismatch\n`);
console.log('| lines a list | run | seconds | peak RSS MB | sort+comm / run |');
console.log('|---|---|---|---|---|');
for (const l of lines) {
  console.log(`| ${l.n} | dynamo-consistency compare (whole command) | ${l.whole.seconds.toFixed(2)} | ${l.whole.rss.toFixed(0)} | ${(l.sort.seconds / l.whole.seconds).toFixed(2)} |`);
  console.log(`| ${l.n} | compareFiles alone (from the first read) | ${l.harness.seconds.toFixed(2)} | ${l.harness.rss.toFixed(0)} | ${(l.sort.seconds / l.harness.seconds).toFixed(2)} |`);
  console.log(`| ${l.n} | LC_ALL=C sort ×2 + comm ×2 | ${l.sort.seconds.toFixed(2)} | ${l.sort.rss.toFixed(0)} (largest sort) | 1.00 |`);
}
console.log('');
for (const l of lines) {
  const x = l.sort.seconds / l.whole.seconds;
  console.log(`${l.n}: sort+comm / whole command = ${x.toFixed(2)} (target ≥ 2: ${x >= 2 ? 'met' : 'MISSED'}); peak RSS ${l.whole.rss.toFixed(0)} MB (target < 1024: ${l.whole.rss < 1024 ? 'met' : 'MISSED'})`);
}
