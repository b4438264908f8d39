/** roots:// against a real xrootd 5.5 server with `xrd.tls`: in-protocol TLS upgrade, CA directory. */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { DcError } from '../../../src/core/errors.ts';
import { XrootdLister } from '../../../src/listers/xrootd/xrootd-lister.ts';
import { createLister } from '../../../src/listers/registry.ts';
import { siteBackend } from '../../helpers/backend-site.ts';
import { startXrootd, type XrootdServer } from '../../servers/xrootd-server.ts';

async function names(l: { listDir(p: string, s: AbortSignal): AsyncIterable<{ name: string; size: number }[]> }, path: string) {
  const out: string[] = [];
  for await (const b of l.listDir(path, new AbortController().signal)) out.push(...b.map((e) => `${e.name}:${e.size}`));
  return out.sort();
}

describe('xrootd lister over roots:// (real server with TLS)', () => {
  let dataDir = '';
  let server: XrootdServer;

  before(async () => {
    dataDir = mkdtempSync('/tmp/dctest-xrdtls-');
    chmodSync(dataDir, 0o755);
    mkdirSync(dataDir + '/x/y', { recursive: true });
    writeFileSync(dataDir + '/x/f', 'abc');
    server = await startXrootd({ dataDir, tls: true });
    assert.match(server.url, /^roots:\/\//);
  });

  after(async () => {
    await server?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('lists through TLS when the site names the CA directory', async () => {
    const lister = await createLister(siteBackend({ Url: server.url, NumThreads: 4, Timeout: 10, CaDir: server.caDir }));
    try {
      assert.deepEqual(await names(lister, '/x'), ['f:3', 'y:0']);
    } finally {
      await lister.close();
    }
  });

  it('refuses a server certificate it cannot verify (TLS is really in use)', async () => {
    const lister = new XrootdLister(server.url, { requestTimeoutMs: 5_000, connectTimeoutMs: 5_000, dropRetries: 0 });
    try {
      await assert.rejects(names(lister, '/x'), (e: unknown) => e instanceof DcError && e.code === 'IO' && /TLS|certificate/i.test(e.message));
    } finally {
      await lister.close();
    }
  });
});
