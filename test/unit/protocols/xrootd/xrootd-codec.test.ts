import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DcError } from '../../../../src/core/errors.ts';
import { XrootdFrameDecoder, type XrootdFrame } from '../../../../src/protocols/xrootd/codec/xrootd-frame-decoder.ts';
import { XrootdReader } from '../../../../src/protocols/xrootd/codec/xrootd-reader.ts';
import { decodeAttn, decodeError, decodeHandshake, decodeRedirect, decodeWait, decodeWaitresp, errorFromServer } from '../../../../src/protocols/xrootd/codec/xrootd-responses.ts';
import { decodeProtocolReply, encodeHandshake, encodeProtocol } from '../../../../src/protocols/xrootd/codec/requests/xrootd-protocol.ts';
import { decodeLoginReply, encodeLogin } from '../../../../src/protocols/xrootd/codec/requests/xrootd-login.ts';
import { encodeDirlist } from '../../../../src/protocols/xrootd/codec/requests/xrootd-dirlist.ts';
import { decodeStatReply, encodeStat } from '../../../../src/protocols/xrootd/codec/requests/xrootd-stat.ts';
import { decodeLocateReply, encodeLocate } from '../../../../src/protocols/xrootd/codec/requests/xrootd-locate.ts';
import { encodePing } from '../../../../src/protocols/xrootd/codec/requests/xrootd-ping.ts';
import { encodeRm } from '../../../../src/protocols/xrootd/codec/requests/xrootd-rm.ts';
import { encodeRmdir } from '../../../../src/protocols/xrootd/codec/requests/xrootd-rmdir.ts';
import { encodeEndsess } from '../../../../src/protocols/xrootd/codec/requests/xrootd-endsess.ts';
import { encodeAuth, unixCredentials } from '../../../../src/protocols/xrootd/codec/requests/xrootd-auth.ts';
import * as B from './xrootd-frame-builder.ts';

const isProtocolError = (err: unknown) => err instanceof DcError && err.code === 'PROTOCOL';
const session = Array.from({ length: 16 }, (_, i) => i + 1);

/** One frame of every kind the client can receive, each with the check of its decoded body. */
const kinds: { name: string; bytes: Uint8Array; check(f: XrootdFrame): void }[] = [
  { name: 'handshake', bytes: B.handshakeReply(0x511, 1), check: (f) => assert.deepEqual(decodeHandshake(f.body), { protocolVersion: 0x511, serverType: 1 }) },
  { name: 'protocol', bytes: B.protocolReply(1, 0x511, 0x80300001), check: (f) => assert.deepEqual(decodeProtocolReply(f.body), { protocolVersion: 0x511, flags: 0x80300001 }) },
  {
    name: 'login',
    bytes: B.loginReply(2, session, '&P=unix&P=gsi,v:10000'),
    check: (f) => {
      const r = decodeLoginReply(f.body);
      assert.deepEqual([...r.sessionId], session);
      assert.deepEqual(r.security.map((s) => s.name), ['unix', 'gsi']);
      assert.equal(r.security[1].params, 'v:10000');
    },
  },
  { name: 'oksofar', bytes: B.response(7, B.S.oksofar, B.ascii('a\n1 2 16 3\n')), check: (f) => assert.equal(f.status, 4000) },
  { name: 'stat ok', bytes: B.response(8, B.S.ok, [...B.ascii(B.statLine(12345, false, 1700000000)), 0]), check: (f) => assert.deepEqual(decodeStatReply(f.body), { size: 12345, flags: 16, mtime: 1700000000, isDir: false }) },
  {
    name: 'error',
    bytes: B.errorReply(9, 3011, 'no such file'),
    check: (f) => {
      const e = errorFromServer(decodeError(f.body), 'stat /x');
      assert.equal(e.code, 'NOT_FOUND');
      assert.deepEqual(e.detail, { xrootdErrno: 3011, xrootdMessage: 'no such file' });
    },
  },
  { name: 'redirect', bytes: B.redirectReply(10, 2094, 'ds1.example?tried=a&x=1?tok'), check: (f) => assert.deepEqual(decodeRedirect(f.body), { host: 'ds1.example', port: 2094, opaque: 'tried=a&x=1', token: 'tok' }) },
  { name: 'wait', bytes: B.waitReply(11, 3, 'busy'), check: (f) => assert.deepEqual(decodeWait(f.body), { seconds: 3, message: 'busy' }) },
  { name: 'waitresp', bytes: B.waitrespReply(12, 5), check: (f) => assert.deepEqual(decodeWaitresp(f.body), { seconds: 5 }) },
  {
    name: 'attn asynresp',
    bytes: B.asynresp(12, B.S.ok, B.ascii('late')),
    check: (f) => {
      const a = decodeAttn(f.body);
      assert.equal(a.kind, 'asynresp');
      if (a.kind === 'asynresp') assert.deepEqual([a.streamId, a.status, a.body.toString()], [12, 0, 'late']);
    },
  },
  { name: 'empty ok', bytes: B.response(13, B.S.ok), check: (f) => assert.equal(f.body.length, 0) },
  { name: 'locate', bytes: B.response(14, B.S.ok, [...B.ascii('Sr[::10.1.2.3]:1094 Mw[::ffff:10.0.0.1]:2094 sr[2001:db8::1]:1095'), 0]), check: (f) =>
      assert.deepEqual(decodeLocateReply(f.body), [
        { kind: 'server', online: true, writable: false, host: '10.1.2.3', port: 1094 },
        { kind: 'manager', online: true, writable: true, host: '10.0.0.1', port: 2094 },
        { kind: 'server', online: false, writable: false, host: '2001:db8::1', port: 1095 },
      ]) },
];

