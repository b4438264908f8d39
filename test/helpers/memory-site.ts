import type { DirEntry, InventoryFile } from '../../src/core/entries.ts';
import { DcError } from '../../src/core/errors.ts';
import type { Inventory } from '../../src/inventory/inventory.ts';
import type { Lister } from '../../src/listers/lister.ts';

/** Test double: a storage tree in memory, with directories that fail to list on demand. */
export class MemoryLister implements Lister {
  readonly kind = 'memory';
  readonly dirs = new Map<string, DirEntry[]>();
  /** path → number of failures before it lists (Infinity: always fails). */
  readonly failures = new Map<string, number>();
  readonly listed: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  delayMs = 0;
  /** Called before a directory is listed (to change things mid-listing). */
  beforeList?: (path: string) => void | Promise<void>;
  closed = false;

  constructor(files: { path: string; size?: number; mtime: number }[], dirs: { path: string; mtime: number }[] = []) {
    this.ensureDir('/', 0);
    for (const d of dirs) this.addDir(d.path, d.mtime);
    for (const f of files) this.addFile(f.path, f.size ?? 100, f.mtime);
  }

  private ensureDir(path: string, mtime: number): void {
    if (this.dirs.has(path)) return;
    this.dirs.set(path, []);
    if (path === '/') return;
    const i = path.lastIndexOf('/');
    const parent = i <= 0 ? '/' : path.slice(0, i);
    this.ensureDir(parent, mtime);
    this.dirs.get(parent)!.push({ name: path.slice(i + 1), isDir: true, size: 0, mtime });
  }

  addDir(path: string, mtime: number): void {
    if (this.dirs.has(path)) {
      const i = path.lastIndexOf('/');
      const parent = i <= 0 ? '/' : path.slice(0, i);
      const e = this.dirs.get(parent)!.find((x) => x.name === path.slice(i + 1));
      if (e) e.mtime = mtime;
      return;
    }
    this.ensureDir(path, mtime);
  }

  addFile(path: string, size: number, mtime: number): void {
    const i = path.lastIndexOf('/');
    const dir = path.slice(0, i) || '/';
    this.ensureDir(dir, mtime);
    this.dirs.get(dir)!.push({ name: path.slice(i + 1), isDir: false, size, mtime });
  }

  removeFile(path: string): void {
    const i = path.lastIndexOf('/');
    const list = this.dirs.get(path.slice(0, i) || '/');
    if (list) list.splice(list.findIndex((e) => e.name === path.slice(i + 1)), 1);
  }

  async *listDir(path: string, signal: AbortSignal): AsyncIterable<DirEntry[]> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await this.beforeList?.(path);
      if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
      if (signal.aborted) throw new DcError('ABORTED', 'aborted');
      const left = this.failures.get(path);
      if (left !== undefined && left > 0) {
        this.failures.set(path, left - 1);
        throw new DcError('IO', `${path}: injected failure`);
      }
      const entries = this.dirs.get(path);
      if (!entries) throw new DcError('NOT_FOUND', `${path}: no such directory`);
      this.listed.push(path);
      yield entries.map((e) => ({ ...e }));
    } finally {
      this.inFlight--;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/**
 * Test double: an inventory whose before and after reads can differ (`after` set, or `onRead`
 * to change `files` between reads).
 */
export class MemoryInventory implements Inventory {
  readonly kind = 'memory';
  reads = 0;
  after?: InventoryFile[];
  public protectedDatasets: Set<string> | undefined;
  /** `protectedDatasets` null: the inventory knows no datasets (nothing is protected). */
  constructor(
    public files: InventoryFile[],
    protectedDatasets: Set<string> | null = new Set(),
    public queued: Set<string> = new Set(),
  ) {
    this.protectedDatasets = protectedDatasets ?? undefined;
  }
  async *streamFiles(): AsyncIterable<InventoryFile[]> {
    this.reads++;
    const list = this.reads > 1 && this.after ? this.after : this.files;
    for (let i = 0; i < list.length; i += 3) yield list.slice(i, i + 3);
  }
  async collectProtectedDatasets() {
    return this.protectedDatasets && new Set(this.protectedDatasets);
  }
  async collectQueuedDeletions() {
    return new Set(this.queued);
  }
  async collectSites() {
    return ['T2_TEST'];
  }
  async close() {}
}
