import { spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { XrootdClient } from '../../src/protocols/xrootd/xrootd-client.ts';
import { addExitCleanup, createNetns, type Netns } from './netns.ts';
import { requireBinary, startXrootd, type XrootdServer } from './xrootd-server.ts';

export interface XrootdCluster {
  netns: Netns;
  /** The manager (redirector) as `host:port`, reachable from the host. */
  manager: string;
  /** The data server's address and port as the manager names it in kXR_locate answers. */
  serverHost: string;
  serverPort: number;
  /** The data server disappears: its xrootd and its cmsd killed at once (-9). */
  killDataServer(): Promise<void>;
  stop(): Promise<void>;
}

export interface XrootdClusterOptions {
  /** Served by the data server (`oss.localroot`); must be readable by user xrootd. */
  dataDir: string;
  /** A path the data server holds: the cluster is ready once the manager locates it there. */
  readyPath?: string;
  netns?: Netns;
}

/**
 * A manager (xrootd + cmsd on 1094/3121) and one data server (xrootd + cmsd on 1095) of the Debian
 * xrootd 5.5 in a test namespace, as the real redirect and locate tests need. Resolves once the
 * data server has registered (xrootd logs in to its cmsd on a ~10 s timer, so this takes ~11 s).
 */
export async function startXrootdCluster(o: XrootdClusterOptions): Promise<XrootdCluster> {
  const cmsd = requireBinary('cmsd');
  const id = (flag: string) => Number(spawnSync('id', [flag, 'xrootd'], { encoding: 'utf8' }).stdout.trim());
  const base = mkdtempSync('/tmp/dctest-xrdcluster-');
  const forgetBase = addExitCleanup(() => rmSync(base, { recursive: true, force: true }));
  chmodSync(base, 0o755);
  const ns = o.netns ?? (await createNetns());
  const servers: XrootdServer[] = [];
  const cmsds: ChildProcess[] = [];
  const stop = async () => {
    for (const c of cmsds) c.kill('SIGKILL');
    for (const s of servers.reverse()) await s.stop();
    if (!o.netns) await ns.destroy();
    rmSync(base, { recursive: true, force: true });
    forgetBase();
  };
  try {
    const manager = `${ns.nsAddr}:3121`;
    const roles = [
      { role: 'manager', port: 1094, http: 8443, cms: 'xrd.port 3121' },
      { role: 'server', port: 1095, http: 8444, cms: `oss.localroot ${o.dataDir}` },
    ].map((r) => {
      const admin = `${base}/${r.role}`;
      mkdirSync(admin);
      chownSync(admin, id('-u'), id('-g'));
      return { ...r, admin };
    });
    for (const r of roles) {
      // The xrootd and the cmsd of one node meet through their shared admin path.
      const common = `all.role ${r.role}\nall.manager ${manager}\nall.adminpath ${r.admin}\nall.pidpath ${r.admin}`;
      servers.push(await startXrootd({ netns: ns, port: r.port, httpPort: r.http, dataDir: o.dataDir, extraConfig: common }));
      const cfg = `${base}/${r.role}-cmsd.cfg`;
      // Short cms delays: the default lookup and startup pauses would make tests slow, not better.
      writeFileSync(cfg, `${common}\nall.export /\nxrd.network nodnr\ncms.delay lookup 1 servers 1 startup 1\n${r.cms}\n`);
      cmsds.push(ns.spawn(cmsd, ['-R', 'xrootd', '-c', cfg, '-l', `${r.admin}/cmsd.log`], { stdio: 'ignore' }));
    }
    const probe = new XrootdClient({ host: ns.nsAddr, port: 1094, tlsMode: 'off' }, { requestTimeoutMs: 20_000, maxWaits: 60, maxWaitSeconds: 1 });
    try {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const found = await probe.locate(o.readyPath ?? '/store/').catch(() => []);
        const server = found.find((e) => e.kind === 'server' && e.port === 1095);
        const killDataServer = async () => {
          cmsds[1].kill('SIGKILL');
          await servers[1].kill();
        };
        if (server) return { netns: ns, manager: `${ns.nsAddr}:1094`, serverHost: server.host, serverPort: 1095, killDataServer, stop };
        if (Date.now() > deadline) {
          const logs = roles.map((r) => `--- ${r.role} cmsd:\n${readFileSync(`${r.admin}/cmsd.log`, 'utf8').slice(-1500)}`).join('\n');
          throw new Error(`the data server never registered with the manager\n${logs}`);
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      probe.destroy();
    }
  } catch (err) {
    await stop();
    throw err;
  }
}
