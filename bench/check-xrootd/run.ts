/**
 * bench/check-xrootd: a whole `dynamo-consistency check` of a site served by a real xrootd over
 * root:// through a delay proxy, against a MariaDB inventory in Dynamo's tables, default
 * configuration — next to `xrdfs ls -l -R` of the same tree through the same proxy. Not part of
 * the test suite. See README.md.
 *   node --import tsx bench/check-xrootd/run.ts [--files 1000000] [--rtt 25] [--repeat 1]
 *        [--root /var/tmp/dc-bench/check-xrootd] [--keep-db] [--prepare-only] [--cpu-prof DIR]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startDelayProxyInNetns, type DelayProxy } from '../../test/servers/delay-proxy.ts';
import { startXrootd } from '../../test/servers/xrootd-server.ts';
import { BIN, machineLine, median, requireBuild, runCommand, runProcess, watchLoad, writeConfig, type ProcessResult } from '../bench-process.ts';
import { prepareInventory } from './check-xrootd-inventory.ts';
import { generateCheckTree } from './check-xrootd-tree.ts';

const { values } = parseArgs({
  options: {
    files: { type: 'string', default: '1000000' },
    rtt: { type: 'string', default: '25' },
    repeat: { type: 'string', default: '1' },
    root: { type: 'string', default: '/var/tmp/dc-bench/check-xrootd' },
    'keep-db': { type: 'boolean', default: false },
    'prepare-only': { type: 'boolean', default: false },
    // Profiles the check process (node --cpu-prof) into DIR; its time then includes the profiler's.
    'cpu-prof': { type: 'string' },
  },
});
const files = Number(values.files);
const rttMs = Number(values.rtt);
const repeat = Math.max(1, Number(values.repeat));
const SITE = 'T2_XX_Bench';
const PROXY_PORT = 21095;
const XRD_ENV = { ...process.env, XRD_CONNECTIONRETRY: '1', XRD_CONNECTIONWINDOW: '2' };
const log = (s: string) => console.error(s);

requireBuild();
let t = Date.now();
log(`tree: ${files} files under ${values.root} (reused when present) …`);
const tree = generateCheckTree(values.root!, files, log);
log(`tree ready in ${((Date.now() - t) / 1000).toFixed(0)} s: ${tree.files} files, ${tree.dirs} directories`);
t = Date.now();
const inventory = await prepareInventory(SITE, files, log);
log(`inventory ready in ${((Date.now() - t) / 1000).toFixed(0)} s`);
if (values['prepare-only']) {
  // Tree and database stay for the timed run (which drops the database unless --keep-db).
  process.exit(0);
}

const load = watchLoad();
const srv = await startXrootd({ dataDir: tree.dataDir });
let proxy: DelayProxy | undefined;
const work = mkdtempSync(join(values.root!, 'run-'));
const xrdfsRuns: ProcessResult[] = [];
const checkRuns: { r: ProcessResult; summary: Summary }[] = [];

interface Summary {
  missing: { count: number };
  orphan: { count: number };
  listing: { files: number; directories?: number; unlisted?: number };
  /** Seconds per phase, as the check reports them. */
  timings: { inventoryBefore: number; listing: number; inventoryAfter: number; finalize: number; total: number };
}

