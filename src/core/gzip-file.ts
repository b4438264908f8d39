import { createReadStream, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { DcError } from './errors.ts';

/**
 * Every file this tool reads (lists, dumps, inventories) may be plain or gzip, told by its magic
 * bytes (RFC 1952 §2.3.1: 0x1f 0x8b), never by its name: operators compress dumps without
 * renaming them, and name them `.gz` without compressing them.
 */
function hasGzipMagic(head: Uint8Array, bytesRead: number): boolean {
  return bytesRead >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

function openError(path: string, err: unknown): DcError {
  const code = (err as NodeJS.ErrnoException).code;
  return new DcError(code === 'ENOENT' ? 'NOT_FOUND' : 'INPUT', `${path}: cannot open (${code ?? err})`, { cause: err });
}

/** Whether the file at `path` is gzip; NOT_FOUND or INPUT when it cannot be opened. */
export async function isGzipFile(path: string): Promise<boolean> {
  const fh = await open(path, 'r').catch((err) => {
    throw openError(path, err);
  });
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await fh.read(head, 0, 2, 0);
    return hasGzipMagic(head, bytesRead);
  } finally {
    await fh.close();
  }
}

/** isGzipFile for an open file descriptor, read synchronously (for readers that block on purpose). */
export function isGzipFd(fd: number): boolean {
  const head = Buffer.alloc(2);
  return hasGzipMagic(head, readSync(fd, head, 0, 2, 0));
}

export interface OpenOptions {
  /** Bytes per read of the file. */
  highWaterMark?: number;
  /** Bytes per chunk of uncompressed output, for a gzip file. */
  chunkSize?: number;
}

/**
 * The uncompressed bytes of a file, plain or gzip. A read error of a gzip file reaches the
 * consumer through the gunzip stream (pipe() alone would leave it waiting for more).
 */
export async function openPlainOrGzip(path: string, opts: OpenOptions = {}): Promise<Readable> {
  const gz = await isGzipFile(path);
  const raw = createReadStream(path, opts.highWaterMark ? { highWaterMark: opts.highWaterMark } : {});
  if (!gz) return raw;
  const gunzip = createGunzip(opts.chunkSize ? { chunkSize: opts.chunkSize } : {});
  raw.on('error', (err) => gunzip.destroy(err));
  // Destroying the consumer's end (an early stop) closes the file too.
  gunzip.on('close', () => raw.destroy());
  return raw.pipe(gunzip);
}
