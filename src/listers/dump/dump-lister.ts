import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import type { Readable } from 'node:stream';
import type { DirEntry } from '../../core/entries.ts';
import { escapeName, unescapeName } from '../../core/escape.ts';
import { decodeName } from '../../core/name-bytes.ts';
import { DcError } from '../../core/errors.ts';
import type { SiteEnv } from '../../protocols/protocol-site.ts';
import { openPlainOrGzip } from '../../core/gzip-file.ts';
import type { Lister, TreeItem } from '../lister.ts';
import { TreeBuilder, TreeMerger } from '../tree-builder.ts';
import { csvColumns, detectFormat, parseCsvLine, parseWhitespaceLine, type CsvColumns, type DumpFormat, type DumpRecord } from './dump-parser.ts';

export interface DumpListerOptions {
  /** The dump file, plain or gzip (recognised by its magic bytes, not its name). */
  file: string;
  format?: DumpFormat | 'auto';
  /** Refuse a dump whose file is older than this many days. */
  maxAgeDays?: number;
  /** Where `sort` keeps its runs and the sorted copy lives (default: the system temp dir). */
  tempDir?: string;
  /** The environment `sort` runs in, as captured by the configuration layer (default: none). */
  env?: SiteEnv;
  /** A scratch directory the lister owns from the start (a fetched dump lies in it); removed on close. */
  workDir?: string;
  /** While the dump is parsed and sorted, an empty batch this often (ms; default 5000). */
  heartbeatMs?: number;
  /** What the run says it listed from (default: the file): a fetched dump's day and URL. */
  source?: string;
}

/** Records handed to the walker between heartbeats. */
const BATCH = 2000;
/** While the dump is being sorted, an empty batch this often (ms). */
const HEARTBEAT_MS = 5000;

/**
 * Lists a site from one storage dump file (the seed's AccessMethod `RAL-Reader`, generalised).
 *
 * Dumps come in any order, and a directory's listing must be complete before it is reported, so the
 * first listing parses the whole dump once (streaming, line numbers in every error) into GNU `sort`
 * (bounded memory, spills to disk) and keeps the sorted copy for the lister's life; every top is then
 * a range of that copy fed to the shared TreeBuilder. Directories are derived from paths; a `find`
 * line for a directory becomes that directory's mtime when something lies below it.
 */
export class DumpLister implements Lister {
  readonly kind = 'dump';
  readonly source: string;
  private sortedFile: Promise<string> | undefined;
  private workDir: string | undefined;
  private readonly children = new Set<{ kill(): void }>();
  private closed = false;

  constructor(private readonly o: DumpListerOptions) {
    this.workDir = o.workDir;
    this.source = o.source ?? `dump ${o.file}`;
  }

  /** A dump past MaxDumpAge describes a site that has moved on: refuse rather than mislead. */
  private async checkAge(): Promise<void> {
    let st;
    try {
      st = await stat(this.o.file);
    } catch (err) {
      throw new DcError('INPUT', `dump ${this.o.file} cannot be read: ${(err as Error).message}`, { cause: err });
    }
    if (this.o.maxAgeDays === undefined) return;
    const ageDays = (Date.now() - st.mtimeMs) / 86_400_000;
    if (ageDays > this.o.maxAgeDays) {
      throw new DcError('INPUT', `dump ${this.o.file} is ${ageDays.toFixed(1)} days old, more than MaxDumpAge ${this.o.maxAgeDays}`, {
        detail: { file: this.o.file, ageDays, maxDumpAge: this.o.maxAgeDays, reason: 'stale' },
      });
    }
  }

  /** Parses the dump into `sort` once; later calls share the result (or the error). */
  private sorted(signal: AbortSignal): Promise<string> {
    if (!this.sortedFile) {
      this.sortedFile = this.sortOnce(signal);
      // An aborted sort is not an answer: the next listing starts over.
      this.sortedFile.catch((err) => {
        if (err instanceof DcError && err.code === 'ABORTED') this.sortedFile = undefined;
      });
    }
    return this.sortedFile;
  }

