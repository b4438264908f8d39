/**
 * Worker thread of compare-files: reads one list (in its declared or detected format,
 * src/core/list-format.ts) and sends back, in chunks, each line's
 * 96-bit name hash, size and file offset (never the names themselves). Runs beside the main thread
 * so reading and hashing the two lists overlaps with building and probing the table.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DcError } from '../core/errors.ts';
import { forEachLine } from '../core/line-reader.ts';
import { BAD, COMMENT, EMPTY, listLineError, nameOf, newListCounts, newParsedLine, parseListLine, type ListCounts, type ListFormat } from '../core/list-format.ts';
import { hashBytes, hashString, newHash } from '../core/lfn-hash.ts';

export interface HashChunk {
  type: 'chunk';
  count: number;
  hashes: Uint32Array;
  sizes: Float64Array;
  offsets: Float64Array;
}
export type WorkerMessage = HashChunk | { type: 'done'; counts: ListCounts } | { type: 'error'; code: string; message: string };

const CHUNK = 1 << 16;
/**
 * `credits[0]` is how many more chunks the main thread will take now; the worker blocks when it
 * reaches 0 (Atomics.wait is allowed in workers), so a list that is not consumed yet holds at
 * most a few chunks in memory instead of all of them.
 */
const { path, format, credits } = workerData as { path: string; format: ListFormat; credits: Int32Array };
const port = parentPort!;
const h = newHash();
let hashes = new Uint32Array(CHUNK * 3);
let sizes = new Float64Array(CHUNK);
let offsets = new Float64Array(CHUNK);
let n = 0;

function flush(): void {
  if (n === 0) return;
  while (Atomics.load(credits, 0) <= 0) Atomics.wait(credits, 0, Atomics.load(credits, 0));
  Atomics.sub(credits, 0, 1);
  const msg: HashChunk = { type: 'chunk', count: n, hashes, sizes, offsets };
  port.postMessage(msg, [hashes.buffer, sizes.buffer, offsets.buffer]);
  hashes = new Uint32Array(CHUNK * 3);
  sizes = new Float64Array(CHUNK);
  offsets = new Float64Array(CHUNK);
  n = 0;
}

try {
  const r = newParsedLine();
  const counts = newListCounts();
  counts.lines = await forEachLine(path, (buf, start, end, lineNo, offset) => {
    const kind = parseListLine(format, buf, start, end, r);
    if (kind === EMPTY) return void counts.empty++;
    if (kind === COMMENT) return void counts.comments++;
    if (kind === BAD) throw listLineError(path, lineNo, r.problem, buf, start, end);
    counts.entries++;
    if (r.escaped) hashString(nameOf(buf, r), h);
    else hashBytes(buf, r.nameStart, r.nameEnd, h);
    hashes[n * 3] = h[0];
    hashes[n * 3 + 1] = h[1];
    hashes[n * 3 + 2] = h[2];
    sizes[n] = r.size;
    offsets[n] = offset;
    if (++n === CHUNK) flush();
  });
  flush();
  port.postMessage({ type: 'done', counts } satisfies WorkerMessage);
} catch (err) {
  port.postMessage({ type: 'error', code: err instanceof DcError ? err.code : 'INPUT', message: (err as Error).message } satisfies WorkerMessage);
}
