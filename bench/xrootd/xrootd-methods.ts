import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { backendSite, siteFromKeys } from '../../src/config/config-loader.ts';
import { createLister } from '../../src/listers/registry.ts';
import { walk } from '../../src/listers/walker.ts';
import type { Netns } from '../../test/servers/netns.ts';
import { runCommand, writeConfig } from '../bench-process.ts';

/** What one listing method reported; every method must find the same numbers. */
export interface MethodResult {
  seconds: number;
  files: number;
  /** NaN where the method does not print directories (the whole `list`: exit 0 says all were listed). */
  dirs: number;
  /** Directories the method says it could not list (xrdfs -R can only say "some"). */
  failed: number | 'some';
}

const XRD_ENV = { ...process.env, XRD_CONNECTIONRETRY: '1', XRD_CONNECTIONWINDOW: '2' };

/** Our lister through the walker, in this process (Node start-up not counted). */
export async function runOurs(url: string, top: string, concurrency: number, accessMethod?: string, command?: string): Promise<MethodResult> {
  const site: Record<string, unknown> = {};
  if (accessMethod) site.AccessMethod = accessMethod;
  if (command) site.XrdfsCommand = command;
  const lister = await createLister(backendSite(siteFromKeys('bench', { Url: url, NumThreads: concurrency, Timeout: 120, ...site }), process.env));
  const t0 = performance.now();
  let files = 0;
  let dirs = 0;
  let failed = 0;
  try {
    for await (const ev of walk(lister, { tops: [top], concurrency, retries: 0, timeoutMs: 120_000 })) {
      if (ev.type === 'files') files += ev.files.length;
      else if (ev.type === 'dir') dirs++;
      else failed++;
    }
  } finally {
    await lister.close();
  }
  return { seconds: (performance.now() - t0) / 1000, files, dirs, failed };
}

/** Runs a command to completion, feeding stdout lines to `onLine`; returns wall seconds and stderr. */
function timedRun(argv: string[], onLine: (line: string) => void, env: NodeJS.ProcessEnv = XRD_ENV): Promise<{ seconds: number; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(argv[0], argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    let stderr = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      const lines = (tail + chunk).split('\n');
      tail = lines.pop()!;
      for (const l of lines) onLine(l);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      if (stderr.length < 100_000) stderr += d;
    });
    child.once('error', reject);
    child.once('close', (code) => {
      if (tail) onLine(tail);
      resolve({ seconds: (performance.now() - t0) / 1000, stderr, code });
    });
  });
}

/** The C++ client's own recursive listing, run inside the namespace (it must not reach a resolver). */
export async function runXrdfsRecursive(netns: Netns, hostPort: string, top: string): Promise<MethodResult> {
  let files = 0;
  let dirs = 1; // xrdfs does not print the top itself
  const r = await timedRun([...netns.prefix, 'xrdfs', hostPort, 'ls', '-l', '-R', top], (line) => {
    if (line.startsWith('d')) dirs++;
    else if (line.startsWith('-')) files++;
  });
  if (r.code !== 0) throw new Error(`xrdfs ls -R failed (exit ${r.code}): ${r.stderr.slice(0, 500)}`);
  return { seconds: r.seconds, files, dirs, failed: /requests failed/i.test(r.stderr) ? 'some' : 0 };
}

/** The seed's method: python bindings under /usr/bin/python3, `threads` threads, dirlist+stat per directory. */
export async function runSeed(netns: Netns, hostPort: string, top: string, threads: number): Promise<MethodResult & { processSeconds: number }> {
  const script = fileURLToPath(new URL('./seed-dirlist.py', import.meta.url));
  let json = '';
  const r = await timedRun([...netns.prefix, '/usr/bin/python3', script, `root://${hostPort}`, top, String(threads)], (line) => {
    if (line.startsWith('{')) json = line;
  });
  if (r.code !== 0 || !json) throw new Error(`seed-dirlist.py failed (exit ${r.code}): ${r.stderr.slice(0, 1000)}`);
  const o = JSON.parse(json) as { files: number; dirs: number; failed: number; seconds: number };
  return { seconds: o.seconds, processSeconds: r.seconds, files: o.files, dirs: o.dirs, failed: o.failed };
}

/**
 * The installed command as a user runs it: `dynamo-consistency list SITE` on the compiled package,
 * a configuration naming only the site's Url and RootPath (no NumThreads or any other tuning key),
 * timed as a whole process with its peak RSS. Without `--dirs` it prints files only; exit 0 is the
 * command's word that every directory was listed (it exits 1 on any unlisted one).
 */
export async function runWholeList(workDir: string, url: string, top: string): Promise<MethodResult & { maxRssMb: number }> {
  const cwd = writeConfig(workDir, { RootPath: top, Sites: { T2_XX_Bench: { Url: url } } });
  const r = await runCommand(['list', 'T2_XX_Bench'], { cwd });
  if (r.code !== 0 && r.code !== 1) throw new Error(`dynamo-consistency list exited ${r.code}: ${r.stderr.slice(-1000)}`);
  return { seconds: r.seconds, files: r.lines, dirs: Number.NaN, failed: r.code === 0 ? 0 : 'some', maxRssMb: r.maxRssMb };
}
