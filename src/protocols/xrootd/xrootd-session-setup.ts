import os from 'node:os';
import type tls from 'node:tls';
import { DcError } from '../../core/errors.ts';
import { ServerFlag, Status } from './codec/xrootd-constants.ts';
import type { XrootdFrame } from './codec/xrootd-frame-decoder.ts';
import { decodeError, decodeHandshake, decodeWait, errorFromServer } from './codec/xrootd-responses.ts';
import { encodeAuth, hostCredentials, unixCredentials } from './codec/requests/xrootd-auth.ts';
import { decodeLoginReply, encodeLogin, type SecurityProtocol } from './codec/requests/xrootd-login.ts';
import { decodeProtocolReply, encodeHandshake, encodeProtocol } from './codec/requests/xrootd-protocol.ts';

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

/** Weak protocols we speak, in our order of preference. */
const SPOKEN = ['unix', 'host'];

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
      await new Promise((r) => setTimeout(r, Math.min(w.seconds, opts.maxWaitSeconds ?? 30) * 1000));
      continue;
    }
    throw unexpected(lf, 'kXR_login');
  }

  let auth = '';
  if (reply.security.length) auth = await authenticate(io, reply.security);
  return {
    sessionId: reply.sessionId,
    protocolVersion: proto.protocolVersion,
    serverFlags: proto.flags,
    isManager: (proto.flags & ServerFlag.isManager) !== 0,
    tls: useTls,
    auth,
  };
}

async function authenticate(io: SetupIo, offered: SecurityProtocol[]): Promise<string> {
  const pick = SPOKEN.find((name) => offered.some((p) => p.name === name));
  if (!pick) {
    throw new DcError('UNSUPPORTED', `server requires authentication by ${offered.map((p) => p.name).join(', ')}; this client speaks only ${SPOKEN.join(', ')}`, {
      detail: { offered: offered.map((p) => p.name) },
    });
  }
  const creds = pick === 'unix' ? unixCredentials(safeUser(), safeGroup()) : hostCredentials();
  io.write(encodeAuth(SID_AUTH, pick, creds));
  const af = await expectFrame(io, SID_AUTH, 'kXR_auth');
  if (af.status === Status.ok) return pick;
  if (af.status === Status.authmore) throw new DcError('UNSUPPORTED', `kXR_auth ${pick}: server wants a multi-step exchange`);
  const err = unexpected(af, `kXR_auth ${pick}`);
  throw err.code === 'IO' ? new DcError('PERMISSION', err.message, { detail: err.detail }) : err;
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
