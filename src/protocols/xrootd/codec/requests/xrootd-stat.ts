import { DcError } from '../../../../core/errors.ts';
import { Req, StatFlag } from '../xrootd-constants.ts';
import { pathData, XrootdRequestWriter } from '../xrootd-writer.ts';

/**
 * kXR_stat (XProtocol.hh `ClientStatRequest`): options byte, 11 reserved, 4-byte file handle
 * (unused for a path stat), path as data. The ok body is text: `id size flags mtime`, which
 * v5 servers follow with `ctime atime mode owner group`; we read the first four fields.
 */
export function encodeStat(streamId: number, path: string): Buffer {
  return new XrootdRequestWriter(streamId, Req.stat, pathData(path)).u8(0).skip(15).done();
}

export interface StatInfo {
  size: number;
  flags: number;
  /** Seconds since the epoch. */
  mtime: number;
  isDir: boolean;
}

/**
 * Parses a stat line from `buf[start, end)` without building strings. Returns undefined when the
 * bytes do not look like a stat line (at least four space-separated unsigned integers) — the
 * dirlist decoder relies on that to tell a name holding a newline from the stat that follows it.
 */
export function parseStatLine(buf: Buffer, start: number, end: number): StatInfo | undefined {
  // Four locals, not an array: this runs once per directory entry (a profile of a 200 000-file
  // listing showed the array among its allocations).
  let size = 0;
  let flags = 0;
  let mtime = 0;
  let field = 0;
  let digits = 0;
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (c >= 48 && c <= 57) {
      const d = c - 48;
      // Field 0 is the file id: checked to be digits, not kept.
      if (field === 1) size = size * 10 + d;
      else if (field === 2) flags = flags * 10 + d;
      else if (field === 3) mtime = mtime * 10 + d;
      digits++;
    } else if (c === 32 && digits > 0) {
      field++;
      digits = 0;
      if (field === 4) break;
    } else {
      return undefined;
    }
  }
  if (field < 3 || (field === 3 && digits === 0)) return undefined;
  const isDir = (flags & StatFlag.isDir) !== 0;
  return { size: isDir ? 0 : size, flags, mtime, isDir };
}

export function decodeStatReply(body: Buffer): StatInfo {
  let end = body.indexOf(0);
  if (end === -1) end = body.length;
  const info = parseStatLine(body, 0, end);
  if (!info) {
    throw new DcError('PROTOCOL', `kXR_stat reply is not a stat line: ${JSON.stringify(body.toString('latin1', 0, Math.min(end, 80)))}`);
  }
  return info;
}
