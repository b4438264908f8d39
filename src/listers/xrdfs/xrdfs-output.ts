import { escapeName } from '../../core/escape.ts';
import { hasRawBytes } from '../../core/name-bytes.ts';
import type { DirEntry } from '../../core/entries.ts';
import { DcError, type ErrorCode } from '../../core/errors.ts';

/**
 * Pure text work for the xrdfs CLI lister: quoting a path for xrdfs's interactive command line and
 * reading what `ls -l` and `stat` print (xrootd-client 5.x). No I/O here.
 */

/** One `ls -l` line with mode, owner and group (servers giving extended stat info, 5.x). */
const LONG_LINE = /^([-dlbcpsrwxtTS]{10}) (\S+) (\S+) +(\d+) (\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d) (.+)$/;
/** The short form printed for servers without extended stat: 4 flag characters (d r w x). */
const SHORT_LINE = /^([-d][-r][-w][-x]) +(\d+) (\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d) (.+)$/;

export interface ParsedLsLine {
  isDir: boolean;
  size: number;
  /** Seconds since the epoch; xrdfs prints UTC to the second. */
  mtime: number;
  /** The path exactly as printed: the listed path, a slash, then the raw name (spaces kept). */
  path: string;
}

function utcSeconds(y: string, mo: string, d: string, h: string, mi: string, s: string): number {
  return Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) / 1000;
}

/** Returns undefined for a line that is not a listing entry (an error message, a banner). */
export function parseLsLine(line: string): ParsedLsLine | undefined {
  let m = LONG_LINE.exec(line);
  if (m) {
    return { isDir: m[1][0] === 'd', size: Number(m[4]), mtime: utcSeconds(m[5], m[6], m[7], m[8], m[9], m[10]), path: m[11] };
  }
  m = SHORT_LINE.exec(line);
  if (m) {
    return { isDir: m[1][0] === 'd', size: Number(m[2]), mtime: utcSeconds(m[3], m[4], m[5], m[6], m[7], m[8]), path: m[9] };
  }
  return undefined;
}

/**
 * Turns a parsed line into the entry of directory `dir`. The name is what follows the last slash,
 * since a name never holds one. A line naming `dir` itself means xrdfs was asked to list a file:
 * that is "not a directory", reported like a missing directory (as the POSIX lister does for ENOTDIR).
 */
export function toDirEntry(dir: string, parsed: ParsedLsLine): DirEntry {
  const path = parsed.path;
  if (trimTrailing(path) === trimTrailing(dir)) {
    throw new DcError('NOT_FOUND', `${dir} is not a directory`, { detail: { xrdfsLine: path } });
  }
  const name = path.slice(path.lastIndexOf('/') + 1);
  if (!name) throw new DcError('PROTOCOL', `xrdfs printed an entry without a name under ${dir}`);
  return { name, isDir: parsed.isDir, size: parsed.isDir ? 0 : parsed.size, mtime: parsed.mtime };
}

function trimTrailing(p: string): string {
  let end = p.length;
  while (end > 1 && p[end - 1] === '/') end--;
  return p.slice(0, end);
}

/**
 * Quotes a path for xrdfs's interactive tokenizer, which splits on blanks and honours single or
 * double quotes but has no escape character. A path holding both quote kinds, or a control
 * character (a newline would end the command, a tab would trigger completion), cannot be sent.
 */
export function quoteXrdfsPath(path: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(path)) {
    throw new DcError('UNSUPPORTED', `xrdfs cannot be given a path with control characters: ${JSON.stringify(path)}`);
  }
  // Seen with xrdfs 5.5: its command line drops a byte that is not UTF-8, so another path would be listed.
  if (hasRawBytes(path)) throw new DcError('UNSUPPORTED', `xrdfs cannot be given a path that is not UTF-8: ${escapeName(path)}`);
  if (!path.includes("'")) return `'${path}'`;
  if (!path.includes('"')) return `"${path}"`;
  throw new DcError('UNSUPPORTED', `xrdfs cannot be given a path holding both ' and ": ${JSON.stringify(path)}`);
}

/**
 * Classifies the non-entry lines xrdfs printed for one command, e.g.
 * `[ERROR] Server responded with an error: [3011] Unable to locate /x; no such file or directory`
 * or `[FATAL] Connection error`. The XRootD error number (XProtocol.hh `XErrorCode`) decides.
 */
export function errorFromOutput(path: string, lines: string[]): DcError {
  const text = lines.join(' | ').slice(0, 2000);
  const m = /\[(3\d{3})\]/.exec(text);
  const xrdCode = m ? Number(m[1]) : undefined;
  let code: ErrorCode = 'IO';
  if (xrdCode === 3011) code = 'NOT_FOUND'; // kXR_NotFound
  else if (xrdCode === 3010 || xrdCode === 3030) code = 'PERMISSION'; // kXR_NotAuthorized, kXR_AuthFailed
  else if (/operation expired|timed? ?out/i.test(text)) code = 'TIMEOUT';
  return new DcError(code, `xrdfs ls ${path}: ${text || 'failed without a message'}`, {
    detail: { xrootdCode: xrdCode, xrdfsOutput: text },
  });
}

/** Reads `stat` output (`Size:   0`, `MTime:  2026-01-01 00:00:00`, `Flags:  19 (XBitSet|IsDir|…)`). */
export function parseStatOutput(path: string, lines: string[]): DirEntry | undefined {
  const fields = new Map<string, string>();
  for (const line of lines) {
    const m = /^(\w+):\s+(.*)$/.exec(line);
    if (m) fields.set(m[1], m[2]);
  }
  const size = fields.get('Size');
  const mtime = fields.get('MTime');
  const flags = fields.get('Flags');
  if (size === undefined || mtime === undefined || flags === undefined || !/^\d+$/.test(size)) return undefined;
  const t = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)$/.exec(mtime);
  if (!t) return undefined;
  const isDir = /\bIsDir\b/.test(flags);
  const name = path.slice(path.lastIndexOf('/') + 1);
  return { name, isDir, size: isDir ? 0 : Number(size), mtime: utcSeconds(t[1], t[2], t[3], t[4], t[5], t[6]) };
}
