import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DcError } from '../../../../src/core/errors.ts';
import { DirlistDecoder, type DirlistEntry } from '../../../../src/protocols/xrootd/codec/requests/xrootd-dirlist.ts';
import * as B from './xrootd-frame-builder.ts';

const entries = [
  { name: 'plain.root', size: 1234, isDir: false, mtime: 1700000001 },
  { name: 'with space', size: 0, isDir: false, mtime: 1700000002 },
  { name: 'ünï#%?&', size: 7, isDir: false, mtime: 1700000003 },
  { name: 'sub', size: 4096, isDir: true, mtime: 1700000004 },
  { name: 'new\nline', size: 1, isDir: false, mtime: 1700000005 },
  { name: '9 9 9', size: 2 ** 40, isDir: false, mtime: 1700000006 },
];

function want() {
  return entries.map((e) => ({ name: e.name, stat: { size: e.isDir ? 0 : e.size, flags: e.isDir ? 19 : 16, mtime: e.mtime, isDir: e.isDir } }));
}

/** Feeds `body` as oksofar chunks cut at `cuts`, the last piece as the final ok (NUL-terminated). */
function decode(d: DirlistDecoder, body: Uint8Array, cuts: number[]): DirlistEntry[] {
  const out: DirlistEntry[] = [];
  let prev = 0;
  for (const c of cuts) {
    out.push(...d.push(Buffer.from(body.subarray(prev, c)), false));
    prev = c;
  }
  out.push(...d.push(Buffer.from(B.bytes(body.subarray(prev), [0])), true));
  return out;
}

describe('xrootd dirlist decoding', () => {
  it('keeps name bytes that are not UTF-8 (issue 11 §2)', () => {
    const raw = Buffer.concat([Buffer.from('.\n0 0 0 0\nbad'), Buffer.of(0xff, 0xfe), Buffer.from(`.root\n${B.statLine(7, false, 1700000000)}`)]);
    const d = new DirlistDecoder(true);
    const got = decode(d, raw, [5, 14]);
    assert.deepEqual(got.map((e) => e.name), ['bad\udcff\udcfe.root']);
  });

  const body = Uint8Array.from(B.ascii(B.dstatText(entries)));

  it('decodes a dstat listing whole', () => {
    const d = new DirlistDecoder(true);
    assert.deepEqual(decode(d, body, []), want());
    assert.equal(d.hasStat, true);
  });

  it('decodes a dstat listing split into oksofar chunks at every byte offset (and two cuts)', () => {
    for (let a = 0; a <= body.length; a++) assert.deepEqual(decode(new DirlistDecoder(true), body, [a]), want(), `cut ${a}`);
    for (let a = 0; a <= body.length; a += 7) for (let b = a; b <= body.length; b += 3) assert.deepEqual(decode(new DirlistDecoder(true), body, [a, b]), want(), `cuts ${a},${b}`);
  });

  it('holds at most one partial line between chunks', () => {
    const d = new DirlistDecoder(true);
    const big = Uint8Array.from(B.ascii(B.dstatText(Array.from({ length: 5000 }, (_, i) => ({ name: `f${i}`, size: i, isDir: false, mtime: 1 })))));
    let got = 0;
    for (let i = 0; i < big.length; i += 4096) {
      got += d.push(Buffer.from(big.subarray(i, Math.min(big.length, i + 4096))), false).length;
      assert.ok(((d as unknown as { tail?: Buffer }).tail?.length ?? 0) < 100, 'tail stays one line');
    }
    got += d.push(Buffer.from([0]), true).length;
    assert.equal(got, 5000);
  });

  it('reads an empty directory as no entries', () => {
    assert.deepEqual(decode(new DirlistDecoder(true), Uint8Array.from(B.ascii('.\n0 0 0 0')), []), []);
    assert.deepEqual(new DirlistDecoder(true).push(Buffer.alloc(0), true), []);
  });

  it('falls back to names when the server ignores kXR_dstat', () => {
    const d = new DirlistDecoder(true);
    const names = Uint8Array.from(B.ascii('a\nb c\nd'));
    assert.deepEqual(decode(d, names, [2]), [{ name: 'a' }, { name: 'b c' }, { name: 'd' }]);
    assert.equal(d.hasStat, false);
  });

  it('fails with PROTOCOL when a name has no stat line, or data follows the final chunk', () => {
    const d = new DirlistDecoder(true);
    assert.throws(() => d.push(Buffer.from('.\n0 0 0 0\nlonely\0'), true), (e: unknown) => e instanceof DcError && e.code === 'PROTOCOL');
    const done = new DirlistDecoder(true);
    done.push(Buffer.from('.\n0 0 0 0\0'), true);
    assert.throws(() => done.push(Buffer.from('x'), false), (e: unknown) => e instanceof DcError && e.code === 'PROTOCOL');
  });
});
