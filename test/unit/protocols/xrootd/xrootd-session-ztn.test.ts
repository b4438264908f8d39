/**
 * Session setup choosing ztn (issue 3), driven through an in-memory SetupIo: the server side is
 * scripted with the independent frame builder, so the exact kXR_auth bytes can be checked.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DcError } from '../../../../src/core/errors.ts';
import { XrootdFrameDecoder, type XrootdFrame } from '../../../../src/protocols/xrootd/codec/xrootd-frame-decoder.ts';
import type { BearerTokenProvider } from '../../../../src/protocols/credentials/credentials-bearer-token.ts';
import { runSessionSetup, type SetupOptions } from '../../../../src/protocols/xrootd/xrootd-session-setup.ts';
import * as B from './xrootd-frame-builder.ts';

const TOKEN = 'tok.en-' + 'x'.repeat(40);
const HAVE_TLS = 0x80000000 | 1;

interface Scripted {
  /** Login reply security string. */
  security: string;
  protocolFlags: number;
  /** Answer to kXR_auth. */
  auth?: (req: B.ParsedRequest) => Uint8Array;
}

function scriptedIo(s: Scripted) {
  const sent: B.ParsedRequest[] = [];
  const raw: Buffer[] = [];
  let tlsStarted = false;
  let pending: Uint8Array = new Uint8Array(0);
  let shook = false;
  const decoder = new XrootdFrameDecoder();
  const frames: XrootdFrame[] = [];
  const answer = (bytes: Uint8Array) => decoder.push(Buffer.from(bytes), (f) => frames.push({ ...f, body: Buffer.from(f.body) }));
  const io = {
    write(b: Buffer) {
      raw.push(Buffer.from(b));
      pending = B.bytes(pending, b);
      if (!shook) {
        pending = pending.subarray(20);
        shook = true;
        answer(B.handshakeReply());
      }
      const { requests, rest } = B.parseRequests(pending);
      pending = rest;
      for (const r of requests) {
        sent.push(r);
        if (r.requestId === 3006) answer(B.protocolReply(r.streamId, 0x511, s.protocolFlags));
        else if (r.requestId === 3007) answer(B.loginReply(r.streamId, new Array(16).fill(7), s.security));
        else if (r.requestId === 3000) answer(s.auth ? s.auth(r) : B.response(r.streamId, 0));
      }
    },
    async next(): Promise<XrootdFrame> {
      const f = frames.shift();
      if (!f) throw new DcError('IO', 'scripted server has nothing more to say');
      return f;
    },
    async startTls() {
      tlsStarted = true;
    },
  };
  return { io, sent, raw: () => Buffer.concat(raw), tls: () => tlsStarted };
}

function tokens(token: string | undefined) {
  const calls: number[] = [];
  const p: BearerTokenProvider = {
    read: (max) => {
      calls.push(max);
      return token === undefined ? undefined : { token, source: 'test source' };
    },
    describe: () => 'the test places',
  };
  return { p, calls };
}

const setup = (io: ReturnType<typeof scriptedIo>['io'], opts: Partial<SetupOptions>) => runSessionSetup(io, { tlsMode: 'want', user: 'u', ...opts });