try {
  const xrdfs = (hostPort: string) => runProcess([...srv.netns.prefix, 'xrdfs', hostPort, 'ls', '-l', '-R', '/store/mc'], { env: XRD_ENV });
  // Warm the server's dentry and inode caches once, untimed, so neither side pays the first walk.
  await xrdfs(`127.0.0.1:${srv.port}`);
  proxy = rttMs > 0 ? await startDelayProxyInNetns(srv.netns, { listenPort: PROXY_PORT, targetPort: srv.port, rttMs }) : undefined;
  const nsTarget = `127.0.0.1:${proxy?.port ?? srv.port}`;
  const hostTarget = proxy ? `${proxy.host}:${proxy.port}` : `${srv.host}:${srv.port}`;
  for (let i = 0; i < repeat; i++) {
    const x = await xrdfs(nsTarget);
    // xrdfs prints every file and every directory but the top.
    if (x.code !== 0 || x.lines !== tree.files + tree.dirs - 1) log(`  ! xrdfs: exit ${x.code}, ${x.lines} lines (expected ${tree.files + tree.dirs - 1}) ${x.stderr.slice(0, 300)}`);
    xrdfsRuns.push(x);
    log(`  xrdfs ls -l -R            ${x.seconds.toFixed(1)} s  ${x.maxRssMb.toFixed(0)} MB`);

    // A fresh working directory each time: a first check of the site, with its own history.
    const cwd = writeConfig(join(work, `check-${i}`), {
      Sites: { [SITE]: { Url: `root://${hostTarget}/` } },
      Inventory: { Type: 'mysql', Url: inventory.url },
      History: { Url: 'sqlite:var/history.sqlite' },
    });
    let out = '';
    const args = ['check', '--site', `^${SITE}$`, '--json'];
    const onStdout = (b: Buffer) => (out += b.toString('utf8'));
    const profDir = values['cpu-prof'];
    const c = profDir
      ? await runProcess([process.execPath, '--cpu-prof', `--cpu-prof-dir=${profDir}`, BIN, ...args], { cwd, onStdout })
      : await runCommand(args, { cwd, onStdout });
    if (c.code !== 0) throw new Error(`check exited ${c.code}: ${c.stderr.slice(-2000)}`);
    const summary = JSON.parse(out) as Summary;
    if (summary.listing.files !== tree.files || summary.missing.count !== inventory.missing || summary.orphan.count !== inventory.orphan) {
      log(`  ! check found ${summary.listing.files} files, ${summary.missing.count} missing, ${summary.orphan.count} orphan (expected ${tree.files}, ${inventory.missing}, ${inventory.orphan})`);
    }
    checkRuns.push({ r: c, summary });
    log(`  check (whole command)     ${c.seconds.toFixed(1)} s  ${c.maxRssMb.toFixed(0)} MB`);
  }
} finally {
  await proxy?.close();
  await srv.stop();
  load.stop();
  rmSync(work, { recursive: true, force: true });
  if (!values['keep-db']) await inventory.drop();
}

const xs = median(xrdfsRuns.map((r) => r.seconds));
const cs = median(checkRuns.map((c) => c.r.seconds));
const crss = Math.max(...checkRuns.map((c) => c.r.maxRssMb));
const last = checkRuns[checkRuns.length - 1].summary;
console.log(`\n${tree.files} files in ${tree.dirs} directories over root:// at +${rttMs} ms RTT; MariaDB inventory of ${inventory.rows} rows (Dynamo's tables); ${machineLine()}; ${load.summary()}`);
console.log(`median of ${repeat}; whole processes (start-up included)\n`);
console.log('| run | seconds | peak RSS MB | result |');
console.log('|---|---|---|---|');
console.log(`| xrdfs ls -l -R (listing alone) | ${xs.toFixed(1)} | ${Math.max(...xrdfsRuns.map((r) => r.maxRssMb)).toFixed(0)} | ${xrdfsRuns[0].lines} lines |`);
console.log(`| dynamo-consistency check, default configuration | ${cs.toFixed(1)} | ${crss.toFixed(0)} | ${last.listing.files} files listed, ${last.missing.count} missing, ${last.orphan.count} orphan |`);
const ph = last.timings;
console.log(`\ncheck phases (last run, s): inventory before ${ph.inventoryBefore.toFixed(1)}, listing ${ph.listing.toFixed(1)}, inventory after ${ph.inventoryAfter.toFixed(1)}, judging and lists ${ph.finalize.toFixed(1)}; total ${ph.total.toFixed(1)} (the rest of the process: start-up, store, outputs)`);
console.log('');
console.log(`check / xrdfs = ${(cs / xs).toFixed(2)} (target ≤ 1.5: ${cs / xs <= 1.5 ? 'met' : 'MISSED'});  check peak RSS ${crss.toFixed(0)} MB (target < 500: ${crss < 500 ? 'met' : 'MISSED'})`);
