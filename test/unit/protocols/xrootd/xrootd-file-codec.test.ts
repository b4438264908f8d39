import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DcError } from '../../../../src/core/errors.ts';
import { XrootdFrameDecoder, type XrootdFrame } from '../../../../src/protocols/xrootd/codec/xrootd-frame-decoder.ts';
import { decodeOpenReply, encodeOpenRead } from '../../../../src/protocols/xrootd/codec/requests/xrootd-open.ts';
import { encodeRead } from '../../../../src/protocols/xrootd/codec/requests/xrootd-read.ts';
import { encodeClose } from '../../../../src/protocols/xrootd/codec/requests/xrootd-close.ts';
import * as B from './xrootd-frame-builder.ts';

// Issue 15: kXR_open / kXR_read / kXR_close, laid out as XProtocol.hh's ClientOpenRequest,
// ClientReadRequest, ClientCloseRequest and ServerResponseBody_Open.

const handle = [0xde, 0xad, 0x00, 0x07];
const eq = (a: Uint8Array, b: Uint8Array) => assert.deepEqual([...a], [...b]);

function decodeSplit(bytes: Uint8Array, cut: number): XrootdFrame[] {
  const d = new XrootdFrameDecoder();
  const out: XrootdFrame[] = [];
  for (const c of [bytes.subarray(0, cut), bytes.subarray(cut)]) d.push(Buffer.from(c), (f) => out.push({ ...f, body: Buffer.from(f.body) }));
  assert.ok(d.idle);
  return out;
}

describe('xrootd file requests (kXR_open, kXR_read, kXR_close)', () => {
  it('encodes kXR_open for reading with kXR_retstat: mode 0, options 0x0410, the path as data', () => {
    eq(encodeOpenRead(9, '/store/accounting/T1-20261130.tsv'), B.request(9, 3010, [...B.be16(0), ...B.be16(0x0410)], B.ascii('/store/accounting/T1-20261130.tsv')));
  });

  it('encodes kXR_read: handle, 64-bit offset, 32-bit length, no data', () => {
    eq(encodeRead(3, Buffer.from(handle), 0, 4 << 20), B.request(3, 3013, [...handle, ...B.be32(0), ...B.be32(0), ...B.be32(4 << 20)]));
    // An offset past 4 GiB keeps its high word.
    const big = 5 * 2 ** 32 + 0x1234;
    eq(encodeRead(4, Buffer.from(handle), big, 1), B.request(4, 3013, [...handle, ...B.be32(5), ...B.be32(0x1234), ...B.be32(1)]));
    eq(encodeRead(4, Buffer.from(handle), 2 ** 32 - 1, 1), B.request(4, 3013, [...handle, ...B.be32(0), ...B.be32(0xffffffff), ...B.be32(1)]));
  });

  it('encodes kXR_close: handle then 12 reserved bytes', () => {
    eq(encodeClose(65535, Buffer.from(handle)), B.request(65535, 3003, handle));
  });

  it('refuses a handle that is not 4 bytes and offsets or lengths out of range', () => {
    const internal = (e: unknown) => e instanceof DcError && e.code === 'INTERNAL';
    assert.throws(() => encodeClose(1, Buffer.alloc(3)), internal);
    assert.throws(() => encodeRead(1, Buffer.from(handle), -1, 10), internal);
    assert.throws(() => encodeRead(1, Buffer.from(handle), 0, 0), internal);
    assert.throws(() => encodeOpenRead(1, '/a\0b'), (e: unknown) => e instanceof DcError && e.code === 'INPUT');
  });

  it('decodes an open reply with its stat, split at every byte offset', () => {
    const body = [...handle, ...B.be32(0), 0, 0, 0, 0, ...B.ascii(B.statLine(987654, false, 1764460800)), 0];
    const bytes = B.response(2, B.S.ok, body);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const [f] = decodeSplit(bytes, cut);
      const r = decodeOpenReply(f.body);
      assert.deepEqual([...r.handle], handle);
      assert.deepEqual(r.stat, { size: 987654, flags: 16, mtime: 1764460800, isDir: false });
    }
  });

  it('decodes an open reply without retstat (handle only)', () => {
    const r = decodeOpenReply(Buffer.from(handle));
    assert.deepEqual([...r.handle], handle);
    assert.equal(r.stat, undefined);
  });

  it('reports a short or garbled open reply as PROTOCOL', () => {
    const proto = (e: unknown) => e instanceof DcError && e.code === 'PROTOCOL';
    assert.throws(() => decodeOpenReply(Buffer.from([1, 2])), proto);
    assert.throws(() => decodeOpenReply(Buffer.from([...handle, 0, 0, 0])), proto);
    assert.throws(() => decodeOpenReply(Buffer.from([...handle, ...B.be32(0), 0, 0, 0, 0, ...B.ascii('not a stat')])), proto);
  });

  it('reassembles read data sent as kXR_oksofar bodies and a final kXR_ok, split at every offset', () => {
    const data = Buffer.from('/store/a.root 10 20000\n/store/b.root 20 20001\n');
    const bytes = B.bytes(B.response(5, B.S.oksofar, data.subarray(0, 17)), B.response(5, B.S.oksofar, data.subarray(17, 30)), B.response(5, B.S.ok, data.subarray(30)));
    for (let cut = 0; cut <= bytes.length; cut++) {
      const frames = decodeSplit(bytes, cut);
      assert.deepEqual(frames.map((f) => f.status), [4000, 4000, 0]);
      assert.equal(Buffer.concat(frames.map((f) => f.body)).toString(), data.toString());
    }
  });
});
