/**
 * WebDAV lister against in-process HTTP servers, for what real servers cannot be made to do on cue:
 * pausing mid-answer, absolute-URL hrefs, redirect chains, token rotation, arbitrary statuses.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebdavLister } from '../../../../src/listers/webdav/webdav-lister.ts';
import { createLister } from '../../../../src/listers/registry.ts';
import { siteBackend } from '../../../helpers/backend-site.ts';
import { DcError } from '../../../../src/core/errors.ts';
import type { DirEntry } from '../../../../src/core/entries.ts';
import { HEAD_NGINX, TAIL, nginxResponse } from '../../protocols/webdav/webdav-test-xml.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

async function serve(handler: Handler): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => void Promise.resolve(handler(req, res)).catch((err) => res.destroy(err)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
}

async function collect(lister: WebdavLister, path: string): Promise<{ entries: DirEntry[]; batches: number }> {
  const entries: DirEntry[] = [];
  let batches = 0;
  for await (const b of lister.listDir(path, new AbortController().signal)) {
    batches++;
    entries.push(...b);
  }
  return { entries, batches };
}

const MOD = 'Sun, 13 Sep 2020 12:26:40 GMT';
const small = (dir: string, names: string[]) =>
  HEAD_NGINX + nginxResponse({ href: dir + '/', dir: true, modified: MOD }) + names.map((n) => nginxResponse({ href: `${dir}/${n}`, size: 3, modified: MOD })).join('') + TAIL;

describe('webdav lister (in-process servers)', () => {
  const servers: Server[] = [];
  const listers: WebdavLister[] = [];
  let tmp = '';
  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'dc-webdav-'));
  });
  after(async () => {
    for (const l of listers) await l.close();
    for (const s of servers) await new Promise((r) => s.close(r));
    await rm(tmp, { recursive: true, force: true });
  });
  const start = async (h: Handler) => {
    const s = await serve(h);
    servers.push(s.server);
    return s.url;
  };
  const lister = async (url: string, extra: Partial<Parameters<typeof WebdavLister.create>[0]> = {}) => {
    const l = await WebdavLister.create({ url, concurrency: 2, timeoutSeconds: 10, ...extra });
    listers.push(l);
    return l;
  };

  it('yields the first batch of a 100 000-entry directory before the server has sent the rest', async () => {
    let release!: () => void;
    const firstBatchSeen = new Promise<void>((r) => (release = r));
    let serverDone = false;
    const url = await start(async (_req, res) => {
      res.writeHead(207, { 'content-type': 'application/xml' });
      res.write(HEAD_NGINX + nginxResponse({ href: '/big/', dir: true }));
      for (let i = 0; i < 100_000; i += 1000) {
        let s = '';
        for (let j = i; j < i + 1000; j++) s += nginxResponse({ href: `/big/f${j}`, size: j, modified: MOD });
        if (!res.write(s)) await new Promise((r) => res.once('drain', r));
        if (i === 5000) await firstBatchSeen; // hold the rest back until the client proved it streams
      }
      res.end(TAIL);
      serverDone = true;
    });
    const l = await lister(url);
    let count = 0;
    let batches = 0;
    let doneAtFirstBatch: boolean | undefined;
    for await (const b of l.listDir('/big', new AbortController().signal)) {
      if (batches++ === 0) {
        doneAtFirstBatch = serverDone;
        release();
      }
      count += b.length;
    }
    assert.equal(doneAtFirstBatch, false, 'first batch arrived while the server still held most of the answer');
    assert.equal(count, 100_000);
    assert.ok(batches >= 50, `${batches} batches`);
  });

  it('lists absolute-URL hrefs (webdav-server style) and skips the self entry', async () => {
    const url = await start((req, res) => {
      const base = `http://${req.headers.host}`;
      res.writeHead(207);
      res.end(HEAD_NGINX + nginxResponse({ href: `${base}/dav/d/`, dir: true }) + nginxResponse({ href: `${base}/dav/d/a%20b.txt`, size: 9, modified: MOD }) + nginxResponse({ href: `${base}/dav/d/sub/`, dir: true, modified: MOD }) + TAIL);
    });
    const got = await collect(await lister(url.replace('http:', 'dav:') + '/dav'), '/d');
    assert.deepEqual(got.entries.sort((a, b) => a.name.localeCompare(b.name)), [
      { name: 'a b.txt', isDir: false, size: 9, mtime: 1600000000 },
      { name: 'sub', isDir: true, size: 0, mtime: 1600000000 },
    ]);
  });

  it('follows redirects to a data node (another origin) without leaking the token over http', async () => {
    const seenAuth: (string | undefined)[] = [];
    const data = await start((req, res) => {
      seenAuth.push(req.headers.authorization);
      res.writeHead(207);
      res.end(small('/pool7/store/d', ['x.root', 'y.root']));
    });
    const head = await start((req, res) => {
      res.writeHead(307, { location: `${data}/pool7${req.url}?authz=SECRET` });
      res.end();
    });
    const tokenFile = join(tmp, 'tok-redirect');
    await writeFile(tokenFile, 'tok-redirect-123\n');
    const got = await collect(await lister(head, { bearerTokenFile: tokenFile }), '/store/d');
    assert.deepEqual(got.entries.map((e) => e.name), ['x.root', 'y.root']);
    assert.deepEqual(seenAuth, [undefined], 'a plain-http redirect to another origin gets no token');
  });

  it('stops a redirect loop after the cap with PROTOCOL, naming no query string', async () => {
    const url = await start((req, res) => {
      res.writeHead(302, { location: `${req.url}?token=SECRET` });
      res.end();
    });
    await assert.rejects(collect(await lister(url, { maxRedirects: 3 }), '/loop'), (err: unknown) => {
      assert.ok(err instanceof DcError && err.code === 'PROTOCOL', String(err));
      assert.doesNotMatch(err.message, /SECRET/);
      return true;
    });
  });

  it('maps HTTP statuses to error codes and never puts the token in a message', async () => {
    const tokenFile = join(tmp, 'tok-status');
    await writeFile(tokenFile, 'tok-status-SECRET');
    const url = await start((req, res) => {
      const status = Number(req.url!.split('/')[1]);
      res.writeHead(status, { 'content-type': 'text/html' });
      res.end(`<html>${req.headers.authorization}</html>`);
    });
    const l = await lister(url, { bearerTokenFile: tokenFile });
    for (const [status, code] of [[404, 'NOT_FOUND'], [410, 'NOT_FOUND'], [401, 'PERMISSION'], [403, 'PERMISSION'], [500, 'IO'], [503, 'IO'], [200, 'UNSUPPORTED'], [405, 'UNSUPPORTED']] as const) {
      await assert.rejects(collect(l, `/${status}/d`), (err: unknown) => {
        assert.ok(err instanceof DcError, String(err));
        assert.equal(err.code, code, `HTTP ${status}: ${err.message}`);
        assert.doesNotMatch(JSON.stringify({ m: err.message, d: err.detail, s: err.stack }), /SECRET/);
        return true;
      });
    }
  });

  it('reports listing a file as NOT_FOUND (not a directory)', async () => {
    const url = await start((_req, res) => {
      res.writeHead(207);
      res.end(HEAD_NGINX + nginxResponse({ href: '/d/f.txt', size: 3 }) + TAIL);
    });
    await assert.rejects(collect(await lister(url), '/d/f.txt'), (err: unknown) => err instanceof DcError && err.code === 'NOT_FOUND');
  });

  it('picks up a rotated bearer token: at once after a 401, and by itself within a second', async () => {
    const tokenFile = join(tmp, 'tok-rotate');
    await writeFile(tokenFile, 'tok-A\n');
    let accepted = new Set(['Bearer tok-A']);
    const used: string[] = [];
    const url = await start((req, res) => {
      used.push(String(req.headers.authorization));
      if (!accepted.has(String(req.headers.authorization))) {
        res.writeHead(401, { 'www-authenticate': 'Bearer' });
        return void res.end();
      }
      res.writeHead(207);
      res.end(small('/d', ['a']));
    });
    const l = await lister(url, { bearerTokenFile: tokenFile });
    assert.equal((await collect(l, '/d')).entries.length, 1);
    // Rotation as token agents do it: write aside, rename over. The server already refuses tok-A.
    await writeFile(tokenFile + '.new', 'tok-B\n');
    await rename(tokenFile + '.new', tokenFile);
    accepted = new Set(['Bearer tok-B']);
    assert.equal((await collect(l, '/d')).entries.length, 1);
    assert.deepEqual(used.slice(-2), ['Bearer tok-A', 'Bearer tok-B'], 'one 401, then the re-read token');

    // Next rotation while the server accepts both: the lister notices the file change on its own.
    accepted = new Set(['Bearer tok-B', 'Bearer tok-C']);
    await writeFile(tokenFile + '.new', 'tok-C');
    await rename(tokenFile + '.new', tokenFile);
    await new Promise((r) => setTimeout(r, 1100));
    await collect(l, '/d');
    assert.equal(used[used.length - 1], 'Bearer tok-C');
  });

  it('issue 12: a site with no token key sends the token of BEARER_TOKEN_FILE in the env it is given (WLCG discovery)', async () => {
    const tokenFile = join(tmp, 'tok-discovered');
    await writeFile(tokenFile, 'tok-from-env\n');
    const seen: string[] = [];
    const url = await start((req, res) => {
      seen.push(String(req.headers.authorization));
      res.writeHead(207);
      res.end(small('/d', ['a']));
    });
    const l = await createLister(siteBackend({ Url: url.replace(/^http:/, 'dav:'), NumThreads: 1, Timeout: 10 }, { BEARER_TOKEN_FILE: tokenFile }));
    try {
      assert.equal(l.kind, 'webdav');
      assert.equal((await collect(l as WebdavLister, '/d')).entries.length, 1);
    } finally {
      await l.close();
    }
    assert.deepEqual(seen, ['Bearer tok-from-env']);
  });

  it('refuses to start with a missing token file, naming the file', async () => {
    await assert.rejects(WebdavLister.create({ url: 'davs://127.0.0.1:1/', concurrency: 1, timeoutSeconds: 1, bearerTokenFile: join(tmp, 'absent') }), (err: unknown) => {
      return err instanceof DcError && err.code === 'CONFIG' && err.message.includes('absent');
    });
  });

  it('asks the server how it writes hrefs when an answer cannot tell, and remembers it', async () => {
    // Files on this fake: "x%41" (literal percent) only. Raw server: hrefs as names, no evidence.
    const probes: string[] = [];
    const url = await start((req, res) => {
      if (req.headers.depth === '0') {
        probes.push(req.url!);
        res.writeHead(req.url === '/d/x%2541' ? 207 : 404);
        return void res.end(req.url === '/d/x%2541' ? HEAD_NGINX + nginxResponse({ href: '/d/x%41', size: 1 }) + TAIL : '');
      }
      res.writeHead(207);
      res.end(HEAD_NGINX + nginxResponse({ href: '/d', dir: true }) + nginxResponse({ href: '/d/x%41', size: 1, modified: MOD }) + TAIL);
    });
    const l = await lister(url);
    assert.deepEqual((await collect(l, '/d')).entries.map((e) => e.name), ['x%41']);
    assert.deepEqual(probes.sort(), ['/d/x%2541', '/d/xA']);
    assert.deepEqual((await collect(l, '/d')).entries.map((e) => e.name), ['x%41']);
    assert.equal(probes.length, 2, 'the style is remembered per server');
  });

  it('reports a refused connection as IO', async () => {
    const s = await serve(() => undefined);
    const url = `http://127.0.0.1:${(s.server.address() as { port: number }).port}`;
    await new Promise((r) => s.server.close(r));
    await assert.rejects(collect(await lister(url), '/d'), (err: unknown) => err instanceof DcError && err.code === 'IO');
  });
});
