/**
 * The walker's level against a WebDAV server that refuses work under load with HTTP 503 or 429
 * (issue 13): an in-process server, since nginx does not do it on cue. The walk backs off and, with
 * its retries, still lists every directory.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { siteDefaults } from '../../../../src/config/config-defaults.ts';
import { WebdavLister } from '../../../../src/listers/webdav/webdav-lister.ts';
import { walk, type WalkProgress } from '../../../../src/listers/walker.ts';
import { HEAD_NGINX, TAIL, nginxResponse } from '../../protocols/webdav/webdav-test-xml.ts';

const MOD = 'Sun, 13 Sep 2020 12:26:40 GMT';
const DIRS = 600;
const FILES = 3;
const BUSY_ABOVE = 24;
const SERVICE_MS = 20;

function answer(path: string): string {
  const dir = path.replace(/\/+$/, '');
  const children =
    dir === '/store'
      ? Array.from({ length: DIRS }, (_, i) => nginxResponse({ href: `${dir}/d${i}/`, dir: true, modified: MOD }))
      : Array.from({ length: FILES }, (_, i) => nginxResponse({ href: `${dir}/f${i}.root`, size: 3, modified: MOD }));
  return HEAD_NGINX + nginxResponse({ href: dir + '/', dir: true, modified: MOD }) + children.join('') + TAIL;
}

describe('webdav walk against a server answering 503/429 under load', () => {
  let server: Server | undefined;
  after(async () => {
    if (server) await new Promise((r) => server!.close(r));
  });

  for (const status of [503, 429]) {
    it(`backs off on HTTP ${status} and still lists every directory`, async () => {
      let pending = 0;
      let refused = 0;
      if (server) await new Promise((r) => server!.close(r));
      server = createServer((req, res) => {
        req.resume();
        req.on('end', () => {
          if (pending >= BUSY_ABOVE) {
            refused++;
            res.writeHead(status, { 'Retry-After': '0' }).end();
            return;
          }
          pending++;
          setTimeout(() => {
            pending--;
            res.writeHead(207, { 'Content-Type': 'application/xml; charset=utf-8' }).end(answer(decodeURIComponent(req.url ?? '/')));
          }, SERVICE_MS);
        });
      });
      await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      const lister = await WebdavLister.create({ url, concurrency: siteDefaults.NumThreads, timeoutSeconds: 30 });
      let last: WalkProgress | undefined;
      const files = new Set<string>();
      try {
        for await (const ev of walk(lister, { tops: ['/store'], concurrency: siteDefaults.NumThreads, retries: 5, retryDelayMs: 20, timeoutMs: 30_000, onProgress: (p) => (last = p) })) {
          assert.notEqual(ev.type, 'unlisted', JSON.stringify(ev));
          if (ev.type === 'files') for (const f of ev.files) files.add(f.lfn);
        }
      } finally {
        await lister.close();
      }
      assert.equal(files.size, DIRS * FILES);
      const pace = last!.pace;
      assert.ok(refused > 0, `the server did refuse: ${JSON.stringify(pace)}`);
      assert.ok(pace.pushbacks > 0 && pace.backoffs > 0, JSON.stringify(pace));
      assert.ok(pace.peak < siteDefaults.NumThreads, JSON.stringify(pace));
    });
  }
});
