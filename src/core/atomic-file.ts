import { DcError } from './errors.ts';
import { accessSync, constants, createWriteStream, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { once } from 'node:events';
import { createGzip, type Gzip } from 'node:zlib';

/** Temporary name beside the target, so the final rename stays on one filesystem. */
function tempName(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
}

/**
 * mkdir -p that says why it failed: on a read-only filesystem Node's recursive mkdir reports ENOENT
 * for the missing part, so the nearest existing ancestor is asked for write access, whose error
 * (EROFS, EACCES) is the real cause. Fails with an IO error naming the directory (drill D7).
 */
export function makeDirectory(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    let cause = err as NodeJS.ErrnoException;
    if (cause.code === 'ENOENT') {
      let up = dirname(dir);
      while (!existsSync(up) && dirname(up) !== up) up = dirname(up);
      try {
        accessSync(up, constants.W_OK);
      } catch (e) {
        cause = e as NodeJS.ErrnoException;
      }
    }
    throw new DcError('IO', `cannot create directory ${dir}: ${cause.message}`, { cause: err, detail: { errno: cause.code, path: dir } });
  }
}

/** Writes a whole file atomically: readers see the old content or the new, never a part. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = tempName(path);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    const e = err as NodeJS.ErrnoException;
    // "ENOSPC: no space left on device, write" names no file: say which (drill D7).
    if (e.code === 'ENOSPC' || e.code === 'EDQUOT' || e.code === 'EIO') throw new DcError('IO', `cannot write ${path}: ${e.message}`, { cause: err, detail: { errno: e.code, path } });
    throw err;
  }
}

/**
 * A streamed file that appears under its name only on commit(); abort() leaves the old file.
 * write() honours backpressure. With `gzip`, what is written is compressed on the way (one gzip member).
 */
export class AtomicWriter {
  private readonly tmp: string;
  private readonly stream;
  private readonly gzip: Gzip | undefined;
  private failure: Error | undefined;
  private done = false;

  constructor(readonly path: string, opts: { gzip?: boolean } = {}) {
    mkdirSync(dirname(path), { recursive: true });
    this.tmp = tempName(path);
    this.stream = createWriteStream(this.tmp, { highWaterMark: 1 << 20 });
    if (opts.gzip) {
      this.gzip = createGzip();
      // Errors are kept for the next write or the commit, never left as an unhandled 'error' event.
      this.gzip.on('error', (err) => (this.failure ??= err));
      this.stream.on('error', (err) => (this.failure ??= err));
      this.gzip.pipe(this.stream);
    }
  }

  async write(chunk: string): Promise<void> {
    if (this.failure) await this.settle(Promise.reject(this.failure));
    const w = this.gzip ?? this.stream;
    if (!w.write(chunk)) await this.settle(once(w, 'drain'));
  }

  async commit(): Promise<void> {
    if (this.done) return;
    if (this.gzip) this.gzip.end();
    else this.stream.end();
    await this.settle(once(this.stream, 'close'));
    if (this.failure) await this.settle(Promise.reject(this.failure));
    this.done = true;
    renameSync(this.tmp, this.path);
  }

  /**
   * A stream error (a full or read-only disk) names no file: it comes out as an IO error naming the
   * target, and the temporary file is removed, so the previous version stays whole and alone (drill D7).
   */
  private async settle(event: Promise<unknown>): Promise<void> {
    try {
      await event;
    } catch (err) {
      await this.abort();
      const e = err as NodeJS.ErrnoException;
      throw new DcError('IO', `cannot write ${this.path}: ${e.message}`, { cause: err, detail: { errno: e.code, path: this.path } });
    }
  }

  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    this.gzip?.destroy();
    this.stream.destroy();
    if (!this.stream.closed) await once(this.stream, 'close').catch(() => undefined);
    rmSync(this.tmp, { force: true });
  }
}
