import { setMaxListeners } from 'node:events';
import type { DirEntry, DirSummary, RemoteFile } from '../core/entries.ts';
import { DcError, errorCode, errorMessage, isRetryable, type ErrorCode } from '../core/errors.ts';
import { joinPath } from '../core/lfn.ts';
import type { Lister } from './lister.ts';
import { ListingAttempt, listerBug } from './listing-attempt.ts';
import { sleepUnlessAborted as sleep } from '../core/sleep.ts';
import { newWalkProgress, progressReporter } from './walk-progress.ts';
import { walkTree } from './tree-walker.ts';

export type WalkEvent =
  /** Files of one directory, as full LFNs. Emitted only once the directory listed completely. */
  | { type: 'files'; dir: string; files: RemoteFile[] }
  /** A directory whose whole subtree is done. Children always come before their parent. */
  | { type: 'dir'; dir: DirSummary }
  /** A directory that still failed after all retries: nothing at or below it is known. */
  | { type: 'unlisted'; lfn: string; code: ErrorCode; message: string; attempts: number };

export interface WalkProgress {
  dirsListed: number;
  dirsQueued: number;
  inFlight: number;
  files: number;
  bytes: number;
  unlisted: number;
  retries: number;
  elapsedMs: number;
}

export interface WalkOptions {
  /** LFN directories to start from (RootPath, or RootPath/<entry> for each DirectoryList entry). */
  tops: string[];
  /** Prepended to an LFN to get the storage path the lister takes. */
  pathPrefix?: string;
  /** Directory listings in flight at once. */
  concurrency: number;
  /** Extra attempts after a failed listing (the seed's `Retries`). */
  retries: number;
  /** A listing attempt that yields nothing for this long is abandoned as TIMEOUT. */
  timeoutMs: number;
  /** Pause before a retry, multiplied by the attempt number. */
  retryDelayMs?: number;
  signal?: AbortSignal;
  onProgress?: (p: WalkProgress) => void;
  /** List one directory at a time even when the lister can stream whole trees (`listTree`). */
  perDirectory?: boolean;
}

interface Node {
  lfn: string;
  mtime: number;
  parent: Node | undefined;
  /** Children not closed yet, plus one while the node's own listing is outstanding. */
  pending: number;
  files: number;
  bytes: number;
  newestMtime: number;
  unlistedBelow: boolean;
  isTop: boolean;
}

/** Output queue high-water mark: workers stop taking directories while the consumer lags. */
const HIGH_WATER = 64;

/**
 * Walks the site depth-first with `concurrency` listings in flight, retrying each failed directory
 * and reporting it unlisted when retries run out (siblings carry on). Depth-first order keeps the
 * frontier, and so memory, small; a directory's entries are held only until it has listed fully, so
 * a listing that fails half-way contributes nothing.
 */
