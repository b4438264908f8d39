/**
 * bench/compare: the check's comparison code (compareFiles: the same hash table and LFN hash)
 * against `LC_ALL=C sort` + `comm` on the same two lists. Prints wall time, peak RSS and ratio.
 *   node --import tsx bench/compare/run.ts [--n 1000000] [--dir bench/out/compare]
 */
import { spawnSync } from 'node:child_process';
import { rmSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generateLists } from './generate.ts';

const args = process.argv.slice(2);
const opt = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const n = Number(opt('n', '1000000'));
const dir = resolve(opt('dir', 'bench/out/compare'));
console.log(`generating ${n} entries a list (cached in ${dir}) …`);
const { inv, remote, expectMissing, expectOrphan } = await generateLists(n, dir);
const work = join(dir, 'run');
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });

function timed(cmd: string, argv: string[], env: NodeJS.ProcessEnv = process.env) {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, argv, { encoding: 'utf8', env, maxBuffer: 1 << 26 });
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
  return { seconds, stdout: r.stdout, stderr: r.stderr };
}

// Warm the page cache so neither side pays the first read.
timed('bash', ['-c', `cat ${inv} ${remote} > /dev/null`]);
const ours = timed(process.execPath, ['--import', 'tsx', 'bench/compare/compare-child.ts', inv, remote, join(work, 'ours')]);
const r = JSON.parse(ours.stdout.trim().split('\n').pop()!);
if (r.missing !== expectMissing || r.orphan !== expectOrphan) throw new Error(`unexpected result ${JSON.stringify(r)} (want ${expectMissing} missing, ${expectOrphan} orphan)`);
const script = `set -e; export LC_ALL=C; cd ${work}; sort -S 50% ${inv} > inv.s; sort -S 50% ${remote} > rem.s; comm -23 inv.s rem.s > missing; comm -13 inv.s rem.s > orphan`;
const base = timed('/usr/bin/time', ['-f', '%M', 'bash', '-c', script]);
const baseRssMb = Math.max(...base.stderr.trim().split('\n').map((l) => Number(l)).filter(Number.isFinite)) / 1024;
console.log('');
console.log(`entries a list       ${n}`);
console.log(`ours (compareFiles)  ${ours.seconds.toFixed(2)} s   peak RSS ${r.maxRssMb.toFixed(0)} MB   missing ${r.missing} orphan ${r.orphan} size-mismatch ${r.sizeMismatch}`);
console.log(`sort + comm          ${base.seconds.toFixed(2)} s   peak RSS ${baseRssMb.toFixed(0)} MB (largest sort)`);
console.log(`ratio sort+comm/ours ${(base.seconds / ours.seconds).toFixed(2)}x  (target >= 2x at 10 M, ours < 1 GB RSS)`);
rmSync(work, { recursive: true, force: true });
