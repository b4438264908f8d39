import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream';
import { once } from 'node:events';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { createGunzip, gzip } from 'node:zlib';
import { DcError } from '../core/errors.ts';
import { hashString, newHash, type Hash96 } from '../core/lfn-hash.ts';

/** Bytes of one partition's block before it is compressed and written. */
const BLOCK = 128 << 10;
const gzipAsync = promisify(gzip);
const NEWLINE = 0x0a;
const TAB = 0x09;
/** ASCII of 0-9a-f, as hashHex writes them. */
const HEX_DIGITS = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

/**
 * Scratch bytes a check may write uncompressed, shared by its spools: compressing costs CPU that
 * a check on a small machine needs for the listing and the inventory reads, while the disk a
 * site of a few million files needs uncompressed is small. A site larger than the budget has the
 * rest of its blocks compressed.
 */
export class ScratchBudget {
  constructor(public rawBytesLeft: number) {}
}

/**
 * A stretch of a spool file written by an earlier attempt of a listing (check-checkpoint.ts): its
 * name in the spool's directory and how many of its bytes count (what follows was written after
 * the checkpoint and is never read). `packed`: a gzip file (whole members end at `length`).
 */
export interface SpoolSegment {
  file: string;
  length: number;
  packed: boolean;
}

/** The default raw scratch of one check: a 1 M-file site spools about 0.4 GiB. */
export const RAW_SCRATCH_BYTES = 1 << 30;

/**
 * Lines of one source of a check (inventory before, listing, inventory after) spread over
 * `parts` files by LFN hash, so the judging afterwards holds one partition at a time in memory:
 * a 100 M-file site is judged in slices of a few million entries. Lines are written as UTF-8
 * straight into each partition's block buffer (no string built per block). A full block is
 * written as it is while the check's ScratchBudget lasts, then as one gzip member (level 1,
 * compressed on libuv's thread pool: LFNs share long prefixes, so compressed scratch is several
 * times smaller than the text). A partition's raw blocks all come before its compressed ones, in
 * two files, so its lines are read back in the order written.
 */
export class CheckSpool {
  /** Each partition's block being filled (allocated on its first line) and how far. */
  private readonly blocks: (Buffer | undefined)[];
  /** The flush a write started, for it to return (see blockFor). */
  private flushing: Promise<void> | undefined;
  private readonly filled: Int32Array;
  /** Per partition: its raw file and its gzip file, each opened on its first block. */
  private readonly raw: (WriteStream | undefined)[];
  private readonly packed: (WriteStream | undefined)[];
  /** A stream error, kept for the next write or close (never an unhandled 'error' event). */
  private failure: Error | undefined;
  /** Per stream: its last write, done when every byte written to it reached the file. */
  private readonly lastWrite = new Map<WriteStream, Promise<void>>();
  /** Streams written since the last sync(): only their files need an fsync. */
  private readonly unsynced = new Set<WriteStream>();
  /** writeLfn's hash, used whole by each call before it returns. */
  private readonly lfnHash = newHash();

  constructor(
    private readonly dir: string,
    private readonly name: string,
    readonly parts: number,
    private readonly budget = new ScratchBudget(0),
    /** Per partition, the segments earlier attempts wrote (read before this spool's own lines). */
    private readonly prior: readonly (readonly SpoolSegment[])[] = [],
  ) {
    this.blocks = new Array(parts).fill(undefined);
    this.filled = new Int32Array(parts);
    this.raw = new Array(parts).fill(undefined);
    this.packed = new Array(parts).fill(undefined);
  }

  private path(p: number, raw: boolean): string {
    return join(this.dir, raw ? `${this.name}-${p}.raw` : `${this.name}-${p}`);
  }

  private open(p: number, raw: boolean): WriteStream {
    const path = this.path(p, raw);
    const ws = createWriteStream(path, { highWaterMark: 1 << 20 });
    // A stream's write error names no file ("ENOSPC: no space left on device, write"): say which (drill D7).
    ws.on('error', (err: NodeJS.ErrnoException) => (this.failure ??= new DcError('IO', `cannot write the scratch file ${path}: ${err.message}`, { cause: err, detail: { errno: err.code, path } })));
    (raw ? this.raw : this.packed)[p] = ws;
    return ws;
  }

  /**
   * The block of partition `p` with room for `most` more bytes. A block too full for them is handed
   * to flush() first and its promise left in `flushing`, which the write returns (undefined otherwise).
   */
  private blockFor(p: number, most: number): Buffer {
    let block = this.blocks[p];
    this.flushing = undefined;
    if (block && this.filled[p] + most > block.length) {
      this.flushing = this.flush(p);
      block = undefined;
    }
    if (!block) {
      block = Buffer.allocUnsafe(Math.max(BLOCK, most));
      this.blocks[p] = block;
      this.filled[p] = 0;
    }
    return block;
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
    const block = this.blockFor(p, most);
    let at = this.filled[p];
    at += block.write(line, at, 'utf8');
    block[at++] = NEWLINE;
    this.filled[p] = at;
    return this.flushing;
  }

