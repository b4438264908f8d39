/**
 * bench/listers, whole commands: `dynamo-consistency list` on the compiled package with a default
 * configuration (no tuning keys), next to rclone (`rclone lsl`, default and `--checkers 64`; on S3
 * with `--fast-list --use-server-modtime`) and a plain PROPFIND walk with 64 requests in flight, on
 * the same nginx (WebDAV) and s3rver serving the same tree, each a whole process with its peak RSS.
 * Not part of the test suite. See README.md.
 *   node --import tsx bench/listers/listers-whole-command.ts [--files 100000] [--dirs 2196] [--rtt 0,25]
 *        [--s3-rtt 0] [--repeat 3] [--only webdav,s3] [--root /tmp/dc-bench-listers]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startDelayProxy, type DelayProxy } from '../../test/servers/delay-proxy.ts';
import { startNginx } from '../../test/servers/nginx-server.ts';
import { seedObjects, startS3Server } from '../../test/servers/s3-server.ts';
import { machineLine, median, requireBuild, runCommand, runProcess, watchLoad, writeConfig, type ProcessResult } from '../bench-process.ts';
import { generateTree } from './generate.ts';

const { values } = parseArgs({
  options: {
    files: { type: 'string', default: '100000' },
    // 2 196 leaves, 50 to a parent: 2 241 directories with /bench and the 44 parents.
    dirs: { type: 'string', default: '2196' },
    rtt: { type: 'string', default: '0,25' },
    's3-rtt': { type: 'string', default: '0' },
    repeat: { type: 'string', default: '3' },
    only: { type: 'string', default: 'webdav,s3' },
    root: { type: 'string', default: '/tmp/dc-bench-listers' },
  },
});
const files = Number(values.files);
const leafDirs = Number(values.dirs);
const repeat = Math.max(1, Number(values.repeat));
const list = (s: string) => s.split(',').filter(Boolean).map(Number);
const only = new Set(values.only!.split(','));
const SITE = 'T2_XX_Bench';
const PROPFIND_IN_FLIGHT = 64;

interface Row {
  server: 'webdav' | 's3';
  rtt: number;
  name: string;
  run: () => Promise<ProcessResult>;
  /** What a correct run prints: files, or the JSON a child reports. */
  expectLines: number;
  times: number[];
  rss: number[];
  problems: Set<string>;
}

requireBuild();
const tree = generateTree(values.root!, files, leafDirs);
console.error(`tree: ${tree.files} files in ${tree.dirs} directories at ${tree.dataDir}`);
const work = mkdtempSync(join(values.root!, 'whole-'));
const rcloneConfig = join(work, 'rclone.conf');
// An empty configuration file: remotes come from RCLONE_CONFIG_* variables only, never a user's own file.
writeFileSync(rcloneConfig, '');
const load = watchLoad();
const stops: (() => Promise<void>)[] = [];
const rows: Row[] = [];
const row = (server: Row['server'], rtt: number, name: string, expectLines: number, run: () => Promise<ProcessResult>) =>
  rows.push({ server, rtt, name, run, expectLines, times: [], rss: [], problems: new Set() });

async function delayed(port: number, rtt: number): Promise<number> {
  if (rtt === 0) return port;
  const p: DelayProxy = await startDelayProxy({ targetHost: '127.0.0.1', targetPort: port, rttMs: rtt });
  stops.push(() => p.close());
  return p.port;
}

const ours = (dir: string, site: Record<string, unknown>, env?: NodeJS.ProcessEnv) => {
  const cwd = writeConfig(join(work, dir), { RootPath: '/bench', Sites: { [SITE]: site } });
  return () => runCommand(['list', SITE], { cwd, env });
};
/**
 * The PROPFIND walk in a child process (the delay proxy runs in this one). Its start-up through tsx
 * is not charged: seconds and files are the ones it reports, from its first request.
 */
async function propfindWalk(origin: string): Promise<ProcessResult> {
  let out = '';
  const child = fileURLToPath(new URL('./listers-propfind-child.ts', import.meta.url));
  const r = await runProcess([process.execPath, '--import', 'tsx', child, origin, '/bench', String(PROPFIND_IN_FLIGHT)], { onStdout: (b) => (out += b.toString('utf8')) });
  if (r.code !== 0) return r;
  const walked = JSON.parse(out) as { files: number; seconds: number };
  return { ...r, seconds: walked.seconds, lines: walked.files };
}

/** rclone's environment: its remotes; AWS_CA_BUNDLE left out (rclone 1.60's S3 backend refuses to start with it: "unsupported transport"; the servers are plain http). */
function rcloneEnv(remote: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...remote };
  delete env.AWS_CA_BUNDLE;
  return env;
}
const rclone = (remote: Record<string, string>, args: string[]) => () => runProcess(['rclone', '--config', rcloneConfig, 'lsl', ...args], { env: rcloneEnv(remote) });

