/**
 * Parsing of `gfal-ls -l -a --time-style=full-iso` output (gfal2-util 1.8, ls.py). Pure, no I/O.
 *
 * Each entry is printed as `MODE NLINK UID GID SIZE DATE NAME\tXATTRS`: fields separated by spaces
 * (padded), NAME the rest of the line up to the tab that precedes the (here empty) xattr column, so
 * names may hold spaces. full-iso prints `YYYY-MM-DD HH:MM:SS.ffffff +0000` from the local clock;
 * the lister runs gfal with TZ=UTC so that label is true. The default `locale` style only has
 * minutes, or only the day for files older than six months — hence full-iso.
 */
import { encodeName, hasRawBytes } from '../../core/name-bytes.ts';
import type { DirEntry } from '../../core/entries.ts';
import { DcError } from '../../core/errors.ts';

const LINE =
  /^([-dlbcpsD?])[-rwxsStTl?]{9}[.+@]?\s+\d+\s+\S+\s+\S+\s+(\d+)\s+(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d)(?::(\d\d)(\.\d+)?)?(?: ([+-])(\d\d)(\d\d))?\s(.*)$/;

/** One output line: an entry, `undefined` for lines to ignore (".", "..", other file types). */
export function parseGfalLine(line: string): DirEntry | undefined {
  const body = line.endsWith('\t') ? line.slice(0, -1) : line;
  const m = LINE.exec(body);
  if (!m) throw new DcError('PROTOCOL', `gfal-ls printed a line that is not an entry: ${JSON.stringify(line.slice(0, 300))}`);
  const [, type, size, y, mo, d, h, mi, s, frac, sign, oh, om, name] = m;
  if (name === '.' || name === '..') return undefined;
  if (type !== 'd' && type !== '-' && type !== 'l') return undefined; // sockets, devices: not data
  let t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0)) / 1000 + Number(frac ?? 0);
  if (sign) t -= (sign === '-' ? -1 : 1) * (Number(oh) * 3600 + Number(om) * 60);
  const isDir = type === 'd';
  return { name, isDir, size: isDir ? 0 : Number(size), mtime: t };
}

/** errno values gfal reports ("gfal-ls error: 2 (No such file or directory) - …"). */
const NOT_FOUND = new Set([2, 20]); // ENOENT, ENOTDIR
const PERMISSION = new Set([1, 13]); // EPERM, EACCES
const TIMEOUT = new Set([62, 110]); // ETIME, ETIMEDOUT

/** Maps a failed gfal-ls run to a DcError from its stderr and exit status. */
export function gfalError(url: string, exitCode: number | null, stderr: string): DcError {
  if (stderr.includes('Traceback (most recent call last)')) {
    // gfal-ls itself crashed; its last line names why (UnicodeDecodeError for a name that is not UTF-8).
    const last = stderr.trim().split('\n').pop()!.trim().slice(0, 500);
    return new DcError(/UnicodeDecodeError/.test(last) ? 'PROTOCOL' : 'IO', `gfal-ls ${url} crashed: ${last}`, { detail: { exitCode, url } });
  }
  const m = /gfal-ls error:\s*(\d+)\s*(?:\(([^)]*)\))?\s*-?\s*(.*)/.exec(stderr);
  const errno = m ? Number(m[1]) : exitCode ?? -1;
  const text = (m ? `${m[2] ?? ''} ${m[3] ?? ''}` : stderr).trim().slice(0, 500) || `exit ${exitCode}`;
  const msg = `gfal-ls ${url}: ${text}`;
  const detail = { errno, exitCode, url };
  if (NOT_FOUND.has(errno)) return new DcError('NOT_FOUND', msg, { detail });
  if (PERMISSION.has(errno)) return new DcError('PERMISSION', msg, { detail });
  if (TIMEOUT.has(errno)) return new DcError('TIMEOUT', msg, { detail });
  // Plugins do not always translate the server's error into an errno: the xrootd plugin reports
  // kXR_NotAuthorized as errno 84 (EILSEQ) "… permission denied". Fall back to the server's words.
  if (/permission denied|not authori[sz]ed|forbidden|\b403\b/i.test(text)) return new DcError('PERMISSION', msg, { detail });
  if (/no such file|not found|\b404\b/i.test(text)) return new DcError('NOT_FOUND', msg, { detail });
  if (/timed? ?out/i.test(text)) return new DcError('TIMEOUT', msg, { detail });
  return new DcError('IO', msg, { detail });
}

/**
 * URL of storage path `path` on the site: the seed's rule, Url + path. HTTP-family URLs need the
 * path percent-encoded; gfal's file and xrootd plugins take it raw (file:///a%20b is not "a b").
 */
/** encodeURIComponent, except that a name that is not UTF-8 is escaped byte by byte (it would throw). */
function encodeSegment(seg: string): string {
  if (!hasRawBytes(seg)) return encodeURIComponent(seg);
  return [...encodeName(seg)].map((b) => (/[A-Za-z0-9\-_.!~*'()]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : '%' + b.toString(16).toUpperCase().padStart(2, '0'))).join('');
}

export function gfalUrl(base: string, path: string): string {
  const scheme = base.slice(0, base.indexOf(':')).toLowerCase();
  const httpLike = scheme === 'http' || scheme === 'https' || scheme === 'dav' || scheme === 'davs';
  const p = httpLike ? path.split('/').map(encodeSegment).join('/') : path;
  return base.endsWith('/') && p.startsWith('/') && scheme === 'file' ? base + p.slice(1) : base + p;
}
