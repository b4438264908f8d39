/**
 * D4 inputs and feeders: valid XRootD response streams and WebDAV multistatus documents, made by the
 * tests' own builders (test/unit/protocols/…, which share no code with the production codecs), then
 * cut, mutated or replaced by noise. Everything is a function of one seed, so a failure names the
 * input that made it and `badBytesInput(protocol, seed)` gives it back.
 */
import { DcError } from '../../src/core/errors.ts';
import { XrootdFrameDecoder, type XrootdFrame } from '../../src/protocols/xrootd/codec/xrootd-frame-decoder.ts';
import { decodeAttn, decodeError, decodeHandshake, decodeRedirect, decodeWait, decodeWaitresp, errorFromServer } from '../../src/protocols/xrootd/codec/xrootd-responses.ts';
import { DirlistDecoder } from '../../src/protocols/xrootd/codec/requests/xrootd-dirlist.ts';
import { decodeStatReply } from '../../src/protocols/xrootd/codec/requests/xrootd-stat.ts';
import { decodeLoginReply } from '../../src/protocols/xrootd/codec/requests/xrootd-login.ts';
import { decodeLocateReply } from '../../src/protocols/xrootd/codec/requests/xrootd-locate.ts';
import { decodeProtocolReply } from '../../src/protocols/xrootd/codec/requests/xrootd-protocol.ts';
import { MultistatusParser } from '../../src/protocols/webdav/webdav-multistatus-parser.ts';
import { decodeHrefPath, hrefPath } from '../../src/protocols/webdav/webdav-href.ts';
import * as X from '../unit/protocols/xrootd/xrootd-frame-builder.ts';
import { rng } from '../unit/protocols/webdav/webdav-random-xml.ts';
import { randomDoc } from '../unit/protocols/webdav/webdav-random-xml.ts';
import { doc, HEAD_NGINX, HEAD_XRDHTTP, nginxResponse, xrdhttpResponse } from '../unit/protocols/webdav/webdav-test-xml.ts';

export type BadBytesProtocol = 'xrootd' | 'webdav';
export type Mangling = 'random' | 'truncated' | 'mutated';

export interface BadBytesInput {
  kind: Mangling;
  bytes: Buffer;
  /** Where the input is cut into chunks as a socket would deliver it. */
  cuts: number[];
}

type Rand = () => number;
const int = (r: Rand, n: number) => Math.floor(r() * n);
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)];

const NAMES = ['a', 'file.root', 'dir with space', 'new\nline', 'tab\tname', '%41', '<img src=x onerror=alert(1)>', 'é', '日本', '..', '.', 'x'.repeat(255)];

function xrootdValidStream(r: Rand): Buffer {
  const sid = int(r, 65536);
  const entries = () => Array.from({ length: int(r, 6) }, () => ({ name: pick(r, NAMES), size: int(r, 1e9), isDir: r() < 0.3, mtime: int(r, 2e9) }));
  const makers: (() => Uint8Array)[] = [
    () => X.handshakeReply(),
    () => X.protocolReply(sid),
    () => X.loginReply(sid, Array.from({ length: 16 }, () => int(r, 256)), r() < 0.5 ? '&P=ztn&P=unix' : ''),
    () => X.errorReply(sid, 3000 + int(r, 40), pick(r, NAMES)),
    () => X.redirectReply(sid, r() < 0.2 ? -1 : 1094, pick(r, ['host.example', 'h:1094?x=1?tok', 'root://u@h//p', '[::1]', ''])),
    () => X.waitReply(sid, int(r, 100), 'busy'),
    () => X.waitrespReply(sid, int(r, 100)),
    () => X.attnMessage('hello'),
    () => X.asynresp(sid, X.S.ok, X.ascii(X.statLine(int(r, 1e6), r() < 0.5, int(r, 2e9)))),
    () => X.response(sid, X.S.ok, [...X.ascii(X.statLine(int(r, 1e12), r() < 0.5, int(r, 2e9))), 0]),
    () => X.response(sid, X.S.ok, [...X.ascii(X.dstatText(entries())), 0]),
    () => X.response(sid, X.S.ok, [...X.ascii(entries().map((e) => e.name).join('\n')), 0]),
    () => X.response(sid, X.S.ok, [...X.ascii(`Sr[::ffff:10.0.0.1]:1094 Mr10.0.0.2:1094`), 0]),
    () => {
      // A directory in kXR_oksofar chunks cut anywhere, then the final kXR_ok.
      const text = X.ascii(X.dstatText(entries()));
      const cut = int(r, text.length + 1);
      return X.bytes(X.response(sid, X.S.oksofar, text.slice(0, cut)), X.response(sid, X.S.ok, [...text.slice(cut), 0]));
    },
  ];
  const parts = Array.from({ length: 1 + int(r, 3) }, () => pick(r, makers)());
  return Buffer.from(X.bytes(...parts));
}

