import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { pipeline } from 'node:stream';
import { once } from 'node:events';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createGunzip, gzip } from 'node:zlib';
import type { Hash96 } from '../core/lfn-hash.ts';

/** Bytes of one partition's block before it is compressed and written. */
const BLOCK = 128 << 10;
const gzipAsync = promisify(gzip);
const NEWLINE = 0x0a;
const TAB = 0x09;
/** ASCII of 0-9a-f, as hashHex writes them. */
const HEX_DIGITS = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

/**
 * Lines of one source of a check (inventory before, listing, inventory after) spread over
 * `parts` files by LFN hash, so the judging afterwards holds one partition at a time in memory:
 * a 100 M-file site is judged in slices of a few million entries. Each flushed block is one gzip
 * member (level 1, compressed on libuv's thread pool): LFNs share long prefixes, so the scratch
 * files are several times smaller than the text. Lines are written as UTF-8 straight into each
 * partition's block buffer: no string is built per block and none flattened to bytes again.
 */
export class CheckSpool {
  /** Each partition's block being filled (allocated on its first line) and how far. */
  private readonly blocks: (Buffer | undefined)[];
  private readonly filled: Int32Array;
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
    this.blocks = new Array(parts).fill(undefined);
    this.filled = new Int32Array(parts);
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
   * block, which is then being compressed and written: await it (the disk may lag) before the next
   * write. The common case costs no promise and no turn of the microtask queue, so spooling keeps
   * pace with a listing.
   */
  write(p: number, line: string): Promise<void> | undefined {
    // UTF-8 takes at most 3 bytes per UTF-16 unit; the newline one more.
    const most = line.length * 3 + 1;
    let block = this.blocks[p];
    let pending: Promise<void> | undefined;
    if (block && this.filled[p] + most > block.length) {
      pending = this.flush(p);
      block = undefined;
    }
    if (!block) {
      block = Buffer.allocUnsafe(Math.max(BLOCK, most));
      this.blocks[p] = block;
      this.filled[p] = 0;
    }
    let at = this.filled[p];
    at += block.write(line, at, 'utf8');
    block[at++] = NEWLINE;
    this.filled[p] = at;
    return pending;
  }

  /**
   * Adds the line `hashHex(h) + "\t" + rest` to partition `p`, the hash's digits written straight
   * into the block (no string made for them). Returns as write() does.
   */
  writeHashed(p: number, h: Hash96, rest: string): Promise<void> | undefined {
    const most = HASH_HEX_LENGTH + 1 + rest.length * 3 + 1;
    let block = this.blocks[p];
    let pending: Promise<void> | undefined;
    if (block && this.filled[p] + most > block.length) {
      pending = this.flush(p);
      block = undefined;
    }
    if (!block) {
      block = Buffer.allocUnsafe(Math.max(BLOCK, most));
      this.blocks[p] = block;
      this.filled[p] = 0;
    }
    let at = this.filled[p];
    for (let w = 0; w < 3; w++) {
      const v = h[w];
      for (let shift = 28; shift >= 0; shift -= 4) block[at++] = HEX_DIGITS[(v >>> shift) & 15];
    }
    block[at++] = TAB;
    at += block.write(rest, at, 'utf8');
    block[at++] = NEWLINE;
    this.filled[p] = at;
    return pending;
  }

  /** Compresses and writes partition `p`'s block, taking it out of the partition. */
  private async flush(p: number): Promise<void> {
    if (this.failure) throw this.failure;
    const block = this.blocks[p];
    const size = this.filled[p];
    this.blocks[p] = undefined;
    this.filled[p] = 0;
    if (!block || size === 0) return;
    const packed = await gzipAsync(block.subarray(0, size), { level: 1 });
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
    for await (const batch of this.batches(p)) yield* batch;
  }

  /**
   * The lines of partition `p` in batches, one per decompressed chunk: the judging loops over a
   * batch synchronously instead of awaiting a promise per line.
   */
  async *batches(p: number): AsyncGenerator<string[]> {
    if (!this.used[p]) return;
    let rest = '';
    const text$ = createGunzip({ chunkSize: 1 << 20 });
    // pipeline() carries a read error into the gunzip stream, so the loop below throws instead of waiting.
    pipeline(createReadStream(this.path(p), { highWaterMark: 1 << 20 }), text$, () => undefined);
    text$.setEncoding('utf8');
    for await (const chunk of text$) {
      const text = rest + (chunk as string);
      const batch: string[] = [];
      let start = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
        batch.push(text.slice(start, nl));
        start = nl + 1;
      }
      rest = text.slice(start);
      if (batch.length > 0) yield batch;
    }
    if (rest) yield [rest];
  }
}

/**
 * Splits a spool line, from `from` on, into its `count` tab-separated fields; the last one (a
 * name) keeps any tab.
 */
export function fields(line: string, count: number, from = 0): string[] {
  const out: string[] = [];
  let start = from;
  for (let i = 1; i < count; i++) {
    const tab = line.indexOf('\t', start);
    out.push(line.slice(start, tab));
    start = tab + 1;
  }
  out.push(line.slice(start));
  return out;
}

/** Characters of a hash written by hashHex: 24 hex digits, then the line's first tab. */
export const HASH_HEX_LENGTH = 24;

let hex4: string[] | undefined;

/**
 * An LFN's 96-bit hash as 24 lowercase hex digits, fixed width. Spool lines start with it, so the
 * judging reads the hash back instead of unescaping and hashing the name again: only names that
 * end up in a list are read as names.
 */
export function hashHex(h: Hash96): string {
  const t = (hex4 ??= Array.from({ length: 1 << 16 }, (_, v) => v.toString(16).padStart(4, '0')));
  return t[h[0] >>> 16] + t[h[0] & 0xffff] + t[h[1] >>> 16] + t[h[1] & 0xffff] + t[h[2] >>> 16] + t[h[2] & 0xffff];
}

/** Reads the hash hashHex wrote at the start of `line` into `out`. */
export function readHashHex(line: string, out: Hash96): void {
  for (let w = 0; w < 3; w++) {
    let v = 0;
    for (let i = w * 8, end = i + 8; i < end; i++) {
      const c = line.charCodeAt(i);
      v = (v << 4) | (c <= 57 ? c - 48 : c - 87);
    }
    out[w] = v >>> 0;
  }
}
