/**
 * The byte-level value readers: each fast path either agrees with the string reading it stands in
 * for (Date.parse, Number, the status regex) or declines; references are checked and resolved.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bytesToHttpDate, bytesToStatus, bytesToUint, decodeText, readRef } from '../../../../src/protocols/webdav/webdav-xml-text.ts';
import { parseStatusLine } from '../../../../src/protocols/webdav/webdav-multistatus-parser.ts';
import { DcError } from '../../../../src/core/errors.ts';
import { rng } from './webdav-random-xml.ts';

const b = (s: string) => Buffer.from(s);
const date = (s: string) => bytesToHttpDate(b(s), 0, Buffer.byteLength(s));

describe('multistatus values from bytes', () => {
  it('reads IMF-fixdates as Date.parse does, and leaves every other shape to it', () => {
    const r = rng(42);
    for (let k = 0; k < 20_000; k++) {
      const text = new Date(Math.floor(r() * 8e12) - 2e12).toUTCString();
      const fast = date(text);
      if (!Number.isNaN(fast)) assert.equal(fast, Date.parse(text) / 1000, text);
    }
    assert.equal(date('Sun, 13 Sep 2020 12:26:40 GMT'), 1_600_000_000);
    assert.equal(date('  Sun, 13 Sep 2020 12:26:40 GMT\n'), 1_600_000_000);
    // Shapes Date.parse reads by its own rules (two-digit-looking years, Feb 29, rollovers, other formats).
    for (const other of ['Sun, 13 Sep 0020 12:26:40 GMT', 'Sat, 29 Feb 2020 00:00:00 GMT', 'Sun, 31 Feb 2020 12:26:40 GMT', 'Sun, 13 Sep 2020 24:00:00 GMT', 'Sun, 13 sep 2020 12:26:40 GMT', '2020-09-13T12:26:40Z', 'Sunday, 13-Sep-20 12:26:40 GMT', '']) {
      assert.ok(Number.isNaN(date(other)), other);
    }
  });

  it('reads plain decimal sizes and declines the rest (signs, exponents, 16 digits and more)', () => {
    const uint = (s: string) => bytesToUint(b(s), 0, Buffer.byteLength(s));
    assert.equal(uint('0'), 0);
    assert.equal(uint(' 007\n'), 7);
    assert.equal(uint('999999999999999'), 999_999_999_999_999);
    for (const s of ['', ' ', '-1', '+1', '1e3', '0x10', '1 2', '1234567890123456', '1.0']) assert.equal(uint(s), -1, s);
  });

  it('reads status lines as the regular expression does', () => {
    for (const s of ['HTTP/1.1 200 OK', ' HTTP/2 404 ', 'HTTP/1.0\t207', 'HTTP/1.1 2000', 'HTTP/1.1 20', 'HTTP/11 200', 'http/1.1 200', 'garbage', '', 'HTTP/1.1\u00a0200']) {
      const fast = bytesToStatus(b(s), 0, Buffer.byteLength(s));
      assert.equal(fast < 0 ? parseStatusLine(s) : fast, parseStatusLine(s), JSON.stringify(s));
    }
  });

  it('checks references, says when one is cut by the end of the data, and resolves them', () => {
    const ref = { end: 0 };
    assert.equal(readRef(b('&amp;x'), 0, 6, ref), 38);
    assert.equal(ref.end, 5);
    assert.equal(readRef(b('&#x1F600;'), 0, 9, ref), 0x1f600);
    assert.equal(readRef(b('&am'), 0, 3, ref), -1);
    assert.equal(readRef(b('&#x1F6'), 0, 6, ref), -1);
    for (const bad of ['&ampx;', '&#xD800;', '&#0;', '&#;', '&#x;', '&#12a;', '&nbsp;', '&amp' + 'x'.repeat(20)]) {
      assert.throws(() => readRef(b(bad), 0, bad.length, ref), (err) => err instanceof DcError && err.code === 'PROTOCOL', bad);
    }
    assert.equal(decodeText(b('a&lt;b\r\nc\rd&#13;'), 0, 17, 'text'), 'a<b\nc\nd\r');
    assert.equal(decodeText(b('a\tb\r\nc&#9;'), 0, 10, 'attribute'), 'a b c\t');
    assert.equal(decodeText(b('&amp;\r\n'), 0, 7, 'cdata'), '&amp;\n');
  });
});