function decodeAll(chunks: Uint8Array[]): XrootdFrame[] {
  const d = new XrootdFrameDecoder();
  const out: XrootdFrame[] = [];
  for (const c of chunks) d.push(Buffer.from(c), (f) => out.push({ ...f, body: Buffer.from(f.body) }));
  assert.ok(d.idle, 'decoder idle after whole frames');
  return out;
}

describe('xrootd frame decoding', () => {
  for (const k of kinds) {
    it(`decodes a ${k.name} frame split at every byte offset`, () => {
      for (let cut = 0; cut <= k.bytes.length; cut++) {
        const frames = decodeAll([k.bytes.subarray(0, cut), k.bytes.subarray(cut)]);
        assert.equal(frames.length, 1, `cut at ${cut}`);
        k.check(frames[0]);
      }
    });
  }

  it('decodes every kind back to back, split at every offset pair and byte by byte', () => {
    const all = B.bytes(...kinds.map((k) => k.bytes));
    const check = (frames: XrootdFrame[], label: string) => {
      assert.equal(frames.length, kinds.length, label);
      frames.forEach((f, i) => kinds[i].check(f));
    };
    for (let a = 0; a <= all.length; a += 3) {
      for (let b = a; b <= all.length; b += 5) check(decodeAll([all.subarray(0, a), all.subarray(a, b), all.subarray(b)]), `cuts ${a},${b}`);
    }
    check(decodeAll([...all].map((x) => Uint8Array.of(x))), 'byte by byte');
  });

  it('rejects an unknown status and an absurd length with PROTOCOL, and stays failed', () => {
    const d = new XrootdFrameDecoder(1024);
    assert.throws(() => d.push(Buffer.from(B.response(1, 1234, [1, 2])), () => {}), isProtocolError);
    assert.throws(() => d.push(Buffer.from(B.response(1, 0)), () => {}), isProtocolError);
    const big = new XrootdFrameDecoder(1024);
    assert.throws(() => big.push(Buffer.from([0, 1, 0, 0, 0, 0, 8, 0]), () => {}), isProtocolError);
    const neg = new XrootdFrameDecoder();
    assert.throws(() => neg.push(Buffer.from([0, 1, 0, 0, 0xff, 0xff, 0xff, 0xff]), () => {}), isProtocolError);
  });

  it('only ever throws typed errors on random garbage', () => {
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (let round = 0; round < 2000; round++) {
      const junk = Buffer.from(Array.from({ length: 1 + Math.floor(rnd() * 64) }, () => Math.floor(rnd() * 256)));
      // Bias some headers towards known statuses so body decoders see garbage too.
      if (rnd() < 0.5 && junk.length >= 8) junk.writeUInt16BE([0, 4000, 4001, 4003, 4004, 4005, 4006][Math.floor(rnd() * 7)], 2);
      if (junk.length >= 8) junk.writeInt32BE(Math.max(0, junk.length - 8), 4);
      try {
        new XrootdFrameDecoder().push(junk, (f) => {
          for (const dec of [decodeError, decodeRedirect, decodeWait, decodeWaitresp, decodeAttn, decodeHandshake, decodeProtocolReply, decodeLoginReply, decodeStatReply, decodeLocateReply]) {
            try {
              dec(f.body);
            } catch (err) {
              assert.ok(err instanceof DcError, `${dec.name} threw ${String(err)}`);
            }
          }
        });
      } catch (err) {
        assert.ok(err instanceof DcError, String(err));
      }
    }
  });

  it('reports truncated bodies as PROTOCOL errors', () => {
    assert.throws(() => decodeError(Buffer.from([0, 0])), isProtocolError);
    assert.throws(() => decodeRedirect(Buffer.from([0, 0, 4])), isProtocolError);
    assert.throws(() => decodeRedirect(Buffer.from([0, 0, 4, 0])), isProtocolError, 'no host');
    assert.throws(() => decodeLoginReply(Buffer.alloc(15)), isProtocolError);
    assert.throws(() => decodeHandshake(Buffer.alloc(7)), isProtocolError);
    assert.throws(() => decodeAttn(Buffer.from(B.asynresp(1, 0, [1, 2, 3])).subarray(8, 20)), isProtocolError);
    assert.throws(() => decodeStatReply(Buffer.from('12 x 3 4\0')), isProtocolError);
    assert.throws(() => decodeLocateReply(Buffer.from('Xr[::1]:1\0')), isProtocolError);
  });

  it('reader checks bounds on every read', () => {
    const r = new XrootdReader(Buffer.from([1, 2, 3]), 'test');
    assert.equal(r.u16(), 0x0102);
    assert.throws(() => r.i32(), isProtocolError);
    assert.equal(r.u8(), 3);
    assert.throws(() => r.u8(), isProtocolError);
  });

  it('maps server errors to stable codes', () => {
    const code = (n: number) => errorFromServer({ errnum: n, message: 'm' }, 'x').code;
    assert.equal(code(3011), 'NOT_FOUND');
    assert.equal(code(3010), 'PERMISSION');
    assert.equal(code(3007), 'IO');
    assert.equal(code(3013), 'PROTOCOL');
  });
});

