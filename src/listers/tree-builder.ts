import type { DirEntry } from '../core/entries.ts';
import { DcError } from '../core/errors.ts';
import type { TreeItem } from './lister.ts';

/**
 * Turns a flat, sorted stream of file paths (S3 keys, dump lines) into the post-order directory
 * listings `listTree` promises. Shared by every flat backend.
 *
 * Input paths are relative to the listed top ("a/b/f.root"); all paths below one directory must
 * arrive together, which any byte-wise sorted order guarantees (S3 lists in UTF-8 binary order; dumps
 * go through `sort`). Memory: the directories on the current path, each with its own files.
 *
 * A stream may be one shard of a larger listing, covering the keys in (after, through]. A directory
 * whose keys can also lie outside that range (an ancestor of a bound) is not emitted by the shard;
 * its contribution goes to the shared `TreeMerger`, which emits it once every shard is done.
 */
export interface FlatEntry {
  /** Path relative to the top, "/"-separated, no leading slash. A trailing "/" marks a directory. */
  rel: string;
  size: number;
  mtime: number;
}

interface OpenDir {
  rel: string;
  name: string;
  /** The directory's own mtime when the source names it (marker object, dump line for the directory). */
  ownMtime: number | undefined;
  newest: number;
  files: Map<string, DirEntry>;
  subdirs: Map<string, number>;
}

interface Partial {
  ownMtime: number | undefined;
  newest: number;
  files: Map<string, DirEntry>;
  subdirs: Map<string, number>;
  unlisted?: DcError;
}

export interface TreeBuilderOptions {
  /** Storage path of the top; item paths are this plus "/" plus the relative path. */
  top: string;
  merger: TreeMerger;
  /** Exclusive lower bound of this shard (relative path), or undefined for the start. */
  after?: string;
  /** Inclusive upper bound of this shard, or undefined for the end. Settable while running (splits). */
  through?: string;
  /**
   * Dumps (find output) list directories as lines of their own; such a line is recognised when
   * something arrives below it and becomes the directory's mtime. S3 keeps an object "a/b" and keys
   * "a/b/…" as two things, so it leaves this off.
   */
  fileMayBeDirectory?: boolean;
}

export class TreeBuilder {
  private readonly stack: OpenDir[] = [];
  private readonly out: TreeItem[] = [];
  /** Last path accepted, for the failure report. */
  private last: string | undefined;
  through: string | undefined;
  /** Entries that could not be placed (empty path components); counted, not listed. */
  skipped = 0;
  seen = 0;

  constructor(private readonly o: TreeBuilderOptions) {
    this.through = o.through;
  }

  /** Adds one entry; returns the listings it completed (take them before the next call). */
  add(e: FlatEntry): TreeItem[] {
    let rel = e.rel;
    const isMarker = rel.endsWith('/');
    if (isMarker) rel = rel.slice(0, -1);
    if (rel.startsWith('/') || rel.includes('//')) {
      this.skipped++;
      return this.take();
    }
    this.seen++;
    this.last = e.rel;
    const cut = isMarker ? rel.length : rel.lastIndexOf('/');
    const dir = cut <= 0 ? '' : rel.slice(0, cut);
    const name = isMarker ? '' : rel.slice(cut + 1);
    if (!this.stack.length) this.stack.push(openDir('', ''));
    while (!isAtOrBelow(dir, this.stack[this.stack.length - 1].rel)) this.pop();
    let cur = this.stack[this.stack.length - 1];
    while (cur.rel !== dir) {
      const next = dir.indexOf('/', cur.rel.length + (cur.rel ? 1 : 0));
      const childRel = next < 0 ? dir : dir.slice(0, next);
      const child = openDir(childRel, childRel.slice(childRel.lastIndexOf('/') + 1));
      const asFile = this.o.fileMayBeDirectory ? cur.files.get(child.name) : undefined;
      if (asFile) {
        cur.files.delete(child.name);
        child.ownMtime = asFile.mtime;
      }
      this.stack.push(child);
      cur = child;
    }
    if (isMarker || rel === '') {
      cur.ownMtime = Math.max(cur.ownMtime ?? 0, e.mtime);
    } else {
      if (cur.files.has(name)) throw new DcError('INPUT', `${this.o.top}/${rel} is listed twice`);
      if (this.o.fileMayBeDirectory && cur.subdirs.has(name)) {
        cur.subdirs.set(name, Math.max(cur.subdirs.get(name)!, e.mtime));
      } else {
        cur.files.set(name, { name, isDir: false, size: e.size, mtime: e.mtime });
        if (e.mtime > cur.newest) cur.newest = e.mtime;
      }
    }
    return this.take();
  }

  /** The stream ended normally: closes every open directory. */
  finish(): TreeItem[] {
    while (this.stack.length) this.pop();
    return this.take();
  }

