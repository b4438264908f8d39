/**
 * The walker's level against an XRootD server that answers kXR_wait when too many requests are
 * pending (issue 13): a scripted in-process server, since a real one does not do it on demand. The
 * client honours each wait and asks again; the walker learns of it through `watchPushback`.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { createXrootdLister } from '../../../src/listers/xrootd/xrootd-lister.ts';
import { walk, type WalkProgress } from '../../../src/listers/walker.ts';
import { siteDefaults } from '../../../src/config/config-defaults.ts';
import { backendSite, siteFromKeys } from '../../../src/config/config-loader.ts';
import * as B from '../protocols/xrootd/xrootd-frame-builder.ts';
import { startFakeServer, type FakeServer } from '../protocols/xrootd/xrootd-fake-server.ts';

const DIRS = 800;
const FILES = 3;
/** Pending requests above which the server answers kXR_wait instead of queueing another. */
const BUSY_ABOVE = 24;
const SERVICE_MS = 20;

describe('xrootd walk against a server that answers kXR_wait under load', () => {
  let server: FakeServer | undefined;
  after(async () => server?.close());

  it('backs off (the level is cut, never reaching the ceiling) and still lists every directory', async () => {
    let pending = 0;
    let waits = 0;
    server = await startFakeServer((r, c) => {
      const path = B.text(r.data).split('?')[0];
      if (r.requestId === 3017) return c.send(B.response(r.streamId, 0, [...B.ascii(B.statLine(0, true, 1_700_000_000)), 0]));
      if (r.requestId !== 3004) return c.send(B.errorReply(r.streamId, 3013, 'unsupported'));
      if (pending >= BUSY_ABOVE) {
        waits++;
        return c.send(B.waitReply(r.streamId, 0, 'busy'));
      }
      pending++;
      const list =
        path === '/store'
          ? Array.from({ length: DIRS }, (_, i) => ({ name: `d${i}`, size: 0, isDir: true, mtime: 1_700_000_000 }))
          : Array.from({ length: FILES }, (_, i) => ({ name: `f${i}.root`, size: 10, isDir: false, mtime: 1_700_000_000 }));
      setTimeout(() => {
        pending--;
        c.send(B.response(r.streamId, 0, [...B.ascii(B.dstatText(list)), 0]));
      }, SERVICE_MS);
    });
    const lister = createXrootdLister(backendSite(siteFromKeys('T2_XX_Pace', { Url: `root://${server.host}:${server.port}/`, Timeout: 30 }), {}));
    let last: WalkProgress | undefined;
    const files = new Set<string>();
    try {
      for await (const ev of walk(lister, { tops: ['/store'], concurrency: siteDefaults.NumThreads, retries: 1, timeoutMs: 30_000, onProgress: (p) => (last = p) })) {
        if (ev.type === 'files') for (const f of ev.files) files.add(f.lfn);
        assert.notEqual(ev.type, 'unlisted');
      }
    } finally {
      await lister.close();
    }
    assert.equal(files.size, DIRS * FILES, 'every file of every directory');
    const pace = last!.pace;
    assert.ok(waits > 0, `the server did answer kXR_wait: ${JSON.stringify(pace)}`);
    assert.ok(pace.pushbacks > 0 && pace.backoffs > 0, JSON.stringify(pace));
    assert.ok(pace.peak < siteDefaults.NumThreads, JSON.stringify(pace));
  });
});
