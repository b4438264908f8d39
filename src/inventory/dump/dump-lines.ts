import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { DcError } from '../../core/errors.ts';
import { decodeName } from '../../core/name-bytes.ts';

const CHUNK = 1 << 20;

/** Opens a dump, plain or gzip (told by its magic bytes, not its name). */
async function openDump(path: string): Promise<AsyncIterable<Buffer>> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DcError(code === 'ENOENT' ? 'NOT_FOUND' : 'INPUT', `${path}: cannot open dump (${code ?? 'error'})`, { cause: err });
  }
  const magic = Buffer.alloc(2);
  const { bytesRead } = await fh.read(magic, 0, 2, 0);
  await fh.close();
  const raw = createReadStream(path, { highWaterMark: CHUNK });
  return bytesRead === 2 && magic[0] === 0x1f && magic[1] === 0x8b ? raw.pipe(createGunzip({ chunkSize: CHUNK })) : raw;
}

/**
 * Yields the lines of a dump in batches (CR stripped), with the number of the first line of each
 * batch, so a caller can name the file and line of a bad one. Whole chunks are decoded at once:
 * a per-line string would cost more than the parsing.
 */
export async function* streamLineBatches(path: string): AsyncGenerator<{ lines: string[]; firstLine: number }> {
  // Decoded up to the last newline of what was read (a newline never sits inside a UTF-8
  // sequence), keeping bytes that are not UTF-8 as such (src/core/name-bytes.ts).
  let carry: Buffer = Buffer.alloc(0);
  let lineNo = 1;
  try {
    for await (const chunk of await openDump(path)) {
      const buf: Buffer = carry.length ? Buffer.concat([carry, chunk]) : chunk;
      const last = buf.lastIndexOf(10);
      if (last < 0) {
        carry = Buffer.from(buf);
        continue;
      }
      carry = Buffer.from(buf.subarray(last + 1));
      const lines = decodeName(buf, 0, last).split('\n');
      for (let i = 0; i < lines.length; i++) if (lines[i].endsWith('\r')) lines[i] = lines[i].slice(0, -1);
      yield { lines, firstLine: lineNo };
      lineNo += lines.length;
    }
  } catch (err) {
    if (err instanceof DcError) throw err;
    throw new DcError('INPUT', `${path}: read failed near line ${lineNo}: ${(err as Error).message}`, { cause: err });
  }
  let rest = decodeName(carry);
  if (rest.endsWith('\r')) rest = rest.slice(0, -1);
  if (rest !== '') yield { lines: [rest], firstLine: lineNo };
}
