/**
 * bench/check: the whole check (spooling by hash partition, then judging one partition at a time)
 * on a synthetic site of N files in N/1000 directories, with an inventory that differs by 1 %
 * each way. Both sides are generated on the fly, so what is measured is the check itself: wall
 * time and peak RSS, for several N, to show that memory stays flat as the site grows.
 *   node --import tsx bench/check/run.ts [--n 1000000,10000000] [--partitions 64]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const opt = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};

if (args[0] === '--child') {
  const { runSyntheticCheck } = await import('./synthetic-site.ts');
  const n = Number(args[1]);
  const parts = Number(args[2]);
  const work = mkdtempSync(join(tmpdir(), 'dc-bench-check-'));
  try {
    const r = await runSyntheticCheck(n, parts, work);
    process.stdout.write(JSON.stringify({ ...r, maxRssMb: process.resourceUsage().maxRSS / 1024 }) + '\n');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
} else {
  const sizes = opt('n', '1000000,10000000').split(',').map(Number);
  const parts = Number(opt('partitions', '64'));
  console.log(`files      partitions  wall s   peak RSS MB  missing  orphan   size-mismatch`);
  for (const n of sizes) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', String(n), String(parts)], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (r.status !== 0) throw new Error(r.stderr);
    const x = JSON.parse(r.stdout.trim().split('\n').pop()!);
    console.log(`${String(n).padEnd(10)} ${String(parts).padEnd(11)} ${x.seconds.toFixed(1).padEnd(8)} ${x.maxRssMb.toFixed(0).padEnd(12)} ${String(x.missing).padEnd(8)} ${String(x.orphan).padEnd(8)} ${x.sizeMismatch}`);
  }
}
