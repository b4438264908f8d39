import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { pipeline } from 'node:stream';
import { once } from 'node:events';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createGunzip, gzip } from 'node:zlib';

const FLUSH_AT = 64 << 10;
const gzipAsync = promisify(gzip);

/**
 * Lines of one source of a check (inventory before, listing, inventory after) spread over
 * `parts` files by LFN hash, so the judging afterwards holds one partition at a time in memory:
 * a 100 M-file site is judged in slices of a few million entries. Each flushed block is one gzip
 * member (level 1, compressed on libuv's thread pool): LFNs share long prefixes, so the scratch
 * files are several times smaller than the text.
 */
export class CheckSpool {
  private readonly buffers: string[];
  private readonly streams: WriteStream[];
  /** Partitions that received at least one block (an empty file is not a gzip stream). */
  private readonly used: boolean[];
  /** A stream error, kept for the next write or close (never an unhandled 'error' event). */
  private failure: Error | undefined;

  constructor(
    private readonly dir: string,
    private readonly name: string,
    readonly parts: number,
  ) {
    this.buffers = new Array(parts).fill('');
    this.used = new Array(parts).fill(false);
    this.streams = [];
    for (let p = 0; p < parts; p++) {
      const ws = createWriteStream(this.path(p), { highWaterMark: 1 << 20 });
      ws.on('error', (err) => (this.failure ??= err));
      this.streams.push(ws);
    }
  }

  private path(p: number): string {
    return join(this.dir, `${this.name}-${p}`);
  }

  /**
   * Adds one line (without newline) to partition `p`. Returns a promise only when the line filled a
   * block, which is then being compressed and written: await it (the disk may lag). The common case
   * costs no promise and no turn of the microtask queue, so spooling keeps pace with a listing.
   */
  write(p: number, line: string): Promise<void> | undefined {
    this.buffers[p] += line + '\n';
    return this.buffers[p].length >= FLUSH_AT ? this.flush(p) : undefined;
  }

  private async flush(p: number): Promise<void> {
    if (this.failure) throw this.failure;
    const chunk = this.buffers[p];
    if (!chunk) return;
    this.buffers[p] = '';
    const packed = await gzipAsync(chunk, { level: 1 });
    this.used[p] = true;
    if (!this.streams[p].write(packed)) await once(this.streams[p], 'drain');
  }

  async close(): Promise<void> {
    for (let p = 0; p < this.parts; p++) {
      await this.flush(p);
      this.streams[p].end();
      await once(this.streams[p], 'close');
    }
    if (this.failure) throw this.failure;
  }

  /** Closes without waiting for the data (on failure). */
  destroy(): void {
    for (const s of this.streams) s.destroy();
  }

  /**
   * The lines of partition `p`, read a chunk at a time as the consumer asks (readline's iterator
   * would read the whole file ahead into memory when the consumer is slower than the disk).
   */
  async *lines(p: number): AsyncGenerator<string> {
    if (!this.used[p]) return;
    let rest = '';
    const text$ = createGunzip({ chunkSize: 1 << 20 });
    // pipeline() carries a read error into the gunzip stream, so the loop below throws instead of waiting.
    pipeline(createReadStream(this.path(p), { highWaterMark: 1 << 20 }), text$, () => undefined);
    text$.setEncoding('utf8');
    for await (const chunk of text$) {
      const text = rest + (chunk as string);
      let start = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
        yield text.slice(start, nl);
        start = nl + 1;
      }
      rest = text.slice(start);
    }
    if (rest) yield rest;
  }
}

/** Splits a spool line into its `count` tab-separated fields; the last one (a name) keeps any tab. */
export function fields(line: string, count: number): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 1; i < count; i++) {
    const tab = line.indexOf('\t', start);
    out.push(line.slice(start, tab));
    start = tab + 1;
  }
  out.push(line.slice(start));
  return out;
}
