import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { escapeName, unescapeName } from '../../../src/core/escape.ts';
import { canonicalName, decodeName, encodeName, hasRawBytes, isUndecodable } from '../../../src/core/name-bytes.ts';
import { hashBytes, hashEscapedName, hashString, newHash } from '../../../src/core/lfn-hash.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Random byte strings weighted towards the awkward: high bytes, valid and broken UTF-8, escapes. */
function randomName(): Buffer {
  const pieces = [
    () => randomBytes(1 + (randomBytes(1)[0] % 6)),
    () => Buffer.from('é€😀', 'utf8').subarray(0, randomBytes(1)[0] % 10),
    () => Buffer.from(['\\', '\\x', '\\xff', '\\n', '\t', ' ', '/', 'a', '\\x8', '\\\\xc3'][randomBytes(1)[0] % 10]),
    () => Buffer.of(0xc3, 0xa9),
    () => Buffer.of(0xed, 0xa0, 0x80), // an encoded surrogate: not UTF-8
    () => Buffer.of(0xf4, 0x90, 0x80, 0x80), // above U+10FFFF: not UTF-8
    () => Buffer.of(0xe0, 0x80, 0xaf), // overlong: not UTF-8
  ];
  const n = randomBytes(1)[0] % 8;
  return Buffer.concat(Array.from({ length: n }, () => pieces[randomBytes(1)[0] % pieces.length]()));
}

describe('names are bytes (issue 11 §2)', () => {
  it('keeps bytes that are not UTF-8 as U+DC80+byte and gives them back', () => {
    const bytes = Buffer.from('/store/bad\xff\xfe.root', 'latin1');
    const name = decodeName(bytes);
    assert.equal(name, '/store/bad\udcff\udcfe.root');
    assert.ok(hasRawBytes(name));
    assert.ok(!isUndecodable(name));
    assert.equal(hex(encodeName(name)), hex(bytes));
    assert.equal(escapeName(name), '/store/bad\\xff\\xfe.root');
    assert.equal(unescapeName('/store/bad\\xff\\xfe.root'), name);
  });

  it('decodes valid UTF-8 as UTF-8 and leaves such names unescaped', () => {
    const name = decodeName(Buffer.from('/store/é/😀', 'utf8'));
    assert.equal(name, '/store/é/😀');
    assert.ok(!hasRawBytes(name));
    assert.equal(escapeName(name), name);
    // A paired surrogate whose low half falls in DC80–DCFF is a character, not a byte.
    const astral = String.fromCodePoint(0x10080);
    assert.equal(escapeName(astral), astral);
    assert.equal(hex(encodeName(astral)), hex(Buffer.from(astral, 'utf8')));
  });

  it('rejects overlong forms, encoded surrogates and code points above U+10FFFF byte by byte', () => {
    assert.equal(decodeName(Buffer.of(0xc0, 0xaf)), '\udcc0\udcaf');
    assert.equal(decodeName(Buffer.of(0xed, 0xa0, 0x80)), '\udced\udca0\udc80');
    assert.equal(decodeName(Buffer.of(0xf4, 0x90, 0x80, 0x80)), '\udcf4\udc90\udc80\udc80');
    assert.equal(decodeName(Buffer.of(0x61, 0xe2, 0x82)), 'a\udce2\udc82'); // cut short
  });

  it('reads escaped bytes that form UTF-8 as the character (one string per byte sequence)', () => {
    assert.equal(unescapeName('caf\\xc3\\xa9'), 'café');
    assert.equal(canonicalName('\udcc3\udca9'), 'é');
    assert.equal(unescapeName('\\x41\\x7f'), 'A\x7f');
    assert.equal(unescapeName('a\\qb\\x4'), 'a\\qb\\x4'); // not an escape: kept
  });

  it('round-trips random byte strings byte-exact: decode, escape, unescape, encode', () => {
    for (let i = 0; i < 5000; i++) {
      const bytes = randomName();
      const name = decodeName(bytes);
      assert.equal(hex(encodeName(name)), hex(bytes), `encode(decode(${hex(bytes)}))`);
      const line = escapeName(name);
      assert.ok(!/[\n\r\t\udc80-\udcff]/u.test(line), `escaped line ${JSON.stringify(line)} holds raw characters`);
      assert.ok(Buffer.from(line, 'utf8').toString('utf8') === line, 'an escaped line is valid UTF-8');
      assert.equal(unescapeName(line), name, `unescape(escape(${hex(bytes)}))`);
      assert.equal(decodeName(bytes.subarray(0, 0)), '');
      assert.ok(!isUndecodable(name) || name.includes('\ufffd'), `${hex(bytes)} taken as lost`);
    }
  });

  it('hashes a name the same from its string, its bytes and its escaped line', () => {
    const a = newHash();
    const b = newHash();
    const c = newHash();
    for (let i = 0; i < 5000; i++) {
      const bytes = randomName();
      const name = decodeName(bytes);
      hashString(name, a);
      hashBytes(bytes, 0, bytes.length, b);
      const line = Buffer.from(escapeName(name), 'utf8');
      hashEscapedName(line, 0, line.length, c);
      assert.deepEqual([...a], [...b], hex(bytes));
      assert.deepEqual([...c], [...b], hex(bytes));
    }
    // Different bytes, different hashes (they used to meet in U+FFFD).
    hashString('bad\udcff', a);
    hashString('bad\udcfe', b);
    assert.notDeepEqual([...a], [...b]);
  });

  it('takes U+FFFD and lone surrogates other than U+DC80–U+DCFF as lost bytes', () => {
    assert.ok(isUndecodable('/store/bad\ufffd.root'));
    assert.ok(isUndecodable('/store/\ud800x'));
    assert.ok(isUndecodable('/store/\udc41'));
    assert.ok(!isUndecodable('/store/\ud83d\ude00'));
    assert.ok(!isUndecodable('/store/\udcff'));
  });
});
