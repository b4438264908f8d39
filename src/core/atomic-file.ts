import { DcError } from './errors.ts';
import { createWriteStream, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { once } from 'node:events';

/** Temporary name beside the target, so the final rename stays on one filesystem. */
function tempName(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
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
 * write() honours backpressure.
 */
export class AtomicWriter {
  private readonly tmp: string;
  private readonly stream;
  private done = false;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.tmp = tempName(path);
    this.stream = createWriteStream(this.tmp, { highWaterMark: 1 << 20 });
  }

  async write(chunk: string): Promise<void> {
    if (!this.stream.write(chunk)) await this.settle(once(this.stream, 'drain'));
  }

  async commit(): Promise<void> {
    if (this.done) return;
    this.stream.end();
    await this.settle(once(this.stream, 'close'));
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
    this.stream.destroy();
    if (!this.stream.closed) await once(this.stream, 'close').catch(() => undefined);
    rmSync(this.tmp, { force: true });
  }
}
