import { DcError } from '../../../../core/errors.ts';
import { Req } from '../xrootd-constants.ts';
import { pathData, XrootdRequestWriter } from '../xrootd-writer.ts';

/** kXR_locate (XProtocol.hh `ClientLocateRequest`): 2-byte options, 14 reserved, path as data. */
export function encodeLocate(streamId: number, path: string, options = 0): Buffer {
  return new XrootdRequestWriter(streamId, Req.locate, pathData(path)).u16(options).skip(14).done();
}

export interface LocateEntry {
  /** M/m: manager (online/pending), S/s: server (online/pending). */
  kind: 'manager' | 'server';
  online: boolean;
  writable: boolean;
  host: string;
  port: number;
}

/**
 * Locate reply: space-separated `<type><access><address>`, e.g. `Sr[::10.0.0.2]:1094`.
 * IPv4-mapped addresses (`[::a.b.c.d]`, `[::ffff:a.b.c.d]`) are given back as plain IPv4.
 */
export function decodeLocateReply(body: Buffer): LocateEntry[] {
  let end = body.indexOf(0);
  if (end === -1) end = body.length;
  const out: LocateEntry[] = [];
  for (const item of body.toString('utf8', 0, end).split(' ')) {
    if (!item) continue;
    const t = item[0];
    const a = item[1];
    if (!'MmSs'.includes(t) || !'rw'.includes(a)) throw new DcError('PROTOCOL', `bad kXR_locate entry ${JSON.stringify(item)}`);
    const { host, port } = splitHostPort(item.slice(2));
    out.push({ kind: t === 'M' || t === 'm' ? 'manager' : 'server', online: t === 'M' || t === 'S', writable: a === 'w', host, port });
  }
  return out;
}

export function splitHostPort(addr: string, defaultPort = 1094): { host: string; port: number } {
  let host: string;
  let rest: string;
  if (addr.startsWith('[')) {
    const close = addr.indexOf(']');
    if (close === -1) throw new DcError('PROTOCOL', `bad address ${JSON.stringify(addr)}`);
    host = addr.slice(1, close);
    rest = addr.slice(close + 1);
    const mapped = /^(?:::ffff:|::)(\d+\.\d+\.\d+\.\d+)$/i.exec(host);
    if (mapped) host = mapped[1];
  } else {
    const colon = addr.lastIndexOf(':');
    host = colon === -1 ? addr : addr.slice(0, colon);
    rest = colon === -1 ? '' : addr.slice(colon);
  }
  let port = defaultPort;
  if (rest) {
    if (!/^:\d{1,5}$/.test(rest)) throw new DcError('PROTOCOL', `bad port in address ${JSON.stringify(addr)}`);
    port = Number(rest.slice(1));
  }
  if (!host) throw new DcError('PROTOCOL', `empty host in address ${JSON.stringify(addr)}`);
  return { host, port };
}