  /**
   * Adds the line `hashHex(h) + "\t" + rest` to partition `p`, the hash's digits written straight
   * into the block (no string made for them). Returns as write() does.
   */
  writeHashed(p: number, h: Hash96, rest: string): Promise<void> | undefined {
    const most = HASH_HEX_LENGTH + 1 + rest.length * 3 + 1;
    const block = this.blockFor(p, most);
    let at = this.filled[p];
    for (let w = 0; w < 3; w++) {
      const v = h[w];
      for (let shift = 28; shift >= 0; shift -= 4) block[at++] = HEX_DIGITS[(v >>> shift) & 15];
    }
    block[at++] = TAB;
    at += block.write(rest, at, 'utf8');
    block[at++] = NEWLINE;
    this.filled[p] = at;
    return this.flushing;
  }

  /**
   * Adds `rest` under the hash of `lfn`, in the partition that hash picks: the one rule that puts
   * an LFN's lines from every source of a check (spools of the same `parts`) in the same partition.
   * Returns as write() does.
   */
  writeLfn(lfn: string, rest: string): Promise<void> | undefined {
    hashString(lfn, this.lfnHash);
    return this.writeHashed(this.lfnHash[1] % this.parts, this.lfnHash, rest);
  }

  /** Writes partition `p`'s block, raw or compressed (see ScratchBudget), taking it out of the partition. */
  private async flush(p: number): Promise<void> {
    if (this.failure) throw this.failure;
    const block = this.blocks[p];
    const size = this.filled[p];
    this.blocks[p] = undefined;
    this.filled[p] = 0;
    if (!block || size === 0) return;
    let ws: WriteStream;
    let data: Buffer;
    if (!this.packed[p] && this.budget.rawBytesLeft >= size) {
      this.budget.rawBytesLeft -= size;
      ws = this.raw[p] ?? this.open(p, true);
      data = block.subarray(0, size);
    } else {
      data = await gzipAsync(block.subarray(0, size), { level: 1 });
      ws = this.packed[p] ?? this.open(p, false);
    }
    let ok = true;
    this.unsynced.add(ws);
    this.lastWrite.set(ws, new Promise<void>((resolve) => (ok = ws.write(data, () => resolve()))));
    if (!ok) await this.settle(once(ws, 'drain'));
  }

  /** Waits for a stream event; a stream error comes out as the failure that names the file. */
  private async settle(event: Promise<unknown>): Promise<void> {
    try {
      await event;
    } catch (err) {
      throw this.failure ?? err;
    }
  }

  /**
   * Writes every partition's block and waits until the bytes are on disk (fsync): the segments
   * returned, the earlier attempts' and this spool's own, hold every line written so far. For a
   * checkpoint; no write may run meanwhile.
   */
  async sync(): Promise<SpoolSegment[][]> {
    for (let p = 0; p < this.parts; p++) await this.flush(p);
    const out: SpoolSegment[][] = [];
    const toSync: string[] = [];
    for (let p = 0; p < this.parts; p++) {
      const segs = [...(this.prior[p] ?? [])];
      for (const [ws, packed] of [[this.raw[p], false], [this.packed[p], true]] as const) {
        if (!ws) continue;
        await this.lastWrite.get(ws);
        if (this.failure) throw this.failure;
        const path = this.path(p, !packed);
        if (this.unsynced.delete(ws)) toSync.push(path);
        segs.push({ file: basename(path), length: ws.bytesWritten, packed });
      }
      out.push(segs);
    }
    // At most two files a partition: the fsyncs run side by side on libuv's pool.
    await Promise.all(toSync.map(syncFile));
    return out;
  }

  async close(): Promise<void> {
    for (let p = 0; p < this.parts; p++) {
      await this.flush(p);
      for (const ws of [this.raw[p], this.packed[p]]) {
        if (!ws) continue;
        ws.end();
        await this.settle(once(ws, 'close'));
      }
    }
    if (this.failure) throw this.failure;
  }

  /** Closes without waiting for the data (on failure). */
  destroy(): void {
    for (const ws of [...this.raw, ...this.packed]) ws?.destroy();
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
    for (const seg of this.prior[p] ?? []) if (seg.length > 0) yield* this.segmentBatches(join(this.dir, seg.file), seg.packed, seg.length - 1);
    // Every line ends with a newline: the raw file ends where the gzip file begins.
    if (this.raw[p]) yield* this.segmentBatches(this.path(p, true), false);
    if (this.packed[p]) yield* this.segmentBatches(this.path(p, false), true);
  }

  /** The lines of one file up to byte `end` (inclusive; undefined: to its end), raw or gzip. */
  private async *segmentBatches(path: string, packed: boolean, end?: number): AsyncGenerator<string[]> {
    const file$ = createReadStream(path, { highWaterMark: 1 << 20, end });
    if (!packed) {
      file$.setEncoding('utf8');
      return yield* splitLines(file$);
    }
    const text$ = createGunzip({ chunkSize: 1 << 20 });
    // pipeline() carries a read error into the gunzip stream, so the loop throws instead of waiting.
    pipeline(file$, text$, () => undefined);
    text$.setEncoding('utf8');
    yield* splitLines(text$);
  }
}

/** Puts a file's written data on disk (fsync through a descriptor of its own: it syncs the file, not the descriptor). */
export async function syncFile(path: string): Promise<void> {
  const h = await open(path, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

/** The lines of a text stream, a batch per chunk. */
async function* splitLines(text$: AsyncIterable<unknown>): AsyncGenerator<string[]> {
  let rest = '';
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