function webdavValidDocument(r: Rand, seed: number): Buffer {
  if (r() < 0.5) return Buffer.from(randomDoc(seed).text);
  const nginx = r() < 0.5;
  const entries = Array.from({ length: int(r, 5) }, () => ({
    href: '/store/' + encodeURIComponent(pick(r, NAMES)) + (r() < 0.3 ? '/' : ''),
    dir: r() < 0.3,
    size: int(r, 1e9),
    modified: 'Tue, 01 Dec 2026 10:00:00 GMT',
  }));
  return Buffer.from(doc(nginx ? HEAD_NGINX : HEAD_XRDHTTP, entries.map(nginx ? nginxResponse : xrdhttpResponse)));
}

/** Values that break length fields and parsers: zero, negatives, huge, NUL, newline, markup. */
const INT32 = [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0x01ffffff, 8, 16, 4000, 4003, 4004, 4006];
const XROOTD_BYTES = [0x00, 0xff, 0x0a, 0x20, 0x2e, 0x80, 0x0f, 0x3f, 0x2d];
const WEBDAV_SNIPPETS = ['<', '>', '&', '&#0;', '&#xFFFFFFFF;', '&#xD800;', ']]>', '<![CDATA[', '<!--', '<?x', '"', "'", '=', '/', ':', 'xmlns:D="x"', '</D:response>', '<D:response>', '<a>'.repeat(500), 'x'.repeat(70_000), '\xff\xfe', '\u0000', '&amp', '&unknown;'];

function mutate(r: Rand, valid: Buffer, protocol: BadBytesProtocol): Buffer {
  let b = Buffer.from(valid);
  const n = 1 + int(r, 4);
  for (let m = 0; m < n; m++) {
    const pos = int(r, b.length + 1);
    switch (int(r, 7)) {
      case 0: // flip one bit
        if (pos < b.length) b[pos] ^= 1 << int(r, 8);
        break;
      case 1: // an interesting byte
        if (pos < b.length) b[pos] = protocol === 'xrootd' ? pick(r, XROOTD_BYTES) : pick(r, [0x3c, 0x3e, 0x26, 0x00, 0xff, 0xc3, 0x22]);
        break;
      case 2: // an interesting 32-bit value (a length field, a status, an errno)
        if (pos + 4 <= b.length) b.writeUInt32BE(pick(r, INT32), pos);
        break;
      case 3: // delete a range
        b = Buffer.concat([b.subarray(0, pos), b.subarray(Math.min(b.length, pos + 1 + int(r, 16)))]);
        break;
      case 4: // duplicate a range
        b = Buffer.concat([b.subarray(0, pos), b.subarray(pos, pos + int(r, 64)), b.subarray(pos)]);
        break;
      case 5: // insert noise, or a snippet that means something to the parser
        b = Buffer.concat([b.subarray(0, pos), protocol === 'webdav' ? Buffer.from(pick(r, WEBDAV_SNIPPETS), 'latin1') : noise(r, 1 + int(r, 12)), b.subarray(pos)]);
        break;
      default: // swap two ranges' order
        b = Buffer.concat([b.subarray(pos), b.subarray(0, pos)]);
    }
  }
  return b;
}

function noise(r: Rand, n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = int(r, 256);
  return b;
}

