import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HrefResolver, encodeStoragePath, hrefPath, percentDecode } from '../../../../src/protocols/webdav/webdav-href.ts';

/** Resolves a whole answer's hrefs and returns the decoded paths in order. */
function resolveAll(dirPath: string, hrefs: string[], known?: 'raw' | 'encoded') {
  const r = new HrefResolver<number>(dirPath, known);
  const out: { path: string; item: number; slash: boolean }[] = [];
  hrefs.forEach((h, i) => out.push(...r.push(h, i).map((x) => ({ path: x.path, item: x.item, slash: x.trailingSlash }))));
  out.push(...r.finish().map((x) => ({ path: x.path, item: x.item, slash: x.trailingSlash })));
  return { paths: out.sort((a, b) => a.item - b.item).map((x) => x.path), slashes: out.map((x) => x.slash), style: r.learnedStyle };
}

describe('webdav hrefs', () => {
  it('decodes percent-encoded hrefs (nginx), trailing slash on collections', () => {
    const got = resolveAll('/store/d', ['/store/d', '/store/d/with%20space.txt', '/store/d/100%25.txt', '/store/d/pct%2520lit', '/store/d/sub/', '/store/d/caf%C3%A9']);
    assert.deepEqual(got.paths, ['/store/d', '/store/d/with space.txt', '/store/d/100%.txt', '/store/d/pct%20lit', '/store/d/sub', '/store/d/café']);
    assert.deepEqual(got.slashes, [false, false, false, false, true, false]);
  });

  it('keeps raw hrefs (XrdHttp) as they are once a raw byte proves the style', () => {
    // "pct%20lit" comes before the evidence ("with space") and must wait for it.
    const got = resolveAll('/store/d', ['/store/d', '/store/d/pct%20lit', '/store/d/with space.txt', '/store/d/100%.txt']);
    assert.deepEqual(got.paths, ['/store/d', '/store/d/pct%20lit', '/store/d/with space.txt', '/store/d/100%.txt']);
    assert.equal(got.style, 'raw');
  });

  it('takes the path of absolute-URL hrefs (webdav-server, dCache)', () => {
    const got = resolveAll('/dav/d', ['http://127.0.0.1:8080/dav/d/', 'http://127.0.0.1:8080/dav/d/a%20b.txt', 'https://[::1]/dav/d/sub/']);
    assert.deepEqual(got.paths, ['/dav/d', '/dav/d/a b.txt', '/dav/d/sub']);
  });

  it('learns the style from the echoed directory path when the names alone cannot tell', () => {
    // Asked for "/d/x%20y" (decoded): a raw server echoes it unchanged, an encoding one as x%2520y.
    assert.deepEqual(resolveAll('/d/x%20y', ['/d/x%20y', '/d/x%20y/a%41']).paths, ['/d/x%20y', '/d/x%20y/a%41']);
    assert.deepEqual(resolveAll('/d/x%20y', ['/d/x%2520y', '/d/x%2520y/a%41']).paths, ['/d/x%20y', '/d/x%20y/aA']);
  });

  it('falls back to the remembered style, else to RFC 4918 percent-encoding', () => {
    assert.deepEqual(resolveAll('/d', ['/d', '/d/a%41'], 'raw').paths, ['/d', '/d/a%41']);
    assert.deepEqual(resolveAll('/d', ['/d', '/d/a%41']).paths, ['/d', '/d/aA']);
  });

  it('decodes escapes that are not UTF-8 to the bytes, kept as U+DC80+byte, and sends them back the same (issue 11 §2)', () => {
    assert.equal(percentDecode('/a/%FF%41'), '/a/\udcffA');
    assert.equal(percentDecode('/a/caf%E9%20x'), '/a/caf\udce9 x');
    assert.equal(encodeStoragePath('/a/caf\udce9 x'), '/a/caf%E9%20x');
    assert.equal(encodeStoragePath(percentDecode('/b/%C3%A9%FF')), '/b/%C3%A9%FF');
    assert.equal(percentDecode('/a/%zz'), '/a/%zz');
  });

  it('encodes every reserved character of a storage path for the request line', () => {
    assert.equal(encodeStoragePath("/s/a b#?%&+;='()!*/日"), '/s/a%20b%23%3F%25%26%2B%3B%3D%27%28%29%21%2A/%E6%97%A5');
    assert.deepEqual(hrefPath('/a/b///'), { path: '/a/b', trailingSlash: true });
    assert.deepEqual(hrefPath('/'), { path: '/', trailingSlash: false });
    assert.deepEqual(hrefPath('https://h:1'), { path: '/', trailingSlash: false });
  });
});
