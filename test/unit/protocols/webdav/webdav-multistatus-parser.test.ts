import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { MultistatusParser, parseStatusLine, type MultistatusEntry } from '../../../../src/protocols/webdav/webdav-multistatus-parser.ts';
import { DcError } from '../../../../src/core/errors.ts';
import { HEAD_NGINX, HEAD_XRDHTTP, TAIL, doc, nginxResponse, xrdhttpResponse } from './webdav-test-xml.ts';

function parseAll(chunks: (string | Uint8Array)[]): MultistatusEntry[] {
  const out: MultistatusEntry[] = [];
  const p = new MultistatusParser((e) => out.push(e));
  for (const c of chunks) p.write(c);
  p.end();
  return out;
}

const MOD = 'Sun, 13 Sep 2020 12:26:40 GMT';
const nginxDoc = doc(HEAD_NGINX, [
  nginxResponse({ href: '/store/d', dir: true, modified: MOD }),
  nginxResponse({ href: '/store/d/caf%C3%A9%20%26%20%E6%97%A5.txt', size: 1234567890123, modified: MOD }),
  nginxResponse({ href: '/store/d/amp&amp;x', size: 0, modified: MOD }),
  nginxResponse({ href: '/store/d/sub/', dir: true, modified: MOD }),
]);
const xrdDoc = doc(HEAD_XRDHTTP, [
  xrdhttpResponse({ href: '/store/d', dir: true, modified: MOD }),
  xrdhttpResponse({ href: '/store/d/café & 日 "q" <a>.txt', size: 7, modified: MOD }),
  xrdhttpResponse({ href: '/store/d/sub', dir: true, modified: MOD }),
]);

describe('multistatus parser', () => {
  it('reads nginx-style answers: encoded hrefs, sizes beyond 32 bits, collections', () => {
    const got = parseAll([nginxDoc]);
    assert.deepEqual(got, [
      { href: '/store/d', status: 200, isDir: true, mtime: 1600000000 },
      { href: '/store/d/caf%C3%A9%20%26%20%E6%97%A5.txt', status: 200, isDir: false, size: 1234567890123, mtime: 1600000000 },
      { href: '/store/d/amp&amp;x', status: 200, isDir: false, size: 0, mtime: 1600000000 },
      { href: '/store/d/sub/', status: 200, isDir: true, mtime: 1600000000 },
    ]);
  });

  it('reads XrdHttp-style answers: raw names with XML entities, lp1: prefixes, 4096-byte directories', () => {
    const got = parseAll([xrdDoc]);
    assert.equal(got.length, 3);
    assert.equal(got[1].href, '/store/d/café & 日 "q" <a>.txt');
    assert.equal(got[1].size, 7);
    assert.equal(got[2].isDir, true);
  });

  it('gives the same entries whatever byte offset the body is split at', () => {
    const bytes = Buffer.from(nginxDoc + '');
    const whole = parseAll([bytes]);
    for (let i = 1; i < bytes.length; i++) {
      assert.deepEqual(parseAll([bytes.subarray(0, i), bytes.subarray(i)]), whole, `split at ${i}`);
    }
    const xb = Buffer.from(xrdDoc);
    const xwhole = parseAll([xb]);
    for (let i = 1; i < xb.length; i++) assert.deepEqual(parseAll([xb.subarray(0, i), xb.subarray(i)]), xwhole, `split at ${i}`);
    // One byte at a time: every multi-byte UTF-8 sequence split.
    assert.deepEqual(parseAll([...xb].map((b) => Uint8Array.of(b))), xwhole);
  });

  it('ignores values of a non-2xx propstat and keeps a response-level status', () => {
    const text =
      HEAD_NGINX +
      '<D:response><D:href>/a/x</D:href><D:propstat><D:prop><D:getcontentlength>5</D:getcontentlength></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat>' +
      '<D:propstat><D:prop><D:getlastmodified>bogus</D:getlastmodified><D:resourcetype><D:collection/></D:resourcetype></D:prop><D:status>HTTP/1.1 404 Not Found</D:status></D:propstat></D:response>' +
      '<D:response><D:href>/a/y</D:href><D:status>HTTP/1.1 403 Forbidden</D:status></D:response>' +
      TAIL;
    assert.deepEqual(parseAll([text]), [
      { href: '/a/x', status: 200, isDir: false, size: 5 },
      { href: '/a/y', status: 403, isDir: false },
    ]);
  });

  it('accepts any namespace prefix and a default namespace', () => {
    const text = '<multistatus xmlns="DAV:"><response><href>/a/b</href><propstat><prop><resourcetype><collection/></resourcetype></prop><status>HTTP/1.1 200 OK</status></propstat></response></multistatus>';
    assert.deepEqual(parseAll([text]), [{ href: '/a/b', status: 200, isDir: true }]);
  });

  it('fails with PROTOCOL on truncated, malformed or foreign documents', () => {
    const isProtocol = (err: unknown) => err instanceof DcError && err.code === 'PROTOCOL';
    assert.throws(() => parseAll([nginxDoc.slice(0, nginxDoc.length - 40)]), isProtocol);
    assert.throws(() => parseAll([HEAD_NGINX + '<D:response><D:href>/a</D:href></D:respons>' + TAIL]), isProtocol);
    assert.throws(() => parseAll(['<html><body>It works</body></html>']), isProtocol);
    assert.throws(() => parseAll(['']), isProtocol);
    assert.throws(() => parseAll([HEAD_NGINX + '<D:response><D:status>HTTP/1.1 200 OK</D:status></D:response>' + TAIL]), isProtocol);
  });

  it('parses status lines', () => {
    assert.equal(parseStatusLine('HTTP/1.1 200 OK'), 200);
    assert.equal(parseStatusLine(' HTTP/2 404 '), 404);
    assert.equal(parseStatusLine('garbage'), 0);
  });

  it('streams a 100 000-entry answer with bounded memory', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const N = 100_000;
    let seen = 0;
    let sizes = 0;
    const p = new MultistatusParser((e) => {
      seen++;
      sizes += e.size ?? 0;
    });
    gc();
    const base = process.memoryUsage().heapUsed;
    let peakRetained = 0;
    let docBytes = 0;
    p.write(Buffer.from(HEAD_NGINX));
    const CHUNK = 500;
    for (let i = 0; i < N; i += CHUNK) {
      let s = '';
      for (let j = i; j < i + CHUNK; j++) s += nginxResponse({ href: `/store/big/file-${String(j).padStart(7, '0')}.root`, size: j, modified: MOD });
      const b = Buffer.from(s);
      docBytes += b.length;
      // Split each network chunk unevenly, as sockets do.
      p.write(b.subarray(0, 777));
      p.write(b.subarray(777));
      if (i % 20_000 === 0) {
        gc();
        peakRetained = Math.max(peakRetained, process.memoryUsage().heapUsed - base);
      }
    }
    p.write(TAIL);
    p.end();
    assert.equal(seen, N);
    assert.equal(sizes, (N * (N - 1)) / 2);
    assert.ok(docBytes > 25e6, `document is ${docBytes} bytes`);
    assert.ok(peakRetained < 8e6, `parser retained ${(peakRetained / 1e6).toFixed(1)} MB while reading a ${(docBytes / 1e6).toFixed(0)} MB document`);
  });
});
