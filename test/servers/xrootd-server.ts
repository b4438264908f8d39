import { spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, chmodSync, chownSync, constants, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { addExitCleanup, createNetns, type Netns } from './netns.ts';
import { makeTestCa } from './test-ca.ts';

export interface XrootdServerOptions {
  /** Directory served as the URL root (`oss.localroot`). A fresh empty one when absent. */
  dataDir?: string;
  /** Adds `xrd.tls` with a self-signed CA: `roots://` on `port`, https on `httpPort`. */
  tls?: boolean;
  /** Appended verbatim to the generated configuration. */
  extraConfig?: string;
  /** Ports inside the namespace; the namespace is private, so fixed defaults never collide. */
  port?: number;
  httpPort?: number;
  /** Reuse a namespace (several servers side by side); it is then not destroyed by stop(). */
  netns?: Netns;
}

export interface XrootdServer {
  /** Namespace address the host connects to. */
  host: string;
  port: number;
  /** XrdHttp (WebDAV) door: http://host:httpPort/, or https with tls. */
  httpPort: number;
  dataDir: string;
  netns: Netns;
  /** `root://host:port` (or `roots://` with tls), no trailing slash. */
  url: string;
  /** `http(s)://host:httpPort`, no trailing slash. */
  httpUrl: string;
  /** With tls: the CA certificate file and the hashed CA directory clients should trust. */
  caFile?: string;
  caDir?: string;
  /** Server log so far (for failure messages). */
  log(): string;
  /** SIGTERM the server, then remove the namespace and every temporary directory. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL the server at once but keep the namespace: clients now see a dead port. */
  kill(): Promise<void>;
  /** Starts the server again on the same ports and data after kill(). */
  restart(): Promise<void>;
  /** Sends the running server a signal (SIGSTOP / SIGCONT: a server frozen, then thawed). */
  signal(sig: NodeJS.Signals): void;
}

const SETUP_HINT = 'run scripts/setup-system.sh as root (installs xrootd-server, xrootd-client, python3-xrootd)';

/** Fails with the way to get the binary instead of letting a test skip or hang. */
export function requireBinary(name: string): string {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(':').concat(['/usr/bin', '/usr/sbin'])) {
    const p = join(dir || '.', name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not in this directory
    }
  }
  throw new Error(`${name} is not installed: ${SETUP_HINT}`);
}

function xrootdUser(): { uid: number; gid: number } {
  const r = spawnSync('id', ['-u', 'xrootd'], { encoding: 'utf8' });
  const g = spawnSync('id', ['-g', 'xrootd'], { encoding: 'utf8' });
  if (r.status !== 0 || g.status !== 0) throw new Error(`user xrootd does not exist: ${SETUP_HINT}`);
  return { uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
}

/** The server drops to user xrootd, so the data root must be readable and searchable by it. */
function checkReadableByXrootd(dir: string): void {
  const r = spawnSync('runuser', ['-u', 'xrootd', '--', 'test', '-r', dir, '-a', '-x', dir]);
  if (r.status !== 0) {
    throw new Error(`data dir ${dir} is not readable by user xrootd (the server runs as xrootd): chmod a+rx it and its parents`);
  }
}

export function waitForPort(host: string, port: number, timeoutMs: number, isDead: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const dead = isDead();
      if (dead) return reject(new Error(dead));
      const s = connect({ host, port });
      s.once('connect', () => {
        s.destroy();
        resolve();
      });
      s.once('error', () => {
        s.destroy();
        if (Date.now() > deadline) reject(new Error(`nothing accepts connections on ${host}:${port} after ${timeoutMs} ms`));
        else setTimeout(attempt, 20);
      });
    };
    attempt();
  });
}

function configText(o: { port: number; httpPort: number; dataDir: string; runDir: string; tls?: { cert: string; key: string; caDir: string }; extra?: string }): string {
  const lines = [
    `xrd.port ${o.port}`,
    // No reverse DNS: inside the namespace there is no resolver, and lookups would only stall.
    'xrd.network nodnr',
    'all.export /',
    `oss.localroot ${o.dataDir}`,
    `all.adminpath ${o.runDir}`,
    `all.pidpath ${o.runDir}`,
    `xrd.protocol XrdHttp:${o.httpPort} libXrdHttp.so`,
    'http.listingdeny no',
  ];
  if (o.tls) lines.push(`xrd.tls ${o.tls.cert} ${o.tls.key}`, `xrd.tlsca certdir ${o.tls.caDir}`);
  if (o.extra) lines.push(o.extra);
  return lines.join('\n') + '\n';
}

