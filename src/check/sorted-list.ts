import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { AtomicWriter } from '../core/atomic-file.ts';
import { escapeName, unescapeName } from '../core/escape.ts';

/**
 * Collects names (each with a size) for one output list and writes them sorted, one escaped name
 * a line, without duplicates. Up to `spillAt` (default 200 000) names stay in memory; beyond that sorted runs go to
 * temporary files and are merged at the end, so a run that finds 10 M orphans still fits the
 * memory budget. Internally an entry is `escapedName TAB size`: an escaped name holds no tab, and
 * tab sorts below every character a name may show, so entries sort by name.
 */
// eslint-disable-next-line no-control-regex
const ASCII = /^[\x00-\x7f]*$/;

export class SortedList {
  private buf: string[] = [];
  private runs: string[] = [];
  private tmpDir: string | undefined;
  private added = 0;

  constructor(
    private readonly opts: { tmpRoot: string; spillAt?: number; descending?: boolean },
  ) {}

  /** Names added (duplicates included). */
  get count(): number {
    return this.added;
  }

  /** `size` may be any text without a newline (`dump` keeps "size mtime" there); entries() reads a number. */
  add(name: string, size: number | string = 0): void {
    this.added++;
    // A copy of its own: a name sliced out of a large read buffer would otherwise keep the
    // whole buffer alive for as long as the list holds it. ASCII goes through latin1 (one byte a
    // character in memory), anything else through UTF-16 (lossless for any JS string).
    const entry = `${escapeName(name)}\t${size}`;
    const enc = ASCII.test(entry) ? 'latin1' : 'utf16le';
    this.buf.push(Buffer.from(entry, enc).toString(enc));
    if (this.buf.length >= (this.opts.spillAt ?? 200_000)) this.spill();
  }

  private compare = (a: string, b: string): number => {
    const r = a < b ? -1 : a > b ? 1 : 0;
    return this.opts.descending ? -r : r;
  };

  private spill(): void {
    this.tmpDir ??= mkdtempSync(join(this.opts.tmpRoot, '.sorted-'));
    const path = join(this.tmpDir, `run-${this.runs.length}`);
    this.buf.sort(this.compare);
    writeFileSync(path, this.buf.join('\n') + '\n');
    this.runs.push(path);
    this.buf = [];
  }

  /** Sorted, de-duplicated lines as written: escaped names. */
  async *lines(): AsyncGenerator<string> {
    for await (const e of this.sortedEntries()) yield e.slice(0, e.lastIndexOf('\t'));
  }

  /** Sorted, de-duplicated lines `escapedName SEP size-text`, as `dump` writes them. */
  async *linesWithSize(sep = ' '): AsyncGenerator<string> {
    for await (const e of this.sortedEntries()) {
      const tab = e.lastIndexOf('\t');
      yield e.slice(0, tab) + sep + e.slice(tab + 1);
    }
  }

  /** Sorted, de-duplicated names (unescaped) with their sizes. */
  async *entries(): AsyncGenerator<{ name: string; size: number }> {
    for await (const e of this.sortedEntries()) {
      const tab = e.lastIndexOf('\t');
      yield { name: unescapeName(e.slice(0, tab)), size: Number(e.slice(tab + 1)) };
    }
  }

  /** Entries in order, one per name (the first of equal names). */
  private async *sortedEntries(): AsyncGenerator<string> {
    let prevName: string | undefined;
    for await (const e of this.merged()) {
      const name = e.slice(0, e.lastIndexOf('\t'));
      if (name !== prevName) yield e;
      prevName = name;
    }
  }

  private async *merged(): AsyncGenerator<string> {
    this.buf.sort(this.compare);
    if (this.runs.length === 0) {
      yield* this.buf;
      return;
    }
    const sources: AsyncIterator<string>[] = this.runs.map((p) => createInterface({ input: createReadStream(p), crlfDelay: Infinity })[Symbol.asyncIterator]());
    sources.push(this.buf[Symbol.iterator]() as unknown as AsyncIterator<string>);
    const heads: (string | undefined)[] = [];
    for (const s of sources) heads.push(((await s.next()) as IteratorResult<string>).value);
    for (;;) {
      let best = -1;
      for (let i = 0; i < heads.length; i++) {
        const h = heads[i];
        if (h !== undefined && (best < 0 || this.compare(h, heads[best]!) < 0)) best = i;
      }
      if (best < 0) return;
      const line = heads[best]!;
      const next = await sources[best].next();
      heads[best] = next.done ? undefined : next.value;
      yield line;
    }
  }

  /** Writes the list atomically to `path`; returns the number of lines written. */
  async writeTo(path: string): Promise<number> {
    const w = new AtomicWriter(path);
    let n = 0;
    try {
      let chunk = '';
      for await (const line of this.lines()) {
        chunk += line + '\n';
        n++;
        if (chunk.length > 1 << 20) {
          await w.write(chunk);
          chunk = '';
        }
      }
      if (chunk) await w.write(chunk);
      await w.commit();
    } catch (err) {
      await w.abort();
      throw err;
    }
    return n;
  }

  dispose(): void {
    if (this.tmpDir) rmSync(this.tmpDir, { recursive: true, force: true });
    this.tmpDir = undefined;
    this.runs = [];
    this.buf = [];
  }
}
