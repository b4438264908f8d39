/**
 * The hand-written multistatus scanner against a general XML parser (saxes, in the test-only
 * reference): the same entries for random documents using every XML feature a server may use, at
 * any split of the bytes, and the same verdict on documents broken at random. Then the cases named
 * one by one.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MultistatusParser, type MultistatusEntry } from '../../../../src/protocols/webdav/webdav-multistatus-parser.ts';
import { DcError } from '../../../../src/core/errors.ts';
import { referenceParse } from './webdav-multistatus-reference.ts';
import { randomDoc, rng } from './webdav-random-xml.ts';

function parse(chunks: (Uint8Array | string)[]): MultistatusEntry[] {
  const out: MultistatusEntry[] = [];
  const p = new MultistatusParser((e) => out.push(e));
  for (const c of chunks) p.write(c);
  p.end();
  return out;
}

const isProtocol = (err: unknown) => err instanceof DcError && err.code === 'PROTOCOL';
const outcome = (f: () => MultistatusEntry[]): MultistatusEntry[] | 'error' => {
  try {
    return f();
  } catch {
    return 'error';
  }
};

/** `bytes` cut at `cuts` (sorted offsets). */
function split(bytes: Buffer, cuts: number[]): Buffer[] {
  const out: Buffer[] = [];
  let from = 0;
  for (const c of cuts) {
    out.push(bytes.subarray(from, c));
    from = c;
  }
  out.push(bytes.subarray(from));
  return out;
}

const wrap = (responses: string, root = '<D:multistatus xmlns:D="DAV:">') => `<?xml version="1.0"?>\n${root}${responses}</${root.slice(1).split(/[\s>]/)[0]}>`;
const entry = (href: string, inner = '') => `<D:response><D:href>${href}</D:href>${inner}</D:response>`;