export async function* walk(lister: Lister, opts: WalkOptions): AsyncGenerator<WalkEvent, void, undefined> {
  if (lister.listTree && !opts.perDirectory) return yield* walkTree(lister, opts);
  const prefix = opts.pathPrefix ?? '';
  const internal = new AbortController();
  // One listener per listing in flight: as many as `concurrency`, which may well exceed 10.
  setMaxListeners(0, internal.signal);
  const onOuterAbort = () => internal.abort();
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  if (opts.signal?.aborted) internal.abort();

  const stack: Node[] = [];
  const out: WalkEvent[] = [];
  let active = 0;
  let fatal: DcError | undefined;
  let wake: (() => void) | undefined;
  const progress = newWalkProgress();

  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const report = progressReporter(progress, opts.onProgress, () => {
    progress.dirsQueued = stack.length;
    progress.inFlight = active;
  });

  const close = (node: Node) => {
    for (let n: Node | undefined = node; n; n = n.parent) {
      out.push({
        type: 'dir',
        dir: { lfn: n.lfn, mtime: n.mtime, files: n.files, bytes: n.bytes, newestMtime: n.newestMtime, unlistedBelow: n.unlistedBelow, isTop: n.isTop },
      });
      const p = n.parent;
      if (!p) return;
      p.files += n.files;
      p.bytes += n.bytes;
      if (n.newestMtime > p.newestMtime) p.newestMtime = n.newestMtime;
      if (n.unlistedBelow) p.unlistedBelow = true;
      if (--p.pending > 0) return;
    }
  };

  const listOnce = async (node: Node, path: string): Promise<DirEntry[]> => {
    const attempt = new ListingAttempt(internal.signal, opts.timeoutMs);
    const entries: DirEntry[] = [];
    try {
      attempt.arm();
      // A top directory's own mtime comes from no parent listing: stat it where the lister can.
      if (node.isTop && lister.stat) node.mtime = (await lister.stat(path, attempt.signal)).mtime;
      for await (const batch of lister.listDir(path, attempt.signal)) {
        for (const e of batch) entries.push(e);
        attempt.arm();
      }
      return entries;
    } catch (err) {
      if (attempt.timedOut) throw new DcError('TIMEOUT', `listing ${path} made no progress for ${opts.timeoutMs} ms`, { cause: err });
      throw err;
    } finally {
      attempt.dispose();
    }
  };

  const run = async (node: Node) => {
    const path = prefix + node.lfn;
    let attempts = 0;
    let lastErr: unknown;
    for (;;) {
      attempts++;
      try {
        const entries = await listOnce(node, path);
        const files: RemoteFile[] = [];
        const children: Node[] = [];
        for (const e of entries) {
          const lfn = joinPath(node.lfn, e.name);
          if (e.isDir) {
            children.push({ lfn, mtime: e.mtime, parent: node, pending: 1, files: 0, bytes: 0, newestMtime: e.mtime, unlistedBelow: false, isTop: false });
          } else {
            files.push({ lfn, size: e.size, mtime: e.mtime });
            node.bytes += e.size;
          }
        }
        node.files += files.length;
        progress.dirsListed++;
        progress.files += files.length;
        progress.bytes += files.reduce((s, f) => s + f.size, 0);
        if (files.length) out.push({ type: 'files', dir: node.lfn, files });
        node.pending += children.length - 1;
        for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
        if (node.pending === 0) close(node);
        return;
      } catch (err) {
        lastErr = err;
        if (internal.signal.aborted) return;
        const bug = listerBug(lister.kind, `listing ${path}`, err);
        if (bug) throw bug;
        if (attempts > opts.retries || !isRetryable(err)) break;
        progress.retries++;
        await sleep((opts.retryDelayMs ?? 500) * attempts, internal.signal);
        if (internal.signal.aborted) return;
      }
    }
    progress.unlisted++;
    node.unlistedBelow = true;
    out.push({ type: 'unlisted', lfn: node.lfn, code: errorCode(lastErr), message: errorMessage(lastErr), attempts });
    node.pending--;
    if (node.pending === 0) close(node);
  };

  for (let i = opts.tops.length - 1; i >= 0; i--) {
    const lfn = opts.tops[i];
    stack.push({ lfn, mtime: 0, parent: undefined, pending: 1, files: 0, bytes: 0, newestMtime: 0, unlistedBelow: false, isTop: true });
  }

  try {
    while (stack.length > 0 || active > 0 || out.length > 0) {
      if (fatal) throw fatal;
      if (internal.signal.aborted) throw new DcError('ABORTED', 'walk aborted');
      while (active < opts.concurrency && stack.length > 0 && out.length < HIGH_WATER) {
        const node = stack.pop()!;
        active++;
        run(node)
          .catch((err) => {
            // run() handles storage errors itself; anything here is a bug, and stops the walk.
            fatal ??= err instanceof DcError && err.code === 'INTERNAL' ? err : new DcError('INTERNAL', `walker failed at ${node.lfn}: ${errorMessage(err)}`, { cause: err });
          })
          .finally(() => {
            active--;
            notify();
          });
      }
      if (out.length > 0) {
        const batch = out.splice(0, out.length);
        report();
        for (const ev of batch) yield ev;
        continue;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
        if (internal.signal.aborted) resolve();
      });
    }
    if (fatal) throw fatal; // the last listing may be the one that failed
    report(true);
  } finally {
    internal.abort();
    opts.signal?.removeEventListener('abort', onOuterAbort);
  }
}
