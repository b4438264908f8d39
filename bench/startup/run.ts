/**
 * bench/startup: how long the installed command takes as a user times it — whole processes of the
 * compiled bin (dist/, built by `npm run build`), medians of N, against bare `node -e 0`.
 *   node --import tsx bench/startup/run.ts [--runs 10] [--dir bench/out/startup]
 * Rows: `--help`; `list` of a one-file POSIX site; `check` of a 100-file site (SQLite inventory).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const opt = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const runs = Number(opt('runs', '10'));
const dir = resolve(opt('dir', 'bench/out/startup'));
const BIN = fileURLToPath(new URL('../../bin/dynamo-consistency.mjs', import.meta.url));
if (!existsSync(new URL('../../dist/cli/main.js', import.meta.url))) throw new Error('dist/ is missing: run `npm run build` first');

/** Wall seconds and CPU seconds (user + system, from /usr/bin/time) of one whole process. */
function once(argv: string[], cwd: string): { wall: number; cpu: number } {
  const t = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', 'cpu %U %S', process.execPath, ...argv], { cwd, encoding: 'utf8', maxBuffer: 1 << 26 });
  const wall = Number(process.hrtime.bigint() - t) / 1e9;
  if (r.status !== 0) throw new Error(`node ${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
  const m = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr);
  return { wall, cpu: m ? Number(m[1]) + Number(m[2]) : NaN };
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
function timed(argv: string[], cwd: string) {
  once(argv, cwd); // warm the page cache
  const xs = Array.from({ length: runs }, () => once(argv, cwd));
  const wall = xs.map((x) => x.wall);
  return { median: median(wall), min: Math.min(...wall), max: Math.max(...wall), cpu: median(xs.map((x) => x.cpu)) };
}

// Sites: one file for `list`, 100 files with a matching SQLite inventory for `check`.
rmSync(dir, { recursive: true, force: true });
function site(name: string, files: number): string {
  const root = join(dir, name, 'storage');
  const lines: string[] = [];
  for (let i = 0; i < files; i++) {
    const lfn = `/store/mc/Bench/Prim${i % 4}/AODSIM/Proc-v1/000${i % 10}/file_${i}.root`;
    mkdirSync(join(root, lfn, '..'), { recursive: true });
    writeFileSync(join(root, lfn), 'x'.repeat(100 + i));
    lines.push(`${lfn} ${100 + i}`);
  }
  const base = join(dir, name);
  writeFileSync(join(base, 'inventory.txt'), lines.join('\n') + '\n');
  const config = {
    RootPath: '/store',
    DirectoryList: ['mc'],
    IgnoreAge: 0,
    VarLocation: 'var',
    WebDir: 'www',
    Sites: { T2_XX_Bench: { Url: pathToFileURL(root).href, PathPrefix: '' } },
    Inventory: { Type: 'sqlite', Path: 'var/inventory.sqlite' },
    History: { Url: 'sqlite:var/history.sqlite' },
  };
  writeFileSync(join(base, 'consistency_config.json'), JSON.stringify(config, null, 2) + '\n');
  return base;
}
const one = site('one', 1);
const hundred = site('hundred', 100);
once([BIN, 'import', '--site', 'T2_XX_Bench', 'inventory.txt'], hundred);

const rows: [string, string[], string][] = [
  ['node -e 0 (baseline)', ['-e', '0'], dir],
  ['--help', [BIN, '--help'], dir],
  ['list, 1-file POSIX site', [BIN, 'list', 'T2_XX_Bench'], one],
  ['check, 100-file site', [BIN, 'check', '--site', '^T2_XX_Bench$', '--dry-run'], hundred],
];
console.log(`${runs} runs each, whole processes; ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
let bare = 0;
const targets: Record<string, (m: number) => string> = {
  '--help': (m) => (m <= 0.3 && m <= 3 * bare ? 'met (≤ 0.3 s, ≤ 3× node)' : 'MISSED (≤ 0.3 s, ≤ 3× node)'),
  'check, 100-file site': (m) => (m <= 1 ? 'met (≤ 1 s)' : 'MISSED (≤ 1 s)'),
};
console.log('| run | median s | min s | max s | × node -e 0 | CPU s (median) | target |');
console.log('|---|---|---|---|---|---|---|');
for (const [name, argv, cwd] of rows) {
  const t = timed(argv, cwd);
  if (!bare) bare = t.median;
  console.log(`| ${name} | ${t.median.toFixed(3)} | ${t.min.toFixed(3)} | ${t.max.toFixed(3)} | ${(t.median / bare).toFixed(2)} | ${t.cpu.toFixed(2)} | ${targets[name]?.(t.median) ?? ''} |`);
}