try {
  if (only.has('webdav')) {
    const ng = await startNginx({ dataDir: tree.dataDir });
    stops.push(() => ng.stop());
    const ngPort = Number(new URL(ng.httpUrl).port);
    for (const rtt of list(values.rtt!)) {
      const port = await delayed(ngPort, rtt);
      const origin = `http://127.0.0.1:${port}`;
      const env = { RCLONE_CONFIG_DCNG_TYPE: 'webdav', RCLONE_CONFIG_DCNG_URL: origin };
      row('webdav', rtt, 'dynamo-consistency list (default config)', tree.files, ours(`webdav-${rtt}`, { Url: `${origin}/` }));
      row('webdav', rtt, `PROPFIND walk, ${PROPFIND_IN_FLIGHT} in flight (no lister code; timed from its first request)`, tree.files, () => propfindWalk(origin));
      row('webdav', rtt, 'rclone lsl', tree.files, rclone(env, ['dcng:bench']));
      row('webdav', rtt, 'rclone lsl --checkers 64', tree.files, rclone(env, ['--checkers', '64', 'dcng:bench']));
    }
  }
  if (only.has('s3')) {
    const s3 = await startS3Server({ bucket: 'bench' });
    stops.push(() => s3.stop());
    console.error('seeding s3rver …');
    await seedObjects(s3, tree.objects());
    const s3Port = Number(new URL(s3.endpoint).port);
    const keys = { AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey };
    for (const rtt of list(values['s3-rtt']!)) {
      const endpoint = `http://127.0.0.1:${await delayed(s3Port, rtt)}`;
      const env = {
        RCLONE_CONFIG_DCS3_TYPE: 's3',
        RCLONE_CONFIG_DCS3_PROVIDER: 'Other',
        RCLONE_CONFIG_DCS3_ENDPOINT: endpoint,
        RCLONE_CONFIG_DCS3_ACCESS_KEY_ID: keys.AWS_ACCESS_KEY_ID,
        RCLONE_CONFIG_DCS3_SECRET_ACCESS_KEY: keys.AWS_SECRET_ACCESS_KEY,
        RCLONE_CONFIG_DCS3_FORCE_PATH_STYLE: 'true',
      };
      row('s3', rtt, 'dynamo-consistency list (default config)', tree.files, ours(`s3-${rtt}`, { Url: 's3://bench/', S3Endpoint: endpoint }, { ...process.env, ...keys }));
      row('s3', rtt, 'rclone lsl --fast-list --use-server-modtime', tree.files, rclone(env, ['--fast-list', '--use-server-modtime', 'dcs3:bench/bench']));
      row('s3', rtt, 'rclone lsl --fast-list --use-server-modtime --checkers 64', tree.files, rclone(env, ['--fast-list', '--use-server-modtime', '--checkers', '64', 'dcs3:bench/bench']));
    }
  }
  // Rounds: every row once a round, rows interleaved, medians printed (the machine is shared).
  for (let round = 0; round < repeat; round++) {
    for (const r of rows) {
      const res = await r.run();
      r.times.push(res.seconds);
      r.rss.push(res.maxRssMb);
      if (res.code !== 0) r.problems.add(`exit ${res.code}: ${res.stderr.trim().split('\n').slice(-1)[0]}`);
      else if (res.lines !== r.expectLines) r.problems.add(`${res.lines} lines, expected ${r.expectLines}`);
      if (/MaxListenersExceededWarning/.test(res.stderr)) r.problems.add('MaxListenersExceededWarning on stderr');
      console.error(`  ${r.server} +${r.rtt} ms ${r.name}: ${res.seconds.toFixed(2)} s, ${res.maxRssMb.toFixed(0)} MB`);
    }
  }
} finally {
  for (const stop of stops.reverse()) await stop();
  load.stop();
  rmSync(work, { recursive: true, force: true });
}

console.log(`\n${tree.files} files in ${tree.dirs} directories; median of ${repeat} rounds; whole processes (start-up included); ${machineLine()}; ${load.summary()}\n`);
console.log('| server | added RTT | run | seconds | peak RSS MB | × ours | note |');
console.log('|---|---|---|---|---|---|---|');
const ok = (r: Row) => r.problems.size === 0 || [...r.problems].every((p) => p.startsWith('MaxListeners'));
for (const r of rows) {
  const mine = rows.find((o) => o.server === r.server && o.rtt === r.rtt && o.name.startsWith('dynamo-consistency'))!;
  const ratio = ok(r) ? (median(r.times) / median(mine.times)).toFixed(2) : 'failed';
  console.log(`| ${r.server === 'webdav' ? 'WebDAV (nginx)' : 'S3 (s3rver)'} | ${r.rtt} ms | ${r.name} | ${median(r.times).toFixed(2)} | ${Math.max(...r.rss).toFixed(0)} | ${ratio} | ${[...r.problems].join('; ')} |`);
}
console.log('');
for (const server of ['webdav', 's3'] as const) {
  for (const rtt of new Set(rows.filter((r) => r.server === server).map((r) => r.rtt))) {
    // A run that failed or printed the wrong count is no baseline: ratios use correct runs only.
    const here = rows.filter((r) => r.server === server && r.rtt === rtt && ok(r));
    const mine = here.find((r) => r.name.startsWith('dynamo-consistency'));
    if (!mine) {
      console.log(`${server} +${rtt} ms: dynamo-consistency list failed; no ratios`);
      continue;
    }
    const m = median(mine.times);
    const mineRss = Math.max(...mine.rss);
    const parts = [`${server} +${rtt} ms:`];
    const walk = here.find((r) => r.name.startsWith('PROPFIND'));
    if (walk) {
      const x = m / median(walk.times);
      parts.push(`ours / PROPFIND walk = ${x.toFixed(2)}${rtt === 25 ? ` (target ≤ 1.25: ${x <= 1.25 ? 'met' : 'MISSED'})` : ''}`);
    }
    const rc = here.filter((r) => r.name.startsWith('rclone'));
    if (rc.length) {
      const fastest = Math.min(...rc.map((r) => median(r.times)));
      const rcRss = Math.min(...rc.map((r) => Math.max(...r.rss)));
      parts.push(`fastest rclone / ours = ${(fastest / m).toFixed(2)} (target > 1: ${fastest > m ? 'met' : 'MISSED'})`);
      parts.push(`ours RSS / rclone's = ${(mineRss / rcRss).toFixed(2)} (target ≤ 2: ${mineRss <= 2 * rcRss ? 'met' : 'MISSED'})`);
    }
    console.log(parts.join('   '));
  }
}
