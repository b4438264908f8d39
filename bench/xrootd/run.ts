/**
 * bench/xrootd: listing a generated tree on a real xrootd 5.5 server with
 *   (a) our native root:// lister through the walker,
 *   (b) `xrdfs ls -l -R` (the C++ client's recursive listing),
 *   (c) the seed's method (python bindings, 2 threads, one dirlist+stat per directory),
 *   (d) the installed command as a user runs it: `dynamo-consistency list` on the compiled package,
 *       default configuration (no tuning keys), a whole process,
 * first directly, then through a TCP proxy adding each --rtt of round trip. Not part of the test suite.
 *   node --import tsx bench/xrootd/run.ts [--files 200000] [--dirs 5000] [--rtt 25,100] [--concurrency 384]
 *        [--repeat 3] [--seed-threads 2] [--seed-rtt 0,25] [--directx N] [--out bench/out/xrootd]
 */
import { resolve } from 'node:path';
import { startDelayProxyInNetns, type DelayProxy } from '../../test/servers/delay-proxy.ts';
import { startXrootd } from '../../test/servers/xrootd-server.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { machineLine, requireBuild, watchLoad } from '../bench-process.ts';
import { generateTree } from './generate.ts';
import { runOurs, runSeed, runWholeList, runXrdfsRecursive, type MethodResult } from './xrootd-methods.ts';

const args = process.argv.slice(2);
const opt = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : def;
};
const files = Number(opt('files', '200000'));
const leafDirs = Number(opt('dirs', '5000'));
const rtts = [0, ...opt('rtt', '25,100').split(',').map(Number).filter((r) => r > 0)];
// The seed's method takes minutes with latency (one listing per thread in flight): by default only at 0 and 25 ms.
const seedRtts = opt('seed-rtt', '0,25').split(',').map(Number);
// Listings in flight (a site's NumThreads): over a WAN, latency × directories / concurrency bounds the walk.
const concurrency = Number(opt('concurrency', '384'));
const repeat = Math.max(1, Number(opt('repeat', '3')));
const seedThreads = Number(opt('seed-threads', '2'));
const directx = Number(opt('directx', '0'));
const out = resolve(opt('out', 'bench/out/xrootd'));
requireBuild();

console.log(`generating ${files} files in ${leafDirs} leaf directories under ${out} (reused when present) …`);
const t0 = performance.now();
const tree = generateTree(out, files, leafDirs);
console.log(`tree ready in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${tree.files} files, ${tree.dirs} directories`);

const load = watchLoad();
const srv = await startXrootd({ dataDir: tree.dataDir });
const work = mkdtempSync(join(out, 'run-'));
const PROXY_PORT = 21094;
let proxy: DelayProxy | undefined;

interface Row {
  method: string;
  rtt: number;
  result: MethodResult;
  runs: number[];
  /** Peak RSS of the whole process, where the row is one. */
  maxRssMb?: number;
}
const rows: Row[] = [];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function measure(method: string, rtt: number, times: number, fn: () => Promise<MethodResult & { maxRssMb?: number }>): Promise<void> {
  const runs: number[] = [];
  let result: (MethodResult & { maxRssMb?: number }) | undefined;
  let maxRssMb: number | undefined;
  for (let i = 0; i < times; i++) {
    result = await fn();
    runs.push(result.seconds);
    if (result.maxRssMb !== undefined) maxRssMb = Math.max(maxRssMb ?? 0, result.maxRssMb);
    if (result.files !== tree.files || !(Number.isNaN(result.dirs) || result.dirs === tree.dirs) || result.failed !== 0) {
      console.warn(`  ! ${method}: found ${result.files} files / ${result.dirs} dirs / failed ${result.failed} (expected ${tree.files} / ${tree.dirs} / 0)`);
    }
  }
  rows.push({ method, rtt, result: result!, runs, maxRssMb });
  console.log(`  ${method.padEnd(28)} rtt +${rtt} ms: ${runs.map((s) => s.toFixed(3)).join(' ')} s`);
}

