import os from 'node:os';
import type tls from 'node:tls';
import { setTimeout as delay } from 'node:timers/promises';
import { DcError } from '../../core/errors.ts';
import { ServerFlag, Status } from './codec/xrootd-constants.ts';
import type { XrootdFrame } from './codec/xrootd-frame-decoder.ts';
import { decodeError, decodeHandshake, decodeWait, errorFromServer } from './codec/xrootd-responses.ts';
import { encodeAuth, hostCredentials, unixCredentials } from './codec/requests/xrootd-auth.ts';
import { parseZtnParams, ztnCredentials, ztnTokenLimit } from './codec/requests/xrootd-auth-ztn.ts';
import { decodeLoginReply, encodeLogin, type SecurityProtocol } from './codec/requests/xrootd-login.ts';
import { decodeProtocolReply, encodeHandshake, encodeProtocol } from './codec/requests/xrootd-protocol.ts';
import type { BearerTokenProvider } from '../credentials/credentials-bearer-token.ts';

/** How a connection asks for TLS: never, when the server wants it, or always (roots://). */
export type TlsMode = 'off' | 'able' | 'want';

export interface SetupOptions {
  tlsMode: TlsMode;
  /** Passed to `tls.connect` on upgrade (CA certificates, servername, …). */
  tlsOptions?: tls.ConnectionOptions;
  /** Login name (informational without strong auth). */
  user?: string;
  /** CGI sent with kXR_login, e.g. a redirect token. */
  loginCgi?: string;
  /** kXR_wait answers to login honoured before giving up. */
  maxLoginWaits?: number;
  /** Upper bound of one kXR_wait pause, seconds. */
  maxWaitSeconds?: number;
  /** Where a token comes from when the server asks for `ztn`; without it `ztn` is not spoken. */
  bearerToken?: BearerTokenProvider;
}

export interface SessionInfo {
  sessionId: Buffer;
  protocolVersion: number;
  serverFlags: number;
  isManager: boolean;
  tls: boolean;
  /** Security protocol used, or '' when the server asked for none. */
  auth: string;
}

/** What the setup needs from the connection: write bytes, read whole frames, switch to TLS. */
export interface SetupIo {
  write(b: Buffer): void;
  next(): Promise<XrootdFrame>;
  startTls(options: tls.ConnectionOptions): Promise<void>;
}

/** Stream ids used only during setup, before the multiplexer hands out ids. */
const SID_PROTOCOL = 1;
const SID_LOGIN = 2;
const SID_AUTH = 3;

/** Protocols we speak; the server's order of preference decides among those it offers. */
const SPOKEN = ['ztn', 'unix', 'host'];

async function expectFrame(io: SetupIo, streamId: number, what: string): Promise<XrootdFrame> {
  const f = await io.next();
  if (f.streamId !== streamId) throw new DcError('PROTOCOL', `${what}: reply on stream ${f.streamId}, expected ${streamId}`);
  return f;
}

function unexpected(f: XrootdFrame, what: string): DcError {
  if (f.status === Status.error) return errorFromServer(decodeError(f.body), what);
  return new DcError('PROTOCOL', `${what}: unexpected response status ${f.status}`, { detail: { status: f.status } });
}

/**
 * Handshake, kXR_protocol (TLS negotiation), kXR_login and, when the server asks, kXR_auth with
 * `unix` or `host` credentials. Handshake and kXR_protocol go out in one write so they cost one
 * round trip, as the C++ client does.
 */
export async function runSessionSetup(io: SetupIo, opts: SetupOptions): Promise<SessionInfo> {
  io.write(Buffer.concat([encodeHandshake(), encodeProtocol(SID_PROTOCOL, { ableTLS: opts.tlsMode !== 'off', wantTLS: opts.tlsMode === 'want' })]));
  const hs = await expectFrame(io, 0, 'handshake');
  if (hs.status !== Status.ok) throw unexpected(hs, 'handshake');
  decodeHandshake(hs.body);

  const pf = await expectFrame(io, SID_PROTOCOL, 'kXR_protocol');
  if (pf.status !== Status.ok) throw unexpected(pf, 'kXR_protocol');
  const proto = decodeProtocolReply(pf.body);
  const haveTls = (proto.flags & ServerFlag.haveTLS) !== 0;
  const gotoTls = (proto.flags & ServerFlag.gotoTLS) !== 0;
  if (opts.tlsMode === 'want' && !haveTls && !gotoTls) {
    throw new DcError('UNSUPPORTED', 'roots:// asked but the server offers no TLS', { detail: { serverFlags: proto.flags } });
  }
  const useTls = opts.tlsMode !== 'off' && (gotoTls || (opts.tlsMode === 'want' && haveTls));
  if (useTls) await io.startTls(opts.tlsOptions ?? {});

  const login = encodeLogin(SID_LOGIN, { pid: process.pid, user: opts.user ?? safeUser(), cgi: opts.loginCgi });
  let waits = 0;
  let reply;
  for (;;) {
    io.write(login);
    const lf = await expectFrame(io, SID_LOGIN, 'kXR_login');
    if (lf.status === Status.ok) {
      reply = decodeLoginReply(lf.body);
      break;
    }
    if (lf.status === Status.wait && waits++ < (opts.maxLoginWaits ?? 3)) {
      const w = decodeWait(lf.body);
      await delay(Math.min(w.seconds, opts.maxWaitSeconds ?? 30) * 1000);
      continue;
    }
    throw unexpected(lf, 'kXR_login');
  }

  let auth = '';
  if (reply.security.length) auth = await authenticate(io, reply.security, useTls, opts.bearerToken);
  return {
    sessionId: reply.sessionId,
    protocolVersion: proto.protocolVersion,
    serverFlags: proto.flags,
    isManager: (proto.flags & ServerFlag.isManager) !== 0,
    tls: useTls,
    auth,
  };
}