describe('xrootd request encoding (against the independent builder)', () => {
  const eq = (got: Buffer, want: Uint8Array) => assert.deepEqual([...got], [...want]);
  const path = '/store/dir with space/ü#%';
  it('handshake and kXR_protocol', () => {
    eq(encodeHandshake(), B.bytes(B.be32(0), B.be32(0), B.be32(0), B.be32(4), B.be32(2012)));
    eq(encodeProtocol(1, { ableTLS: false, wantTLS: false }), B.request(1, 3006, [...B.be32(0x520), 0, 3]));
    eq(encodeProtocol(1, { ableTLS: true, wantTLS: true }), B.request(1, 3006, [...B.be32(0x520), 0x06, 3]));
  });
  it('kXR_login with and without CGI', () => {
    eq(encodeLogin(2, { pid: 4242, user: 'alice' }), B.request(2, 3007, [...B.be32(4242), ...B.ascii('alice'), 0, 0, 0, 0, 0, 0x85, 0]));
    eq(encodeLogin(2, { pid: 1, user: 'a-very-long-name', cgi: 'xrd.tok=1' }), B.request(2, 3007, [...B.be32(1), ...B.ascii('a-very-l'), 0, 0, 0x85, 0], B.ascii('xrd.tok=1')));
  });
  it('kXR_dirlist with and without dstat', () => {
    eq(encodeDirlist(0x1234, path, true), B.request(0x1234, 3004, [...new Array(15).fill(0), 2], B.ascii(path)));
    eq(encodeDirlist(5, path, false), B.request(5, 3004, [], B.ascii(path)));
  });
  it('kXR_stat, kXR_locate, kXR_ping, kXR_rm, kXR_rmdir, kXR_endsess, kXR_auth', () => {
    eq(encodeStat(3, path), B.request(3, 3017, [], B.ascii(path)));
    eq(encodeLocate(4, path, 8192), B.request(4, 3027, B.be16(8192), B.ascii(path)));
    eq(encodePing(65535), B.request(65535, 3011, []));
    eq(encodeRm(6, path), B.request(6, 3014, [], B.ascii(path)));
    eq(encodeRmdir(7, path), B.request(7, 3015, [], B.ascii(path)));
    eq(encodeEndsess(8, Buffer.from(session)), B.request(8, 3023, session));
    eq(encodeAuth(9, 'unix', unixCredentials('u', 'g')), B.request(9, 3000, [...new Array(12).fill(0), ...B.ascii('unix')], [...B.ascii('unix'), 0, ...B.ascii('u g'), 0]));
  });
  it('refuses a path holding NUL', () => {
    assert.throws(() => encodeStat(1, '/a\0b'), (e: unknown) => e instanceof DcError && e.code === 'INPUT');
  });
});
