/**
 * Real kXR_redirect and door discovery: a manager (xrootd + cmsd) and a data server (xrootd + cmsd)
 * of xrootd 5.5 in one test namespace; the manager redirects a stat to the data server holding the
 * file, and kXR_locate on the manager names that server (door discovery).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { XrootdClient } from '../../../src/protocols/xrootd/xrootd-client.ts';
import { XrootdLister } from '../../../src/listers/xrootd/xrootd-lister.ts';
import { createNetns, type Netns } from '../../servers/netns.ts';
import { requireBinary, startXrootd, type XrootdServer } from '../../servers/xrootd-server.ts';

const CMSD_PORT = 3121;

describe('xrootd lister through a real manager + data server cluster', () => {
  let base = '';
  let ns: Netns;
  const servers: XrootdServer[] = [];
  const cmsds: ChildProcess[] = [];
  let managerUrl = '';

  before(async () => {
    const cmsd = requireBinary('cmsd');
    const id = (flag: string) => Number(spawnSync('id', [flag, 'xrootd'], { encoding: 'utf8' }).stdout.trim());
    base = mkdtempSync('/tmp/dctest-xrdcluster-');
    chmodSync(base, 0o755);
    const data = `${base}/data`;
    mkdirSync(`${data}/store/d/sub`, { recursive: true });
    chmodSync(data, 0o755);
    writeFileSync(`${data}/store/d/f1`, 'abc');
    writeFileSync(`${data}/store/d/f 2#`, '');
    ns = await createNetns();
    const manager = `${ns.nsAddr}:${CMSD_PORT}`;
    const admin = (name: string) => {
      const d = `${base}/${name}`;
      mkdirSync(d);
      chownSync(d, id('-u'), id('-g'));
      return d;
    };
    const roles = [
      { role: 'manager', port: 1094, http: 8443, admin: admin('manager'), cms: `xrd.port ${CMSD_PORT}` },
      { role: 'server', port: 1095, http: 8444, admin: admin('server'), cms: `oss.localroot ${data}` },
    ];
    for (const r of roles) {
      // The xrootd and the cmsd of one node meet through their shared admin path.
      const common = `all.role ${r.role}\nall.manager ${manager}\nall.adminpath ${r.admin}\nall.pidpath ${r.admin}`;
      servers.push(await startXrootd({ netns: ns, port: r.port, httpPort: r.http, dataDir: data, extraConfig: common }));
      const cfg = `${base}/${r.role}-cmsd.cfg`;
      // Short cms delays: the default lookup and startup pauses would make the test slow, not better.
      writeFileSync(cfg, `${common}\nall.export /\nxrd.network nodnr\ncms.delay lookup 1 servers 1 startup 1\n${r.cms}\n`);
      cmsds.push(ns.spawn(cmsd, ['-R', 'xrootd', '-c', cfg, '-l', `${r.admin}/cmsd.log`], { stdio: 'ignore' }));
    }
    managerUrl = `root://${ns.nsAddr}:1094`;
    // The data server's cmsd needs a moment to log in; until then the manager answers kXR_wait.
    const probe = new XrootdClient({ host: ns.nsAddr, port: 1094, tlsMode: 'off' }, { requestTimeoutMs: 20_000, maxWaits: 60, maxWaitSeconds: 1 });
    try {
      // xrootd logs in to its cmsd on a ~10 s timer: registration takes that long at least.
      const deadline = Date.now() + 60_000;
      for (;;) {
        const found = await probe.locate('/store/d/f1').catch(() => []);
        if (found.some((e) => e.kind === 'server' && e.port === 1095)) break;
        if (Date.now() > deadline) {
          const logs = roles.map((r) => `--- ${r.role} cmsd:\n${readFileSync(`${r.admin}/cmsd.log`, 'utf8').slice(-1500)}`).join('\n');
          throw new Error(`the data server never registered with the manager\n${logs}`);
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      probe.destroy();
    }
  });

  after(async () => {
    for (const c of cmsds) c.kill('SIGKILL');
    for (const s of servers.reverse()) await s.stop();
    await ns?.destroy();
    if (base) rmSync(base, { recursive: true, force: true });
  });

  it('lists through the manager and follows its kXR_redirect to the data server for stat', async () => {
    const client = new XrootdClient({ host: ns.nsAddr, port: 1094, tlsMode: 'off' }, { requestTimeoutMs: 20_000, maxWaitSeconds: 1 });
    try {
      const names: string[] = [];
      for await (const b of client.dirlist('/store/d')) names.push(...b.map((e) => `${e.name}:${e.stat?.size}`));
      assert.deepEqual(names.sort(), ['f 2#:0', 'f1:3', 'sub:0']);
      const afterList = client.counters.redirects;
      assert.equal((await client.stat('/store/d/f1')).size, 3);
      // The 5.5 manager answers dirlist itself but redirects stat to the server holding the file.
      assert.ok(client.counters.redirects > afterList, `stat followed no redirect (${JSON.stringify(client.counters)})`);
    } finally {
      client.destroy();
    }
  });

  it('discovers the data server with kXR_locate and lists through it (UseLoadBalancer false)', async () => {
    const lister = new XrootdLister(managerUrl, { useLoadBalancer: false, requestTimeoutMs: 20_000, maxWaitSeconds: 1 });
    try {
      const names: string[] = [];
      for await (const b of lister.listDir('/store/d', new AbortController().signal)) names.push(...b.map((e) => e.name));
      assert.deepEqual(names.sort(), ['f 2#', 'f1', 'sub']);
    } finally {
      await lister.close();
    }
  });
});