/** The credentials of one offered protocol, or why it cannot be used on this connection. */
type Choice = { name: string; creds: Buffer; via?: string; secret?: string } | { skip: 'no-tls' | 'no-token' };

function credentialsFor(p: SecurityProtocol, tls: boolean, tokens: BearerTokenProvider | undefined): Choice {
  if (p.name === 'unix') return { name: 'unix', creds: unixCredentials(safeUser(), safeGroup()) };
  if (p.name === 'host') return { name: 'host', creds: hostCredentials() };
  // ztn: the token is a password; it is looked up only once TLS protects the connection.
  if (!tls) return { skip: 'no-tls' };
  const params = parseZtnParams(p.params);
  const found = tokens?.read(ztnTokenLimit(params));
  if (!found) return { skip: 'no-token' };
  return { name: 'ztn', creds: ztnCredentials(found.token, params), via: found.source, secret: found.token };
}

/**
 * kXR_auth with the first protocol the server offers (its order of preference) that we can use
 * here: `ztn` needs TLS and a token, `unix` and `host` need nothing. When none is usable, the error
 * says why; a bearer token is never sent over a connection without TLS.
 */
async function authenticate(io: SetupIo, offered: SecurityProtocol[], tls: boolean, tokens: BearerTokenProvider | undefined): Promise<string> {
  const skipped = new Set<string>();
  let pick: Exclude<Choice, { skip: string }> | undefined;
  for (const p of offered) {
    if (!SPOKEN.includes(p.name)) continue;
    const c = credentialsFor(p, tls, tokens);
    if ('skip' in c) {
      skipped.add(c.skip);
      continue;
    }
    pick = c;
    break;
  }
  if (!pick) {
    const names = offered.map((p) => p.name);
    if (skipped.has('no-tls')) {
      throw new DcError('CONFIG', `server requires token authentication (ztn), which is only done over TLS; this connection has none: use a roots:// URL`, {
        detail: { offered: names, reason: 'ztn-needs-tls' },
      });
    }
    if (skipped.has('no-token')) {
      throw new DcError('PERMISSION', `server requires token authentication (ztn) and no bearer token was found (looked at: ${tokens?.describe() ?? 'nothing configured'})`, {
        detail: { offered: names, reason: 'no-token' },
      });
    }
    throw new DcError('UNSUPPORTED', `server requires authentication by ${names.join(', ')}; this client speaks only ${SPOKEN.join(', ')}`, {
      detail: { offered: names },
    });
  }
  io.write(encodeAuth(SID_AUTH, pick.name, pick.creds));
  const what = `kXR_auth ${pick.name}${pick.via ? ` (token from ${pick.via})` : ''}`;
  const af = await expectFrame(io, SID_AUTH, 'kXR_auth');
  if (af.status === Status.ok) return pick.name;
  if (af.status === Status.authmore) throw new DcError('UNSUPPORTED', `${what}: server wants a multi-step exchange`);
  const err = redacted(unexpected(af, what), pick.secret);
  throw err.code === 'IO' ? new DcError('PERMISSION', err.message, { detail: err.detail }) : err;
}

/** A server could quote the credentials it refused; errors end up in logs, the token must not. */
function redacted(err: DcError, secret: string | undefined): DcError {
  if (!secret) return err;
  const scrub = (v: unknown) => (typeof v === 'string' ? v.split(secret).join('<token>') : v);
  const detail = err.detail && Object.fromEntries(Object.entries(err.detail).map(([k, v]) => [k, scrub(v)]));
  return new DcError(err.code, scrub(err.message) as string, { detail });
}

function safeUser(): string {
  try {
    return os.userInfo().username || 'nobody';
  } catch {
    return 'nobody';
  }
}

function safeGroup(): string {
  // Node gives no group name; the server treats the group as informational for `unix`.
  return '';
}
