/** ztn credentials (issue 3): bytes against the independent builder, server parameters, replies split anywhere. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DcError } from '../../../../src/core/errors.ts';
import { XrootdFrameDecoder, type XrootdFrame } from '../../../../src/protocols/xrootd/codec/xrootd-frame-decoder.ts';
import { decodeError, errorFromServer } from '../../../../src/protocols/xrootd/codec/xrootd-responses.ts';
import { decodeLoginReply } from '../../../../src/protocols/xrootd/codec/requests/xrootd-login.ts';
import { encodeAuth } from '../../../../src/protocols/xrootd/codec/requests/xrootd-auth.ts';
import { parseZtnParams, ztnCredentials, ztnTokenLimit } from '../../../../src/protocols/xrootd/codec/requests/xrootd-auth-ztn.ts';
import * as B from './xrootd-frame-builder.ts';

const params = parseZtnParams('0:4096:');
const TOKEN = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln';
const hidesToken = (token: string) => (e: unknown) => e instanceof DcError && e.code === 'CONFIG' && !e.message.includes(token) && !JSON.stringify(e.detail ?? {}).includes(token);

function decodeAll(chunks: Uint8Array[]): XrootdFrame[] {
  const d = new XrootdFrameDecoder();
  const out: XrootdFrame[] = [];
  for (const c of chunks) d.push(Buffer.from(c), (f) => out.push({ ...f, body: Buffer.from(f.body) }));
  assert.ok(d.idle);
  return out;
}

describe('ztn credentials', () => {
  it('match the layout of XrdSecProtocolztn.cc, inside a kXR_auth request', () => {
    assert.deepEqual([...ztnCredentials(TOKEN, params)], B.ztnCredential(TOKEN));
    assert.deepEqual([...encodeAuth(7, 'ztn', ztnCredentials(TOKEN, params))], [...B.authRequest(7, 'ztn', B.ztnCredential(TOKEN))]);
  });

  it('carry the length (token + NUL) big-endian', () => {
    const long = 'a'.repeat(300);
    const c = ztnCredentials(long, params);
    assert.deepEqual([c[8], c[9]], [0x01, 0x2d]);
    assert.equal(c.length, 10 + 301);
    assert.equal(c[c.length - 1], 0);
  });

  it('accept a token one byte under maxtsz and refuse one of maxtsz, without quoting it', () => {
    const p = parseZtnParams('0:64:');
    assert.equal(ztnTokenLimit(p), 63);
    assert.equal(ztnCredentials('t'.repeat(63), p).length, 74);
    assert.throws(() => ztnCredentials('s'.repeat(64), p), hidesToken('s'.repeat(64)));
  });

  it('refuse an empty token and one holding a NUL byte', () => {
    assert.throws(() => ztnCredentials('', params), hidesToken('\0'));
    assert.throws(() => ztnCredentials('abc\0def', params), hidesToken('abc'));
  });

  it('never exceed the 16-bit length field, whatever maxtsz the server names', () => {
    assert.equal(ztnTokenLimit(parseZtnParams('0:524288:')), 65534);
  });
});

describe('ztn server parameters', () => {
  it('read <options>:<maxtsz>: with the version in the low byte', () => {
    assert.deepEqual(parseZtnParams('0:4096:'), { version: 0, options: 0, maxTokenSize: 4096 });
    assert.deepEqual(parseZtnParams('TLS:0:4096:'), { version: 0, options: 0, maxTokenSize: 4096 });
    assert.deepEqual(parseZtnParams('2305:100:'), { version: 1, options: 2305, maxTokenSize: 100 });
  });

  it('reject malformed parameters as PROTOCOL', () => {
    for (const bad of ['', '0:4096', 'x:1:', '0:0:', '0::', ':4096:', '-1:4096:']) {
      assert.throws(() => parseZtnParams(bad), (e: unknown) => e instanceof DcError && e.code === 'PROTOCOL', JSON.stringify(bad));
    }
  });
});

describe('ztn replies from the server', () => {
  const session = Array.from({ length: 16 }, (_, i) => 0xa0 + i);
  const login = B.loginReply(2, session, '&P=ztn,0:4096:&P=unix');
  const refused = B.errorReply(3, 3030, 'token refused');

  it('decodes a login reply offering ztn, split at every byte offset', () => {
    for (let cut = 0; cut <= login.length; cut++) {
      const [f] = decodeAll([login.subarray(0, cut), login.subarray(cut)]);
      const r = decodeLoginReply(f.body);
      assert.deepEqual([...r.sessionId], session);
      assert.deepEqual(r.security, [
        { name: 'ztn', params: '0:4096:' },
        { name: 'unix', params: '' },
      ]);
      assert.equal(parseZtnParams(r.security[0].params).maxTokenSize, 4096);
    }
  });

  it('decodes the refusal of a token as PERMISSION, split at every byte offset, with the kXR_ok after it', () => {
    const both = B.bytes(refused, B.response(3, B.S.ok));
    for (let cut = 0; cut <= both.length; cut++) {
      const [err, ok] = decodeAll([both.subarray(0, cut), both.subarray(cut)]);
      assert.equal(err.status, B.S.error);
      const e = errorFromServer(decodeError(err.body), 'kXR_auth ztn');
      assert.equal(e.code, 'PERMISSION');
      assert.deepEqual(e.detail, { xrootdErrno: 3030, xrootdMessage: 'token refused' });
      assert.deepEqual([ok.streamId, ok.status, ok.body.length], [3, 0, 0]);
    }
  });
});
