import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { connect } from 'node:net';
import { startXrootd } from '../../servers/xrootd-server.ts';

const xrdEnv = { ...process.env, XRD_CONNECTIONRETRY: '1', XRD_CONNECTIONWINDOW: '2' };

function tcpConnect(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve();
    });
    s.once('error', reject);
  });
}

function namespaceExists(name: string): boolean {
  return spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n').some((l) => l.split(' ')[0] === name);
}

describe('xrootd test server', () => {
  it('serves its data dir over root:// inside its namespace and is reachable from the host', async () => {
    const srv = await startXrootd();
    try {
      mkdirSync(`${srv.dataDir}/store/a b`, { recursive: true });
      writeFileSync(`${srv.dataDir}/store/a b/f.root`, 'abc');
      await tcpConnect(srv.host, srv.port);
      await tcpConnect(srv.host, srv.httpPort);
      const ls = await srv.netns.exec('xrdfs', [`127.0.0.1:${srv.port}`, 'ls', '/'], { env: xrdEnv });
      assert.equal(ls.code, 0, ls.stderr);
      assert.deepEqual(ls.stdout.trim().split('\n'), ['/store']);
      const deep = await srv.netns.exec('xrdfs', [`127.0.0.1:${srv.port}`, 'ls', '-l', '/store/a b'], { env: xrdEnv });
      assert.match(deep.stdout, / 3 \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \/store\/a b\/f\.root\n$/);
    } finally {
      await srv.stop();
    }
    assert.equal(namespaceExists(srv.netns.name), false, 'namespace deleted');
    assert.equal(existsSync(srv.dataDir), false, 'own data dir removed');
  });

  it('runs two servers side by side in distinct namespaces and subnets', async () => {
    const [a, b] = [await startXrootd(), await startXrootd()];
    try {
      assert.notEqual(a.netns.name, b.netns.name);
      assert.notEqual(a.host, b.host);
      await tcpConnect(a.host, a.port);
      await tcpConnect(b.host, b.port);
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it('kill() leaves a dead port, restart() brings the server back', async () => {
    const srv = await startXrootd();
    try {
      await srv.kill();
      await assert.rejects(tcpConnect(srv.host, srv.port));
      await srv.restart();
      await tcpConnect(srv.host, srv.port);
    } finally {
      await srv.stop();
    }
  });

  it('speaks roots:// and https with its own CA when tls is on', async () => {
    const srv = await startXrootd({ tls: true });
    try {
      writeFileSync(`${srv.dataDir}/x`, '12345');
      assert.ok(srv.url.startsWith('roots://'));
      const ls = await srv.netns.exec('xrdfs', [`roots://127.0.0.1:${srv.port}`, 'ls', '-l', '/'], { env: { ...xrdEnv, X509_CERT_DIR: srv.caDir } });
      assert.equal(ls.code, 0, ls.stderr);
      assert.match(ls.stdout, / 5 .* \/x\n/);
      const status = await new Promise<number>((resolve, reject) => {
        const req = request(`${srv.httpUrl}/`, { method: 'PROPFIND', headers: { Depth: '1' }, ca: readFileSync(srv.caFile!) }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end();
      });
      assert.equal(status, 207);
    } finally {
      await srv.stop();
    }
  });
});
