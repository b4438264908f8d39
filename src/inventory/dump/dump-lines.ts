import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { DcError } from '../../core/errors.ts';

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
  const decoder = new StringDecoder('utf8');
  let carry = '';
  let lineNo = 1;
  try {
    for await (const chunk of await openDump(path)) {
      const text = carry + decoder.write(chunk);
      const last = text.lastIndexOf('\n');
      if (last < 0) {
        carry = text;
        continue;
      }
      carry = text.slice(last + 1);
      const lines = text.slice(0, last).split('\n');
      for (let i = 0; i < lines.length; i++) if (lines[i].endsWith('\r')) lines[i] = lines[i].slice(0, -1);
      yield { lines, firstLine: lineNo };
      lineNo += lines.length;
    }
  } catch (err) {
    if (err instanceof DcError) throw err;
    throw new DcError('INPUT', `${path}: read failed near line ${lineNo}: ${(err as Error).message}`, { cause: err });
  }
  carry += decoder.end();
  if (carry.endsWith('\r')) carry = carry.slice(0, -1);
  if (carry !== '') yield { lines: [carry], firstLine: lineNo };
}