/**
 * Runs the Debian xrootd 5.5 server in the foreground inside its own network namespace as user
 * xrootd, with the XrdHttp WebDAV door on a second port, and resolves once both ports accept.
 */
export async function startXrootd(opts: XrootdServerOptions = {}): Promise<XrootdServer> {
  const xrootdBin = requireBinary('xrootd');
  const user = xrootdUser();
  const port = opts.port ?? 1094;
  const httpPort = opts.httpPort ?? 8443;

  const runDir = mkdtempSync('/tmp/dctest-xrootd-');
  chmodSync(runDir, 0o755);
  chownSync(runDir, user.uid, user.gid);
  const forgetRunDir = addExitCleanup(() => rmSync(runDir, { recursive: true, force: true }));
  const ownData = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? join(runDir, 'data');
  if (ownData) mkdirSync(dataDir);
  let netns: Netns | undefined;
  try {
    if (ownData) chmodSync(dataDir, 0o755);
    checkReadableByXrootd(dataDir);
    netns = opts.netns ?? (await createNetns());
    const ns = netns;
    let tls: { cert: string; key: string; caDir: string; caFile: string } | undefined;
    if (opts.tls) {
      tls = makeTestCa(join(runDir, 'tls'), [ns.nsAddr, '127.0.0.1'], user);
    }
    const cfgPath = join(runDir, 'xrootd.cfg');
    writeFileSync(cfgPath, configText({ port, httpPort, dataDir, runDir, tls, extra: opts.extraConfig }));
    const logPath = join(runDir, 'xrootd.log');

    let child: ChildProcess | undefined;
    let exitNote: string | undefined;
    let stderr = '';
    const log = () => {
      let text = '';
      try {
        text = readFileSync(logPath, 'utf8');
      } catch {
        // not written yet
      }
      return text + stderr;
    };
    const launchOnce = async () => {
      exitNote = undefined;
      const c = ns.spawn(xrootdBin, ['-R', 'xrootd', '-c', cfgPath, '-l', logPath], { stdio: ['ignore', 'ignore', 'pipe'] });
      child = c;
      c.stderr?.setEncoding('utf8');
      c.stderr?.on('data', (d: string) => {
        if (stderr.length < 65536) stderr += d;
      });
      c.once('exit', (code, sig) => {
        exitNote = `xrootd exited (code ${code}, signal ${sig})`;
      });
      c.once('error', (err) => {
        exitNote = `xrootd could not start: ${err.message}`;
      });
      const dead = () => (exitNote ? `${exitNote} before accepting connections; log:\n${log().slice(-4000)}` : undefined);
      await waitForPort(ns.nsAddr, port, 15_000, dead);
      await waitForPort(ns.nsAddr, httpPort, 15_000, dead);
    };
    // Seen once in CI: xrootd died of SIGSEGV while starting. A start that crashes (a signal, before
    // any connection) is tried again, twice at most; any other failure to start is reported at once.
    const launch = async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await launchOnce();
        } catch (err) {
          if (attempt >= 3 || !/signal SIG(SEGV|BUS|ABRT|ILL)/.test(exitNote ?? '')) throw err;
          process.stderr.write(`test xrootd: ${exitNote} while starting; starting it again (attempt ${attempt + 1} of 3)\n`);
        }
      }
    };
    const killNow = async (sig: NodeJS.Signals) => {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const gone = new Promise<void>((r) => c.once('exit', () => r()));
      c.kill(sig);
      const timer = setTimeout(() => c.kill('SIGKILL'), 5_000);
      await gone;
      clearTimeout(timer);
    };

    await launch();

    let stopped = false;
    const scheme = tls ? 'roots' : 'root';
    return {
      host: ns.nsAddr,
      port,
      httpPort,
      dataDir,
      netns: ns,
      url: `${scheme}://${ns.nsAddr}:${port}`,
      httpUrl: `${tls ? 'https' : 'http'}://${ns.nsAddr}:${httpPort}`,
      caFile: tls?.caFile,
      caDir: tls?.caDir,
      log,
      kill: () => killNow('SIGKILL'),
      signal: (sig) => {
        if (child && child.exitCode === null && child.signalCode === null) child.kill(sig);
      },
      restart: async () => {
        await killNow('SIGKILL');
        await launch();
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        await killNow('SIGTERM');
        if (!opts.netns) await ns.destroy();
        rmSync(runDir, { recursive: true, force: true });
        forgetRunDir();
      },
    };
  } catch (err) {
    if (netns && !opts.netns) await netns.destroy();
    rmSync(runDir, { recursive: true, force: true });
    forgetRunDir();
    throw err;
  }
}