describe('multistatus scanner', () => {
  it('reads random documents exactly as a general XML parser does, whatever the chunk splits', () => {
    for (let seed = 1; seed <= 400; seed++) {
      const doc = randomDoc(seed);
      const bytes = Buffer.from(doc.text);
      const expected = referenceParse(doc.text);
      assert.deepEqual(parse([bytes]), expected, `seed ${seed}`);
      const r = rng(seed);
      const cuts = [0, 0, 0].map(() => Math.floor(r() * bytes.length)).sort((a, b) => a - b);
      assert.deepEqual(parse(split(bytes, cuts)), expected, `seed ${seed} cut at ${cuts.join(',')}`);
      if (seed % 20 === 0) assert.deepEqual(parse([...bytes].map((b) => Uint8Array.of(b))), expected, `seed ${seed} byte by byte`);
    }
  });

  it('agrees with a general XML parser on randomly broken documents, failing with PROTOCOL', () => {
    let broken = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const doc = randomDoc(seed);
      const bytes = Buffer.from(doc.text);
      const r = rng(seed * 7919);
      for (let m = 0; m < 15; m++) {
        const pos = doc.bodyStart + Math.floor(r() * (bytes.length - doc.bodyStart));
        if (bytes[pos] >= 0x80) continue; // keep the UTF-8 valid: both would then disagree on U+FFFD only
        const kind = Math.floor(r() * 3);
        const mutated =
          kind === 0
            ? Buffer.concat([bytes.subarray(0, pos), bytes.subarray(pos + 1)])
            : kind === 1
              ? Buffer.concat([bytes.subarray(0, pos), Buffer.from(`<>&/"=;] x:'`[Math.floor(r() * 12)]), bytes.subarray(pos)])
              : bytes.subarray(0, pos);
        const expected = outcome(() => referenceParse(new TextDecoder().decode(mutated)));
        const got = outcome(() => parse([mutated]));
        assert.deepEqual(got, expected, `seed ${seed} mutation ${kind} at ${pos}: ${JSON.stringify(mutated.toString('utf8', Math.max(0, pos - 30), pos + 30))}`);
        if (got === 'error') {
          broken++;
          assert.throws(() => parse([mutated]), isProtocol);
        }
      }
    }
    assert.ok(broken > 1000, `only ${broken} mutations broke a document`);
  });

  it('fails with PROTOCOL on every truncation of a document, wherever it is cut', () => {
    for (const seed of [3, 8, 21]) {
      const bytes = Buffer.from(randomDoc(seed).text);
      const end = bytes.lastIndexOf('>') + 1; // past the root's end tag only white space, comments or PIs follow
      const rootEnd = bytes.lastIndexOf('</', end);
      for (let i = 0; i < rootEnd; i++) assert.throws(() => parse([bytes.subarray(0, i)]), isProtocol, `seed ${seed} cut at ${i}`);
    }
  });

  it('resolves entities and character references, CDATA and CRLF in hrefs', () => {
    const got = parse([wrap(entry('/d/a&amp;b&lt;c&gt;&quot;&apos;&#65;&#x1F600;<![CDATA[<x>&amp;]]>\r\ny'))]);
    assert.equal(got[0].href, '/d/a&b<c>"\'A😀<x>&amp;\ny');
  });

  it('accepts any prefix, a default namespace, and declarations on each response', () => {
    assert.equal(parse([wrap('<x:response><x:href>/a</x:href></x:response>', '<x:multistatus xmlns:x="DAV:">')])[0].href, '/a');
    assert.equal(parse([wrap('<response><href>/b</href></response>', '<multistatus xmlns="DAV:">')])[0].href, '/b');
    const xrd = wrap(
      '<D:response xmlns:lp1="DAV:"><D:href>/c</D:href><D:propstat><D:prop><lp1:getcontentlength>12</lp1:getcontentlength>' +
        '<lp1:iscollection>1</lp1:iscollection></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>',
    );
    assert.deepEqual(parse([xrd]), [{ href: '/c', status: 200, isDir: true, size: 12 }]);
  });

  it('ignores DAV: local names in other namespaces, and a prefix rebound away from DAV:', () => {
    const doc = wrap(
      entry(
        '/a',
        '<D:propstat><D:prop><X:getcontentlength xmlns:X="urn:x">5</X:getcontentlength>' +
          '<D:resourcetype xmlns:D="urn:not-dav"><D:collection/></D:resourcetype></D:prop></D:propstat>',
      ),
    );
    assert.deepEqual(parse([doc]), [{ href: '/a', status: 200, isDir: false }]);
  });

  it('takes attributes in either quote, white space inside tags, comments and PIs anywhere, a BOM', () => {
    const doc =
      '\ufeff<?xml version="1.0"?><!-- c --><?pi x?>\n<D:multistatus  xmlns:D = \'DAV:\' a="1&amp;2"\n>' +
      '<D:response\tb=\'x\'><D:href >/a<!-- in text --></D:href\n>\r\n</D:response  ></D:multistatus >\n<!-- after --><?pi after?>\n';
    const bytes = Buffer.from(doc);
    for (let i = 0; i <= bytes.length; i++) assert.equal(parse([bytes.subarray(0, i), bytes.subarray(i)])[0].href, '/a', `split at ${i}`);
  });

  it('refuses what is not well-formed XML, with PROTOCOL', () => {
    const bad = [
      wrap(entry('/a&nbsp;')), // no DTD, so no such entity
      wrap(entry('/a & b')),
      wrap(entry('/a&#0;')),
      wrap(entry('/a]]>b')),
      wrap(entry('/a\u0001')),
      wrap(entry('/a') + '<D:x a="1" a="2"/>'),
      wrap(entry('/a') + '<D:x a="<"/>'),
      wrap(entry('/a') + '<D:x a=1/>'),
      wrap(entry('/a') + '<!-- a -- b -->'),
      wrap('<D:response><D:href>/a</D:hreg></D:response>'),
      wrap(entry('/a') + '<Q:x/>'),
      wrap(entry('/a') + '<xmlns:x/>'),
      wrap(entry('/a')) + '<D:multistatus xmlns:D="DAV:"/>',
      wrap(entry('/a')) + 'text after',
      'text before' + wrap(entry('/a')),
      '<!DOCTYPE m [<!ENTITY e "x">]>' + wrap(entry('/a&e;')),
      wrap(entry('/a')).replace('<?xml version="1.0"?>', '\n<?xml version="1.0"?>'),
      wrap(entry('/a') + '<a>'.repeat(300) + '</a>'.repeat(300)),
      wrap(entry('/' + 'x'.repeat(70_000))),
      '{"json": true}',
      '\u0000\u0001\u0002binary',
    ];
    for (const doc of bad) assert.throws(() => parse([doc]), isProtocol, JSON.stringify(doc.slice(0, 120)));
  });

  it('refuses a tag that keeps growing over network-sized chunks instead of buffering it', () => {
    const bytes = Buffer.from(wrap(entry('/a') + `<D:x ${'a'.repeat(2_000_000)}="1"/>`));
    const chunks = Array.from({ length: Math.ceil(bytes.length / 65536) }, (_, k) => bytes.subarray(k * 65536, (k + 1) * 65536));
    assert.throws(() => parse(chunks), (err) => isProtocol(err) && /longer than/.test((err as Error).message));
  });

  it('keeps failing with the same error once it failed', () => {
    const p = new MultistatusParser(() => undefined);
    assert.throws(() => p.write(wrap(entry('/a&bogus;'))), isProtocol);
    assert.throws(() => p.write('<more/>'), /undefined entity/);
    assert.throws(() => p.end(), /undefined entity/);
  });
});
