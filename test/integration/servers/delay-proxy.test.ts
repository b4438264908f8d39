import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { startDelayProxy, startDelayProxyInNetns } from '../../servers/delay-proxy.ts';
import { startXrootd } from '../../servers/xrootd-server.ts';

/** Sends `msg`, resolves with the reply and the time it took. */
function roundTrip(host: string, port: number, msg: string): Promise<{ reply: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const s: Socket = connect({ host, port });
    let reply = '';
    let t0 = 0;
    s.once('connect', () => {
      t0 = performance.now();
      s.write(msg);
    });
    s.on('data', (d) => {
      reply += d.toString();
      if (reply.length >= msg.length) {
        s.end();
        resolve({ reply, ms: performance.now() - t0 });
      }
    });
    s.on('error', reject);
  });
}

describe('delay proxy', () => {
  it('adds the requested round trip and keeps bytes in order', async () => {
    const echo = createServer((s) => s.pipe(s));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    const proxy = await startDelayProxy({ targetHost: '127.0.0.1', targetPort: (echo.address() as AddressInfo).port, rttMs: 60 });
    try {
      const msg = 'abcdefghij'.repeat(10_000);
      const { reply, ms } = await roundTrip(proxy.host, proxy.port, msg);
      assert.equal(reply, msg);
      assert.ok(ms >= 58 && ms < 400, `round trip took ${ms} ms`);
    } finally {
      await proxy.close();
      echo.close();
    }
  });

  it('runs inside a namespace in front of xrootd, reachable from the host and from inside', async () => {
    const srv = await startXrootd();
    const proxy = await startDelayProxyInNetns(srv.netns, { listenPort: 21094, targetPort: srv.port, rttMs: 50 });
    try {
      const env = { ...process.env, XRD_CONNECTIONRETRY: '1', XRD_CONNECTIONWINDOW: '2' };
      const t0 = performance.now();
      const ls = await srv.netns.exec('xrdfs', ['127.0.0.1:21094', 'ls', '/'], { env });
      assert.equal(ls.code, 0, ls.stderr);
      // Handshake, protocol, login and dirlist: at least three round trips of 50 ms.
      assert.ok(performance.now() - t0 >= 150, `xrdfs through the proxy took ${performance.now() - t0} ms`);
      await new Promise<void>((resolve, reject) => {
        const s = connect({ host: proxy.host, port: proxy.port }, () => {
          s.destroy();
          resolve();
        });
        s.on('error', reject);
      });
    } finally {
      await proxy.close();
      await srv.stop();
    }
  });
});
