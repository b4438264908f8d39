import { createWriteStream, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { once } from 'node:events';
import { createGzip, type Gzip } from 'node:zlib';

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
    if (this.failure) throw this.failure;
    const w = this.gzip ?? this.stream;
    if (!w.write(chunk)) await once(w, 'drain');
  }

  async commit(): Promise<void> {
    if (this.done) return;
    this.done = true;
    if (this.gzip) this.gzip.end();
    else this.stream.end();
    await once(this.stream, 'close');
    if (this.failure) {
      rmSync(this.tmp, { force: true });
      throw this.failure;
    }
    renameSync(this.tmp, this.path);
  }

  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    this.gzip?.destroy();
    this.stream.destroy();
    await once(this.stream, 'close').catch(() => undefined);
    rmSync(this.tmp, { force: true });
  }
}