describe('session setup with ztn', () => {
  it('sends the token credential after the TLS upgrade, bounded by the server maxtsz', async () => {
    const srv = scriptedIo({ security: '&P=ztn,0:4096:', protocolFlags: HAVE_TLS });
    const t = tokens(TOKEN);
    const info = await setup(srv.io, { bearerToken: t.p });
    assert.equal(info.auth, 'ztn');
    assert.equal(srv.tls(), true);
    assert.deepEqual(t.calls, [4095]);
    const auth = srv.sent.find((r) => r.requestId === 3000)!;
    assert.deepEqual([...B.request(auth.streamId, 3000, [...auth.params], [...auth.data])], [...B.authRequest(auth.streamId, 'ztn', B.ztnCredential(TOKEN))]);
  });

  it('follows the server order: unix first when the server prefers it, ztn first when it does', async () => {
    const a = scriptedIo({ security: '&P=unix&P=ztn,0:4096:', protocolFlags: HAVE_TLS });
    assert.equal((await setup(a.io, { bearerToken: tokens(TOKEN).p })).auth, 'unix');
    assert.equal(a.raw().indexOf(TOKEN), -1);
    const b = scriptedIo({ security: '&P=ztn,0:4096:&P=unix', protocolFlags: HAVE_TLS });
    assert.equal((await setup(b.io, { bearerToken: tokens(TOKEN).p })).auth, 'ztn');
  });

  it('without TLS never looks up the token: falls back to unix, or fails with CONFIG when ztn is all', async () => {
    const t = tokens(TOKEN);
    const a = scriptedIo({ security: '&P=ztn,0:4096:&P=unix', protocolFlags: 1 });
    assert.equal((await setup(a.io, { tlsMode: 'off', bearerToken: t.p })).auth, 'unix');
    const b = scriptedIo({ security: '&P=ztn,0:4096:', protocolFlags: 1 });
    await assert.rejects(setup(b.io, { tlsMode: 'off', bearerToken: t.p }), (e: unknown) => e instanceof DcError && e.code === 'CONFIG' && e.detail?.reason === 'ztn-needs-tls');
    assert.deepEqual(t.calls, []);
    assert.equal(a.raw().indexOf(TOKEN) + b.raw().indexOf(TOKEN), -2);
    assert.equal(b.sent.some((r) => r.requestId === 3000), false);
  });

  it('a server that only announces TLS (roots:// not asked) gets no token either', async () => {
    const t = tokens(TOKEN);
    const srv = scriptedIo({ security: '&P=ztn,0:4096:', protocolFlags: HAVE_TLS });
    await assert.rejects(setup(srv.io, { tlsMode: 'able', bearerToken: t.p }), (e: unknown) => e instanceof DcError && e.code === 'CONFIG');
    assert.equal(srv.tls(), false);
    assert.deepEqual(t.calls, []);
  });

  it('with no token found: PERMISSION naming where it looked; with no provider at all too', async () => {
    const srv = scriptedIo({ security: '&P=ztn,0:4096:', protocolFlags: HAVE_TLS });
    await assert.rejects(setup(srv.io, { bearerToken: tokens(undefined).p }), (e: unknown) => e instanceof DcError && e.code === 'PERMISSION' && /the test places/.test(e.message));
    const bare = scriptedIo({ security: '&P=ztn,0:4096:', protocolFlags: HAVE_TLS });
    await assert.rejects(setup(bare.io, {}), (e: unknown) => e instanceof DcError && e.code === 'PERMISSION');
  });

  it('maps the server refusing the token to PERMISSION, and never puts the token in the message', async () => {
    const srv = scriptedIo({ security: '&P=ztn,0:4096:', protocolFlags: HAVE_TLS, auth: (r) => B.errorReply(r.streamId, 3030, 'token expired') });
    await assert.rejects(setup(srv.io, { bearerToken: tokens(TOKEN).p }), (e: unknown) => {
      assert.ok(e instanceof DcError);
      assert.equal(e.code, 'PERMISSION');
      assert.match(e.message, /ztn \(token from test source\).*token expired/);
      assert.ok(!e.message.includes(TOKEN) && !JSON.stringify(e.detail).includes(TOKEN));
      return true;
    });
  });

  it('blanks the token out of a refusal that quotes it', async () => {
    const srv = scriptedIo({ security: '&P=ztn,0:4096:', protocolFlags: HAVE_TLS, auth: (r) => B.errorReply(r.streamId, 3030, `bad token ${TOKEN}!`) });
    await assert.rejects(setup(srv.io, { bearerToken: tokens(TOKEN).p }), (e: unknown) => {
      assert.ok(e instanceof DcError && e.code === 'PERMISSION');
      assert.match(e.message, /bad token <token>!/);
      assert.equal(e.detail?.xrootdMessage, 'bad token <token>!');
      return true;
    });
  });

  it('refuses a token longer than the server maxtsz before sending anything, and malformed parameters', async () => {
    const small = scriptedIo({ security: '&P=ztn,0:16:', protocolFlags: HAVE_TLS });
    await assert.rejects(setup(small.io, { bearerToken: tokens(TOKEN).p }), (e: unknown) => e instanceof DcError && e.code === 'CONFIG' && !e.message.includes(TOKEN));
    assert.equal(small.raw().indexOf(TOKEN), -1);
    const bad = scriptedIo({ security: '&P=ztn,garbage', protocolFlags: HAVE_TLS });
    await assert.rejects(setup(bad.io, { bearerToken: tokens(TOKEN).p }), (e: unknown) => e instanceof DcError && e.code === 'PROTOCOL');
  });

  it('reports a multi-step answer (kXR_authmore) as UNSUPPORTED', async () => {
    const srv = scriptedIo({ security: '&P=ztn,0:4096:', protocolFlags: HAVE_TLS, auth: (r) => B.response(r.streamId, B.S.authmore, [1, 2]) });
    await assert.rejects(setup(srv.io, { bearerToken: tokens(TOKEN).p }), (e: unknown) => e instanceof DcError && e.code === 'UNSUPPORTED');
  });
});
