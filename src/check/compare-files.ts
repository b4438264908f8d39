import { closeSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync, statSync, createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { dirname, join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { DcError, type ErrorCode } from '../core/errors.ts';
import { isGzipFile } from '../core/gzip-file.ts';
import { detectListFormat, ENTRY, nameOf, newListCounts, newParsedLine, parseListLine, type DetectedFormat, type ListCounts, type ListFormat } from '../core/list-format.ts';
import { HashTable } from './hash-table.ts';
import type { HashChunk, WorkerMessage } from './line-hash-worker.ts';
import { SortedList } from './sorted-list.ts';

const SEEN = 1;
const MISMATCH = 2;

/** One input of a comparison: its format (declared or detected) and what its lines held. */
export interface ListInput {
  path: string;
  format: ListFormat;
  how: string;
  counts: ListCounts;
}

export interface CompareFilesOptions {
  /** Declared formats; an input without one is detected (detectListFormat) and the result says so. */
  formats?: { inventory?: ListFormat; remote?: ListFormat };
}

export interface CompareFilesResult {
  inputs: { inventory: ListInput; remote: ListInput };
  inventory: number;
  remote: number;
  missing: number;
  orphan: number;
  sizeMismatch: number;
  files: { missing: string; orphan: string; sizeMismatch: string };
  seconds: number;
}

/** Chunks a worker may have read ahead of the consumer (each ~1.8 MB). */
const READ_AHEAD = 8;

/** Streams the hash chunks of one list from a worker thread, which stays READ_AHEAD chunks ahead at most. */
async function* hashChunks(path: string, input: ListInput): AsyncGenerator<HashChunk> {
  const credits = new Int32Array(new SharedArrayBuffer(4));
  credits[0] = READ_AHEAD;
  const worker = new Worker(new URL('./line-hash-worker-boot.mjs', import.meta.url), { workerData: { path, format: input.format, credits } });
  const queue: WorkerMessage[] = [];
  let wake: (() => void) | undefined;
  let failure: Error | undefined;
  worker.on('message', (m: WorkerMessage) => {
    queue.push(m);
    wake?.();
  });
  worker.on('error', (err) => {
    failure = err;
    wake?.();
  });
  try {
    for (;;) {
      if (queue.length === 0) {
        if (failure) throw new DcError('INTERNAL', `hashing ${path}: ${failure.message}`, { cause: failure });
        await new Promise<void>((r) => (wake = r));
        wake = undefined;
        continue;
      }
      const m = queue.shift()!;
      if (m.type === 'chunk') {
        yield m;
        Atomics.add(credits, 0, 1);
        Atomics.notify(credits, 0);
      }
      else if (m.type === 'error') throw new DcError(m.code as ErrorCode, m.message);
      else {
        input.counts = m.counts;
        return;
      }
    }
  } finally {
    await worker.terminate();
  }
}

async function* prepend<T>(head: T, tail: AsyncIterable<T>): AsyncGenerator<T> {
  yield head;
  yield* tail;
}

/** The name on the line starting at `offset` of an open (plain) file of format `format`. */
function nameAt(fd: number, offset: number, format: ListFormat, scratch: { buf: Buffer }): string {
  for (;;) {
    const got = readSync(fd, scratch.buf, 0, scratch.buf.length, offset);
    let end = scratch.buf.indexOf(10);
    if (end < 0 || end >= got) {
      if (got < scratch.buf.length) end = got;
      else {
        scratch.buf = Buffer.alloc(scratch.buf.length * 4);
        continue;
      }
    }
    if (end > 0 && scratch.buf[end - 1] === 13) end--;
    const r = newParsedLine();
    if (parseListLine(format, scratch.buf, 0, end, r) !== ENTRY) throw new DcError('INPUT', `a list changed while being compared (line at byte ${offset})`);
    return nameOf(scratch.buf, r);
  }
}

/** Entries a list holds, guessed from its size and its first lines, to size the table once. */
function estimateLines(path: string): number {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(1 << 16);
    const got = readSync(fd, buf, 0, buf.length, 0);
    let lines = 0;
    for (let i = buf.indexOf(10); i >= 0 && i < got; i = buf.indexOf(10, i + 1)) lines++;
    const avg = lines > 0 ? got / lines : 100;
    return Math.ceil((statSync(path).size / avg) * 1.05) + 16;
  } finally {
    closeSync(fd);
  }
}

/** A gzip list is unpacked once to a scratch file: names are read back by offset at the end. */
async function plainCopy(path: string, scratch: string, name: string): Promise<string> {
  if (!(await isGzipFile(path))) return path;
  const out = join(scratch, name);
  await pipeline(createReadStream(path), createGunzip(), createWriteStream(out));
  return out;
}

/** The format of each input: declared, or detected once from the file's first lines. */
async function inputOf(path: string, declared: ListFormat | undefined): Promise<ListInput> {
  const d: DetectedFormat = declared ? { format: declared, how: 'declared' } : await detectListFormat(path);
  return { path, format: d.format, how: d.how, counts: newListCounts() };
}

/**
 * The seed's `datatypes.compare` on two lists (plain or gz) in any list format
 * (src/core/list-format.ts: `paths`, `lfn-size`, `rucio-dump`):
 * PREFIX_missing.txt (in INV, not in REMOTE), PREFIX_orphan.txt (in REMOTE, not in INV) and
 * PREFIX_size_mismatch.txt (only where both lists give a size). It uses the check's LFN hash and hash table. Two worker threads read
 * and hash the lists while this thread fills and probes the table; names are read back only for
 * the entries reported. Memory: ~37 bytes per inventory entry plus 28 per remote entry.
 */
export async function compareFiles(invArg: string, remoteArg: string, prefix: string, opts: CompareFilesOptions = {}): Promise<CompareFilesResult> {
  const t0 = Date.now();
  const inputs = { inventory: await inputOf(invArg, opts.formats?.inventory), remote: await inputOf(remoteArg, opts.formats?.remote) };
  const out = resolve(prefix);
  mkdirSync(dirname(out), { recursive: true });
  const scratch = mkdtempSync(join(dirname(out), '.compare-'));
  const lists = {
    missing: new SortedList({ tmpRoot: scratch }),
    orphan: new SortedList({ tmpRoot: scratch }),
    sizeMismatch: new SortedList({ tmpRoot: scratch }),
  };
  const fds: number[] = [];
  let remoteIter: AsyncGenerator<HashChunk> | undefined;
  try {
    const invPath = await plainCopy(invArg, scratch, 'inventory');
    const remotePath = await plainCopy(remoteArg, scratch, 'remote');
    const table = new HashTable(estimateLines(invPath), { size: 'f64', offset: 'f64' });
    // The remote worker starts now and reads ahead while the inventory table fills.
    const remote$ = hashChunks(remotePath, inputs.remote);
    remoteIter = remote$;
    const remoteFirst = remote$.next();
    remoteFirst.catch(() => undefined);
    let inventory = 0;
    for await (const c of hashChunks(invPath, inputs.inventory)) {
      const hs = c.hashes;
      for (let i = 0; i < c.count; i++) {
        const slot = table.upsertWords(hs[i * 3], hs[i * 3 + 1], hs[i * 3 + 2]);
        if (table.lastWasNew) {
          table.cols.size[slot] = c.sizes[i];
          table.cols.offset[slot] = c.offsets[i];
          inventory++;
        }
      }
    }
    let remote = 0;
    const orphanOffsets: number[] = [];
    const first = await remoteFirst;
    const rest = { [Symbol.asyncIterator]: () => remote$ };
    for await (const c of first.done ? [] : prepend(first.value, rest)) {
      const hs = c.hashes;
      for (let i = 0; i < c.count; i++) {
        remote++;
        const slot = table.findWords(hs[i * 3], hs[i * 3 + 1], hs[i * 3 + 2]);
        if (slot < 0) orphanOffsets.push(c.offsets[i]);
        else {
          table.setFlags(slot, SEEN);
          const known = table.cols.size[slot];
          if (known >= 0 && c.sizes[i] >= 0 && known !== c.sizes[i]) table.setFlags(slot, MISMATCH);
        }
      }
    }
    const scratchBuf = { buf: Buffer.alloc(4096) };
    const invFd = openSync(invPath, 'r');
    fds.push(invFd);
    table.forEach((slot, flags) => {
      const size = Math.max(0, table.cols.size[slot]);
      if (!(flags & SEEN)) lists.missing.add(nameAt(invFd, table.cols.offset[slot], inputs.inventory.format, scratchBuf), size);
      else if (flags & MISMATCH) lists.sizeMismatch.add(nameAt(invFd, table.cols.offset[slot], inputs.inventory.format, scratchBuf), size);
    });
    const remoteFd = openSync(remotePath, 'r');
    fds.push(remoteFd);
    for (const off of orphanOffsets) lists.orphan.add(nameAt(remoteFd, off, inputs.remote.format, scratchBuf));
    const files = { missing: `${out}_missing.txt`, orphan: `${out}_orphan.txt`, sizeMismatch: `${out}_size_mismatch.txt` };
    const missing = await lists.missing.writeTo(files.missing);
    const orphan = await lists.orphan.writeTo(files.orphan);
    const sizeMismatch = await lists.sizeMismatch.writeTo(files.sizeMismatch);
    return { inputs, inventory, remote, missing, orphan, sizeMismatch, files, seconds: (Date.now() - t0) / 1000 };
  } finally {
    await remoteIter?.return(undefined);
    for (const fd of fds) closeSync(fd);
    for (const l of Object.values(lists)) l.dispose();
    rmSync(scratch, { recursive: true, force: true });
  }
}