  /**
   * The stream failed for good. Everything after the last accepted path up to `through` is unknown:
   * it lies below the deepest directory common to both, so that directory and the open ones below
   * it are unlisted; the open ones above it are complete apart from it, and go to the merger.
   */
  fail(error: DcError): void {
    const at = this.last ?? this.o.after;
    const common = this.through === undefined || at === undefined ? '' : commonDir(at, this.through);
    for (const d of at === undefined ? [''] : ancestors(at)) if (isAtOrBelow(d, common)) this.o.merger.markUnlisted(d, error);
    while (this.stack.length) {
      const d = this.stack.pop()!;
      // Open directories above `common` are ancestors of `through`: partial, completed by other shards.
      if (!isAtOrBelow(d.rel, common)) this.o.merger.add(d.rel, d);
      const parent = this.stack[this.stack.length - 1];
      if (parent) parent.subdirs.set(d.name, Math.max(parent.subdirs.get(d.name) ?? 0, d.newest));
    }
  }

  private take(): TreeItem[] {
    return this.out.length ? this.out.splice(0, this.out.length) : EMPTY;
  }

  private isPartial(rel: string): boolean {
    const { after } = this.o;
    if (rel === '') return after !== undefined || this.through !== undefined;
    const p = rel + '/';
    return (after !== undefined && after.startsWith(p)) || (this.through !== undefined && this.through.startsWith(p));
  }

  private pop(): void {
    const d = this.stack.pop()!;
    const mtime = d.ownMtime ?? d.newest;
    const parent = this.stack[this.stack.length - 1];
    if (parent) {
      parent.subdirs.set(d.name, Math.max(parent.subdirs.get(d.name) ?? 0, mtime));
      if (d.newest > parent.newest) parent.newest = d.newest;
    }
    if (this.isPartial(d.rel)) this.o.merger.add(d.rel, d);
    else this.out.push(listing(this.o.top, d.rel, mtime, d.files, d.subdirs));
  }
}

/** Collects the directories that span shards, and the unlisted ones; emits them deepest first. */
export class TreeMerger {
  private readonly parts = new Map<string, Partial>();
  constructor(private readonly top: string) {}

  add(rel: string, d: { ownMtime: number | undefined; newest: number; files: Map<string, DirEntry>; subdirs: Map<string, number> }): void {
    const p = this.parts.get(rel);
    if (!p) {
      this.parts.set(rel, { ownMtime: d.ownMtime, newest: d.newest, files: d.files, subdirs: d.subdirs });
      return;
    }
    if (d.ownMtime !== undefined) p.ownMtime = Math.max(p.ownMtime ?? 0, d.ownMtime);
    if (d.newest > p.newest) p.newest = d.newest;
    for (const [k, v] of d.files) p.files.set(k, v);
    for (const [k, v] of d.subdirs) p.subdirs.set(k, Math.max(p.subdirs.get(k) ?? 0, v));
  }

  markUnlisted(rel: string, error: DcError): void {
    const p = this.parts.get(rel);
    if (p) p.unlisted ??= error;
    else this.parts.set(rel, { ownMtime: undefined, newest: 0, files: new Map(), subdirs: new Map(), unlisted: error });
  }

  get size(): number {
    return this.parts.size;
  }

  /** Every shard is done: the waiting directories, children before parents. */
  drain(): TreeItem[] {
    const rels = [...this.parts.keys()].sort((a, b) => depth(b) - depth(a));
    const items: TreeItem[] = [];
    for (const rel of rels) {
      const p = this.parts.get(rel)!;
      const path = joinTop(this.top, rel);
      if (p.unlisted) items.push({ type: 'unlisted', path, error: p.unlisted });
      else items.push(listing(this.top, rel, p.ownMtime ?? p.newest, p.files, p.subdirs));
    }
    this.parts.clear();
    return items;
  }
}

const EMPTY: TreeItem[] = [];

function openDir(rel: string, name: string): OpenDir {
  return { rel, name, ownMtime: undefined, newest: 0, files: new Map(), subdirs: new Map() };
}

function listing(top: string, rel: string, mtime: number, files: Map<string, DirEntry>, subdirs: Map<string, number>): TreeItem {
  const entries: DirEntry[] = [...files.values()];
  for (const [name, m] of subdirs) entries.push({ name, isDir: true, size: 0, mtime: m });
  return { type: 'dir', path: joinTop(top, rel), mtime, entries };
}

function joinTop(top: string, rel: string): string {
  if (!rel) return top;
  return top === '/' ? '/' + rel : `${top}/${rel}`;
}

/** True when relative directory `dir` is `base` or below it ("" is the top). */
function isAtOrBelow(dir: string, base: string): boolean {
  return base === '' || dir === base || (dir.startsWith(base) && dir.charCodeAt(base.length) === 47);
}

/** Directories holding relative path `p`, top ("") first: "a/b/f" → ["", "a", "a/b"]. */
export function ancestors(p: string): string[] {
  const out = [''];
  for (let i = p.indexOf('/'); i > 0; i = p.indexOf('/', i + 1)) out.push(p.slice(0, i));
  return out;
}

/** Deepest directory holding both relative paths (a key and a shard bound). */
export function commonDir(a: string, b: string): string {
  let best = '';
  for (const d of ancestors(a)) {
    if (d === '') continue;
    if (!b.startsWith(d + '/')) break;
    best = d;
  }
  return best;
}

function depth(rel: string): number {
  if (rel === '') return 0;
  let n = 1;
  for (let i = 0; i < rel.length; i++) if (rel.charCodeAt(i) === 47) n++;
  return n;
}
