/**
 * WebDAV lister against a real nginx for what the conformance suite does not cover: X.509 client
 * certificates, bearer tokens checked by the server, the registry's schemes, and nginx's 500 for an
 * unreadable directory (retried, then unlisted as IO).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebdavLister } from '../../../src/listers/webdav/webdav-lister.ts';
import { createLister } from '../../../src/listers/registry.ts';
import { siteBackend } from '../../helpers/backend-site.ts';
import { walk } from '../../../src/listers/walker.ts';
import { DcError } from '../../../src/core/errors.ts';
import { startNginx, type NginxServer } from '../../servers/nginx-server.ts';

async function names(lister: { listDir(p: string, s: AbortSignal): AsyncIterable<{ name: string }[]> }, path: string): Promise<string[]> {
  const out: string[] = [];
  for await (const b of lister.listDir(path, new AbortController().signal)) out.push(...b.map((e) => e.name));
  return out.sort();
}

describe('webdav lister against nginx: credentials and server errors', () => {
  let data = '';
  let certServer: NginxServer;
  let tokenServer: NginxServer;
  const toClose: { close(): Promise<void> }[] = [];
  before(async () => {
    data = await mkdtemp(join(tmpdir(), 'dc-webdav-nginx-'));
    await chmod(data, 0o755);
    await mkdir(join(data, 'store/ok'), { recursive: true });
    await mkdir(join(data, 'store/unreadable/inner'), { recursive: true });
    await writeFile(join(data, 'store/ok/a.root'), 'aaa');
    await writeFile(join(data, 'store/b.root'), 'b');
    await chmod(join(data, 'store/unreadable'), 0o000); // nginx workers run as nobody
    certServer = await startNginx({ dataDir: data, requireClientCert: true });
    tokenServer = await startNginx({ dataDir: data, bearerTokens: ['good-token-1'] });
  });
  after(async () => {
    for (const c of toClose) await c.close();
    await certServer?.stop();
    await tokenServer?.stop();
    await chmod(join(data, 'store/unreadable'), 0o755).catch(() => undefined);
    await rm(data, { recursive: true, force: true });
  });
  const make = async (o: Parameters<typeof WebdavLister.create>[0]) => {
    const l = await WebdavLister.create(o);
    toClose.push(l);
    return l;
  };

  it('lists with an X.509 client certificate and a CA directory', async () => {
    const l = await make({ url: certServer.httpsUrl.replace('https:', 'davs:'), concurrency: 2, timeoutSeconds: 10, tls: { certFile: certServer.clientCert, keyFile: certServer.clientKey, caDir: certServer.caDir } });
    assert.deepEqual(await names(l, '/store/ok'), ['a.root']);
  });

  it('accepts a proxy-style file holding certificate and key together', async () => {
    const { readFile } = await import('node:fs/promises');
    const proxy = join(data, 'proxy.pem');
    await writeFile(proxy, (await readFile(certServer.clientCert, 'utf8')) + (await readFile(certServer.clientKey, 'utf8')), { mode: 0o600 });
    const l = await make({ url: certServer.httpsUrl, concurrency: 1, timeoutSeconds: 10, tls: { certFile: proxy, caFile: certServer.caFile } });
    assert.deepEqual(await names(l, '/store/ok'), ['a.root']);
  });

  it('is refused without a client certificate where one is required', async () => {
    const l = await make({ url: certServer.httpsUrl, concurrency: 1, timeoutSeconds: 10, tls: { caDir: certServer.caDir } });
    // nginx answers 400 ("No required SSL certificate was sent"), which is PROTOCOL here.
    await assert.rejects(names(l, '/store/ok'), (err: unknown) => err instanceof DcError && err.code === 'PROTOCOL' && /HTTP 400/.test(err.message));
  });

  it('refuses a server certificate from an unknown CA', async () => {
    const l = await make({ url: tokenServer.httpsUrl, concurrency: 1, timeoutSeconds: 10 });
    await assert.rejects(names(l, '/store/ok'), (err: unknown) => err instanceof DcError && err.code === 'IO');
  });

  it('sends the bearer token from the file; a wrong token is PERMISSION and never printed', async () => {
    const good = join(data, 'good.tok');
    const bad = join(data, 'bad.tok');
    await writeFile(good, 'good-token-1\n');
    await writeFile(bad, 'wrong-token-SECRET\n');
    const ok = await make({ url: tokenServer.httpUrl, concurrency: 1, timeoutSeconds: 10, bearerTokenFile: good });
    assert.deepEqual(await names(ok, '/store'), ['b.root', 'ok', 'unreadable']);
    const ko = await make({ url: tokenServer.httpUrl, concurrency: 1, timeoutSeconds: 10, bearerTokenFile: bad });
    await assert.rejects(names(ko, '/store'), (err: unknown) => err instanceof DcError && err.code === 'PERMISSION' && !err.message.includes('SECRET'));
  });

  it('is picked by the registry for davs, https, dav and http', async () => {
    for (const url of [certServer.httpsUrl.replace('https:', 'davs:'), certServer.httpsUrl, tokenServer.httpUrl.replace('http:', 'dav:'), tokenServer.httpUrl]) {
      const l = await createLister(siteBackend({ Url: url, NumThreads: 1, Timeout: 5 }));
      toClose.push(l);
      assert.equal(l.kind, 'webdav', url);
    }
  });

  it('retries an unreadable directory (nginx answers 500) and reports it unlisted as IO, siblings complete', async () => {
    const good = join(data, 'good2.tok');
    await writeFile(good, 'good-token-1');
    const l = await make({ url: tokenServer.httpUrl, concurrency: 2, timeoutSeconds: 10, bearerTokenFile: good });
    const unlisted: { lfn: string; code: string; attempts: number }[] = [];
    const files: string[] = [];
    for await (const ev of walk(l, { tops: ['/store'], concurrency: 2, retries: 2, timeoutMs: 10_000, retryDelayMs: 5 })) {
      if (ev.type === 'unlisted') unlisted.push({ lfn: ev.lfn, code: ev.code, attempts: ev.attempts });
      if (ev.type === 'files') files.push(...ev.files.map((f) => f.lfn));
    }
    assert.deepEqual(unlisted, [{ lfn: '/store/unreadable', code: 'IO', attempts: 3 }]);
    assert.deepEqual(files.sort(), ['/store/b.root', '/store/ok/a.root']);
  });
});