/** The input of one seed: 10 % noise, 30 % a valid input cut short, 60 % a mutated valid input. */
export function badBytesInput(protocol: BadBytesProtocol, seed: number): BadBytesInput {
  const r = rng(seed * 2654435761 + (protocol === 'xrootd' ? 1 : 2));
  const which = r();
  let kind: Mangling;
  let bytes: Buffer;
  if (which < 0.1) {
    kind = 'random';
    bytes = noise(r, int(r, 512));
    // Half of the noise under a valid header, so it reaches the body decoders.
    if (protocol === 'xrootd' && r() < 0.5) bytes = Buffer.from(X.response(int(r, 65536), pick(r, Object.values(X.S)), bytes));
    if (protocol === 'webdav' && r() < 0.5) bytes = Buffer.concat([Buffer.from(HEAD_NGINX), bytes]);
  } else {
    const valid = protocol === 'xrootd' ? xrootdValidStream(r) : webdavValidDocument(r, seed);
    if (which < 0.4) {
      kind = 'truncated';
      bytes = valid.subarray(0, int(r, valid.length));
    } else {
      kind = 'mutated';
      bytes = mutate(r, valid, protocol);
    }
  }
  const cuts = Array.from({ length: int(r, 4) }, () => int(r, bytes.length + 1)).sort((a, b) => a - b);
  return { kind, bytes, cuts };
}

function* chunks(input: BadBytesInput): Generator<Buffer> {
  let at = 0;
  for (const c of input.cuts) {
    yield input.bytes.subarray(at, c);
    at = c;
  }
  yield input.bytes.subarray(at);
}

/** Runs `f`; a DcError counts as a typed refusal, anything else escapes. */
function typed(f: () => void): boolean {
  try {
    f();
    return true;
  } catch (err) {
    if (err instanceof DcError) return false;
    throw err;
  }
}

/** Every decoder a frame of this status can meet in the client, each given the frame's body. */
function decodeFrame(f: XrootdFrame, dirlists: Map<number, DirlistDecoder[]>, depth = 0): void {
  const body = Buffer.from(f.body);
  switch (f.status) {
    case X.S.ok:
    case X.S.oksofar: {
      const final = f.status === X.S.ok;
      let ds = dirlists.get(f.streamId);
      if (!ds) dirlists.set(f.streamId, (ds = [new DirlistDecoder(true), new DirlistDecoder(false)]));
      for (const d of ds) typed(() => d.push(body, final));
      if (final) {
        dirlists.delete(f.streamId);
        for (const decode of [decodeHandshake, decodeStatReply, decodeLoginReply, decodeLocateReply, decodeProtocolReply]) typed(() => decode(body));
      }
      return;
    }
    case X.S.error:
      typed(() => errorFromServer(decodeError(body), 'stat /x').message);
      return;
    case X.S.redirect:
      typed(() => decodeRedirect(body));
      return;
    case X.S.wait:
      typed(() => decodeWait(body));
      return;
    case X.S.waitresp:
      typed(() => decodeWaitresp(body));
      return;
    case X.S.attn:
      typed(() => {
        const a = decodeAttn(body);
        if (a.kind === 'asynresp' && depth < 2) decodeFrame({ streamId: a.streamId, status: a.status, body: a.body }, dirlists, depth + 1);
      });
      return;
  }
}

/** Feeds one input to the XRootD frame decoder and every body decoder; true when all of it decoded. */
export function feedXrootd(input: BadBytesInput): boolean {
  const decoder = new XrootdFrameDecoder();
  const dirlists = new Map<number, DirlistDecoder[]>();
  return typed(() => {
    for (const c of chunks(input)) decoder.push(c, (f) => decodeFrame(f, dirlists));
  });
}

/** Feeds one input to the multistatus parser, then each href to the href decoders; true when it parsed. */
export function feedWebdav(input: BadBytesInput): boolean {
  const hrefs: string[] = [];
  const ok = typed(() => {
    const p = new MultistatusParser((e) => hrefs.push(e.href));
    for (const c of chunks(input)) p.write(c);
    p.end();
  });
  for (const h of hrefs) {
    const { path } = hrefPath(h);
    typed(() => decodeHrefPath(path, 'encoded'));
    typed(() => decodeHrefPath(path, 'raw'));
  }
  return ok;
}