try {
  const direct = `${srv.host}:${srv.port}`;
  const inside = `127.0.0.1:${srv.port}`;
  // Warm the server's dentry and inode caches once, untimed.
  await runXrdfsRecursive(srv.netns, inside, tree.top);

  for (const rtt of rtts) {
    let hostTarget = direct;
    let nsTarget = inside;
    if (rtt > 0) {
      proxy = await startDelayProxyInNetns(srv.netns, { listenPort: PROXY_PORT, targetPort: srv.port, rttMs: rtt });
      hostTarget = `${proxy.host}:${proxy.port}`;
      nsTarget = `127.0.0.1:${proxy.port}`;
    }
    console.log(rtt ? `through the delay proxy (+${rtt} ms round trip):` : 'direct (namespace link, no added latency):');
    await measure('whole command, default config', rtt, repeat, () => runWholeList(join(work, `list-${rtt}`), `root://${hostTarget}/`, tree.top));
    await measure(`ours (c=${concurrency})`, rtt, repeat, () => runOurs(`root://${hostTarget}/`, tree.top, concurrency));
    await measure('xrdfs ls -l -R', rtt, repeat, () => runXrdfsRecursive(srv.netns, nsTarget, tree.top));
    if (seedRtts.includes(rtt)) {
      // With latency the seed's method takes minutes; once is enough.
      await measure(`seed (python, ${seedThreads} threads)`, rtt, rtt ? 1 : repeat, () => runSeed(srv.netns, nsTarget, tree.top, seedThreads));
    }
    if (directx > 0) {
      await measure(`xrdfs CLI lister (c=${directx})`, rtt, 1, () =>
        runOurs(`root://${nsTarget}/`, tree.top, directx, 'directx', [...srv.netns.prefix, 'xrdfs'].join(' ')),
      );
    }
    await proxy?.close();
    proxy = undefined;
  }
} finally {
  await proxy?.close();
  await srv.stop();
  load.stop();
  rmSync(work, { recursive: true, force: true });
}

const find = (prefix: string, rtt: number) => rows.find((r) => r.method.startsWith(prefix) && r.rtt === rtt);
console.log('');
console.log(`${tree.files} files, ${tree.dirs} directories; median of ${repeat} runs (seed with latency: 1 run); ${machineLine()}; ${load.summary()}`);
console.log('');
console.log('| method | added RTT | seconds | peak RSS MB | files | dirs | failed |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) {
  const dirs = Number.isNaN(r.result.dirs) ? '(not printed)' : String(r.result.dirs);
  console.log(`| ${r.method} | ${r.rtt} ms | ${median(r.runs).toFixed(3)} | ${r.maxRssMb?.toFixed(0) ?? '-'} | ${r.result.files} | ${dirs} | ${r.result.failed} |`);
}
console.log('');
for (const rtt of rtts) {
  const whole = find('whole command', rtt);
  const ours = find('ours', rtt);
  const xrdfs = find('xrdfs ls', rtt);
  const seed = find('seed', rtt);
  const parts = [`+${rtt} ms:`];
  if (whole && xrdfs) {
    const r = median(whole.runs) / median(xrdfs.runs);
    parts.push(`whole command / xrdfs = ${r.toFixed(2)} (target ≤ 1.0: ${r <= 1 ? 'met' : 'MISSED'})`);
  }
  if (whole && seed) {
    const r = median(seed.runs) / median(whole.runs);
    parts.push(`seed / whole command = ${r.toFixed(1)}×${rtt === 25 ? ` (target ≥ 50: ${r >= 50 ? 'met' : 'MISSED'})` : ''}`);
  }
  if (ours && xrdfs) parts.push(`harness / xrdfs = ${(median(ours.runs) / median(xrdfs.runs)).toFixed(2)}`);
  console.log(parts.join('   '));
}
