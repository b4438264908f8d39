/**
 * bench/xrootd: listing a generated tree on a real xrootd 5.5 server with
 *   (a) our native root:// lister through the walker,
 *   (b) `xrdfs ls -l -R` (the C++ client's recursive listing),
 *   (c) the seed's method (python bindings, 2 threads, one dirlist+stat per directory),
 * first directly, then through a TCP proxy adding --rtt ms of round trip. Not part of the test suite.
 *   node --import tsx bench/xrootd/run.ts [--files 200000] [--dirs 5000] [--rtt 25] [--concurrency 384]
 *        [--repeat 3] [--seed-threads 2] [--directx N] [--skip-seed-delayed] [--out bench/out/xrootd]
 */
import { resolve } from 'node:path';
import { startDelayProxyInNetns, type DelayProxy } from '../../test/servers/delay-proxy.ts';
import { startXrootd } from '../../test/servers/xrootd-server.ts';
import { generateTree } from './generate.ts';
import { runOurs, runSeed, runXrdfsRecursive, type MethodResult } from './xrootd-methods.ts';

const args = process.argv.slice(2);
const opt = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : def;
};
const flag = (name: string) => args.includes(`--${name}`);
const files = Number(opt('files', '200000'));
const leafDirs = Number(opt('dirs', '5000'));
const rttMs = Number(opt('rtt', '25'));
// Listings in flight (a site's NumThreads): over a WAN, latency × directories / concurrency bounds the walk.
const concurrency = Number(opt('concurrency', '384'));
const repeat = Math.max(1, Number(opt('repeat', '3')));
const seedThreads = Number(opt('seed-threads', '2'));
const directx = Number(opt('directx', '0'));
const out = resolve(opt('out', 'bench/out/xrootd'));

console.log(`generating ${files} files in ${leafDirs} leaf directories under ${out} (reused when present) …`);
const t0 = performance.now();
const tree = generateTree(out, files, leafDirs);
console.log(`tree ready in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${tree.files} files, ${tree.dirs} directories`);

const srv = await startXrootd({ dataDir: tree.dataDir });
const PROXY_PORT = 21094;
let proxy: DelayProxy | undefined;

interface Row {
  method: string;
  rtt: number;
  result: MethodResult;
  runs: number[];
}
const rows: Row[] = [];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function measure(method: string, rtt: number, times: number, fn: () => Promise<MethodResult>): Promise<void> {
  const runs: number[] = [];
  let result: MethodResult | undefined;
  for (let i = 0; i < times; i++) {
    result = await fn();
    runs.push(result.seconds);
    if (result.files !== tree.files || result.dirs !== tree.dirs || result.failed !== 0) {
      console.warn(`  ! ${method}: found ${result.files} files / ${result.dirs} dirs / failed ${result.failed} (expected ${tree.files} / ${tree.dirs} / 0)`);
    }
  }
  rows.push({ method, rtt, result: result!, runs });
  console.log(`  ${method.padEnd(28)} rtt +${rtt} ms: ${runs.map((s) => s.toFixed(3)).join(' ')} s`);
}

try {
  const direct = `${srv.host}:${srv.port}`;
  const inside = `127.0.0.1:${srv.port}`;
  // Warm the server's dentry and inode caches once, untimed.
  await runXrdfsRecursive(srv.netns, inside, tree.top);

  for (const rtt of [0, rttMs]) {
    let hostTarget = direct;
    let nsTarget = inside;
    if (rtt > 0) {
      proxy = await startDelayProxyInNetns(srv.netns, { listenPort: PROXY_PORT, targetPort: srv.port, rttMs: rtt });
      hostTarget = `${proxy.host}:${proxy.port}`;
      nsTarget = `127.0.0.1:${proxy.port}`;
    }
    console.log(rtt ? `through the delay proxy (+${rtt} ms round trip):` : 'direct (namespace link, no added latency):');
    await measure(`ours (c=${concurrency})`, rtt, repeat, () => runOurs(`root://${hostTarget}/`, tree.top, concurrency));
    await measure('xrdfs ls -l -R', rtt, repeat, () => runXrdfsRecursive(srv.netns, nsTarget, tree.top));
    if (rtt === 0 || !flag('skip-seed-delayed')) {
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
}

const find = (prefix: string, rtt: number) => rows.find((r) => r.method.startsWith(prefix) && r.rtt === rtt);
console.log('');
console.log(`${tree.files} files, ${tree.dirs} directories; median of ${repeat} runs (seed with latency: 1 run)`);
console.log('method                          added RTT   seconds   files    dirs  failed');
for (const r of rows) {
  console.log(
    `${r.method.padEnd(32)}${`${r.rtt} ms`.padStart(9)}${median(r.runs).toFixed(3).padStart(10)}${String(r.result.files).padStart(8)}${String(r.result.dirs).padStart(8)}${String(r.result.failed).padStart(8)}`,
  );
}
console.log('');
for (const rtt of [0, rttMs]) {
  const ours = find('ours', rtt);
  const xrdfs = find('xrdfs ls', rtt);
  const seed = find('seed', rtt);
  if (!ours) continue;
  const o = median(ours.runs);
  const parts = [`+${rtt} ms:`];
  if (xrdfs) parts.push(`ours / xrdfs = ${(o / median(xrdfs.runs)).toFixed(2)} (target ≤ 1.25)`);
  if (seed) parts.push(`seed / ours = ${(median(seed.runs) / o).toFixed(1)}×${rtt ? ' (target ≥ 50)' : ''}`);
  console.log(parts.join('   '));
}
