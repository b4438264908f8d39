import { DcError } from '../../../../core/errors.ts';
import { DirlistOpt, Req } from '../xrootd-constants.ts';
import { decodeName } from '../../../../core/name-bytes.ts';
import { pathData, XrootdRequestWriter } from '../xrootd-writer.ts';
import { parseStatLine, type StatInfo } from './xrootd-stat.ts';

/**
 * kXR_dirlist (XProtocol.hh `ClientDirlistRequest`): 15 reserved bytes, options byte, path as data.
 * With kXR_dstat the reply is `name\nstat\n` pairs, led by a `.\n0 0 0 0\n` marker; without it, one
 * name per line. The last line ends with NUL instead of newline. A large directory arrives as
 * kXR_oksofar chunks followed by a final kXR_ok.
 */
export function encodeDirlist(streamId: number, path: string, dstat: boolean): Buffer {
  return new XrootdRequestWriter(streamId, Req.dirlist, pathData(path))
    .skip(15)
    .u8(dstat ? DirlistOpt.dstat : 0)
    .done();
}

export interface DirlistEntry {
  name: string;
  /** Present with kXR_dstat. */
  stat?: StatInfo;
}

const NL = 10;

/**
 * Decodes a dirlist reply chunk by chunk, so memory is bounded by one chunk plus one partial line,
 * never by the directory. Names are raw on the wire, so a name holding a newline is recognised in
 * dstat mode by its next line not being a stat line (a name whose continuation itself looks like a
 * stat line cannot be told apart — the protocol gives no way to). Without dstat such names are
 * ambiguous and come out split.
 */
export class DirlistDecoder {
  private tail: Buffer | undefined;
  private pendingName: string | undefined;
  /** 'start' until the first line tells whether the server honoured kXR_dstat. */
  private mode: 'start' | 'stat' | 'names';
  private finished = false;

  constructor(dstat: boolean) {
    this.mode = dstat ? 'start' : 'names';
  }

  /**
   * False when entries come without stat: kXR_dstat not asked for, or ignored by a server that
   * lacks it (its reply then has no leading `.` marker). Settled once the first line is seen.
   */
  get hasStat(): boolean {
    return this.mode !== 'names';
  }

  /** Feeds one oksofar (`final` false) or ok (`final` true) body; returns the entries completed. */
  push(body: Buffer, final: boolean): DirlistEntry[] {
    if (this.finished) throw new DcError('PROTOCOL', 'kXR_dirlist data after the final response');
    let data = body;
    if (this.tail) {
      data = Buffer.concat([this.tail, body]);
      this.tail = undefined;
    }
    let end = data.length;
    if (final) {
      this.finished = true;
      while (end > 0 && data[end - 1] === 0) end--;
    }
    const out: DirlistEntry[] = [];
    let pos = 0;
    while (pos < end) {
      let nl = data.indexOf(NL, pos);
      if (nl === -1 || nl >= end) {
        if (!final) {
          this.tail = Buffer.from(data.subarray(pos, end));
          break;
        }
        nl = end;
      }
      this.line(data, pos, nl, out);
      pos = nl + 1;
    }
    if (final && this.pendingName !== undefined) {
      throw new DcError('PROTOCOL', `kXR_dirlist reply ends with a name and no stat: ${JSON.stringify(this.pendingName)}`);
    }
    return out;
  }

  private line(buf: Buffer, start: number, end: number, out: DirlistEntry[]): void {
    if (this.mode === 'start') {
      const isMarker = end - start === 1 && buf[start] === 46;
      this.mode = isMarker ? 'stat' : 'names';
    }
    if (this.mode === 'names') {
      if (end > start) out.push({ name: decodeName(buf, start, end) });
      return;
    }
    if (this.pendingName === undefined) {
      this.pendingName = decodeName(buf, start, end);
      return;
    }
    const stat = parseStatLine(buf, start, end);
    if (!stat) {
      this.pendingName += '\n' + decodeName(buf, start, end);
      return;
    }
    const name = this.pendingName;
    this.pendingName = undefined;
    if (name === '.' || name === '..' || name === '') return;
    out.push({ name, stat });
  }
}