  private async sortOnce(signal: AbortSignal): Promise<string> {
    this.workDir ??= await mkdtemp(join(this.o.tempDir ?? tmpdir(), 'dc-dump-'));
    const out = join(this.workDir, 'sorted');
    let input: Readable;
    try {
      input = await openPlainOrGzip(this.o.file);
    } catch (err) {
      throw new DcError('INPUT', `dump ${this.o.file} cannot be read: ${(err as Error).message}`, { cause: err });
    }
    const sort = spawn('sort', ['-z', '-S', '256M', '-T', this.workDir, '-o', out], {
      env: { ...this.o.env, LC_ALL: 'C' },
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    this.children.add(sort);
    // A sort that died makes writes fail with EPIPE; its exit status reports the failure instead.
    sort.stdin.on('error', () => undefined);
    let stderr = '';
    sort.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-2000)));
    const exited = new Promise<number | null>((resolve, reject) => {
      sort.once('error', (err) => reject(new DcError('UNSUPPORTED', `cannot run sort (coreutils): ${err.message}`, { cause: err })));
      sort.once('close', (code) => resolve(code));
    });
    exited.catch(() => undefined);
    const onAbort = () => sort.kill();
    signal.addEventListener('abort', onAbort, { once: true });
    // Lines as latin1 (one character a byte), so each is decoded to a name with its bytes kept.
    input.setEncoding('latin1');
    const lines = createInterface({ input, crlfDelay: Infinity });
    try {
      let lineNo = 0;
      let format = this.o.format === 'auto' ? undefined : this.o.format;
      let cols: CsvColumns | undefined;
      for await (const raw of lines) {
        lineNo++;
        const line = decodeName(Buffer.from(raw, 'latin1'));
        if (signal.aborted) throw new DcError('ABORTED', `reading ${this.o.file} aborted`);
        if (format === undefined) {
          if (line.trim() === '') continue;
          format = detectFormat(line, this.o.file, lineNo);
        }
        let rec: DumpRecord | undefined;
        if (format === 'csv') {
          if (!cols) {
            if (line.trim() === '') continue;
            cols = csvColumns(line, this.o.file, lineNo);
            continue;
          }
          rec = parseCsvLine(line, cols, this.o.file, lineNo);
        } else {
          rec = parseWhitespaceLine(line, format, this.o.file, lineNo);
        }
        if (!rec) continue;
        // A directory sorts as "dir/" so it lands inside its own range, not beside "dir.txt".
        const key = rec.isDir && rec.path !== '/' ? rec.path + '/' : rec.path;
        // Escaped (src/core/escape.ts): no newline or NUL inside, bytes that are not UTF-8 kept.
        const chunk = `${escapeName(key)}\n${rec.isDir ? 'd' : 'f'} ${rec.size} ${rec.mtime}\0`;
        if (!sort.stdin.write(chunk)) await Promise.race([once(sort.stdin, 'drain'), exited]);
      }
      sort.stdin.end();
      const code = await exited;
      if (signal.aborted) throw new DcError('ABORTED', `sorting ${this.o.file} aborted`);
      if (code !== 0) throw new DcError('IO', `sort of ${this.o.file} failed (exit ${code}): ${stderr.trim()}`);
      return out;
    } catch (err) {
      sort.kill();
      if (err instanceof DcError) throw err;
      if (signal.aborted) throw new DcError('ABORTED', `reading ${this.o.file} aborted`);
      throw new DcError('INPUT', `reading dump ${this.o.file}: ${(err as Error).message}`, { cause: err });
    } finally {
      signal.removeEventListener('abort', onAbort);
      lines.close();
      input.destroy();
      this.children.delete(sort);
    }
  }

  /** Records at or below `top` from the sorted copy, in order; stops once past the top's range. */
  private async *range(top: string, signal: AbortSignal): AsyncGenerator<DumpRecord, void, undefined> {
    await this.checkAge();
    const file = await this.sorted(signal);
    const under = top === '/' ? '/' : top + '/';
    const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 256 * 1024 });
    let rest = '';
    let entered = false;
    try {
      for await (const chunk of stream as AsyncIterable<string>) {
        if (signal.aborted) throw new DcError('ABORTED', `listing ${top} aborted`);
        const parts = (rest + chunk).split('\0');
        rest = parts.pop()!;
        for (const rec of parts) {
          const nl = rec.indexOf('\n');
          let path = unescapeName(rec.slice(0, nl));
          if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
          const inside = path.startsWith(under);
          if (!inside && path !== top) {
            if (entered) return;
            continue;
          }
          if (inside) entered = true;
          const [type, size, mtime] = rec.slice(nl + 1).split(' ');
          yield { path, isDir: type === 'd', size: Number(size), mtime: Number(mtime) };
        }
      }
    } finally {
      stream.destroy();
    }
  }

  async *listTree(path: string, signal: AbortSignal): AsyncIterable<TreeItem[]> {
    const merger = new TreeMerger(path);
    const b = new TreeBuilder({ top: path, merger, fileMayBeDirectory: true });
    const cut = path === '/' ? 1 : path.length + 1;
    let items: TreeItem[] = [];
    let n = 0;
    // Parsing and sorting a dump of millions of lines takes minutes before its first record: an
    // empty batch every HEARTBEAT_MS tells the walker the listing is alive (the Lister contract
    // counts it as progress), so a site's Timeout bounds a stall, not the size of its dump.
    await this.checkAge();
    const sorted = this.sorted(signal);
    while (!(await Promise.race([sorted.then(() => true, () => true), delay(this.o.heartbeatMs ?? HEARTBEAT_MS, false, { ref: false })]))) yield [];
    for await (const r of this.range(path, signal)) {
      const rel = r.path === path ? '' : r.path.slice(cut) + (r.isDir ? '/' : '');
      for (const it of b.add({ rel, size: r.size, mtime: r.mtime })) items.push(it);
      if (++n % BATCH === 0) {
        if (signal.aborted) throw new DcError('ABORTED', `listing ${path} aborted`);
        yield items;
        items = [];
      }
    }
    if (b.seen === 0) throw new DcError('NOT_FOUND', `${path}: not in dump ${this.o.file}`);
    for (const it of b.finish()) items.push(it);
    yield items;
  }

  /** One directory from the sorted copy; walks use `listTree` and never need this. */
  async *listDir(path: string, signal: AbortSignal): AsyncIterable<DirEntry[]> {
    if (signal.aborted) throw new DcError('ABORTED', `listing ${path} aborted`);
    const cut = path === '/' ? 1 : path.length + 1;
    const entries = new Map<string, DirEntry>();
    let found = false;
    for await (const r of this.range(path, signal)) {
      found = true;
      if (r.path === path) continue;
      const rel = r.path.slice(cut);
      const slash = rel.indexOf('/');
      const name = slash < 0 ? rel : rel.slice(0, slash);
      const prev = entries.get(name);
      if (slash < 0 && !r.isDir) {
        if (!prev) entries.set(name, { name, isDir: false, size: r.size, mtime: r.mtime });
      } else if (slash < 0) {
        entries.set(name, { name, isDir: true, size: 0, mtime: r.mtime });
      } else if (!prev || !prev.isDir) {
        // First record below `name`: a `find` line for it, if any, came just before and gave its mtime.
        entries.set(name, { name, isDir: true, size: 0, mtime: prev ? prev.mtime : r.mtime });
      }
    }
    if (!found) throw new DcError('NOT_FOUND', `${path}: not in dump ${this.o.file}`);
    const all = [...entries.values()];
    for (let i = 0; i < all.length; i += 1000) {
      if (signal.aborted) throw new DcError('ABORTED', `listing ${path} aborted`);
      yield all.slice(i, i + 1000);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.children) c.kill();
    this.children.clear();
    const dir = this.workDir;
    this.workDir = undefined;
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}
