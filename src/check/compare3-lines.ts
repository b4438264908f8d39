import { closeSync, openSync, readSync } from 'node:fs';
import { DcError } from '../core/errors.ts';
import { forEachLine, type LineVisitor } from '../core/line-reader.ts';

/**
 * forEachLine (src/core/line-reader.ts) for compare3's hot loops: a plain file is read with
 * synchronous reads into one reused buffer (no allocation per chunk, which costs page faults at
 * gigabytes a list); a gzip file goes through forEachLine. Same lines, numbers and CR handling.
 */
export async function forEachListLine(path: string, visit: LineVisitor): Promise<number> {
  const fd = openSync(path, 'r');
  try {
    const magic = Buffer.alloc(2);
    if (readSync(fd, magic, 0, 2, 0) === 2 && magic[0] === 0x1f && magic[1] === 0x8b) return await forEachLine(path, visit);
    let buf = Buffer.allocUnsafeSlow(8 << 20);
    let have = 0;
    let lineNo = 0;
    let base = 0; // file offset of buf[0]
    for (;;) {
      if (have === buf.length) {
        const bigger = Buffer.allocUnsafeSlow(buf.length * 2);
        buf.copy(bigger, 0, 0, have);
        buf = bigger;
      }
      const got = readSync(fd, buf, have, buf.length - have, null);
      const end = have + got;
      let start = 0;
      for (;;) {
        const nl = buf.indexOf(10, start);
        if (nl < 0 || nl >= end) break;
        visit(buf, start, nl > start && buf[nl - 1] === 13 ? nl - 1 : nl, ++lineNo, base + start);
        start = nl + 1;
      }
      if (got === 0) {
        if (start < end) visit(buf, start, buf[end - 1] === 13 ? end - 1 : end, ++lineNo, base + start);
        return lineNo;
      }
      buf.copy(buf, 0, start, end);
      base += start;
      have = end - start;
    }
  } catch (err) {
    if (err instanceof DcError) throw err;
    throw new DcError('INPUT', `${path}: read failed: ${(err as Error).message}`, { cause: err });
  } finally {
    closeSync(fd);
  }
}
