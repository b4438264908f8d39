import { setMaxListeners } from 'node:events';
import type { DirEntry, RemoteFile } from '../core/entries.ts';
import { DcError, errorCode, errorMessage, isRetryable } from '../core/errors.ts';
import { failpoint } from '../core/failpoint.ts';
import { joinPath } from '../core/lfn.ts';
import { ListingPace } from '../core/listing-pace.ts';
import type { Lister } from './lister.ts';
import { ListingAttempt, listerBug } from './listing-attempt.ts';
import { sleepUnlessAborted as sleep } from '../core/sleep.ts';
import { newWalkProgress, progressReporter, pushbackOf } from './walk-progress.ts';
import { walkTree } from './tree-walker.ts';
import type { CheckpointedWalkOptions, WalkCheckpointEvent, WalkEvent, WalkOptions } from './walk-types.ts';
import { restoreFrontier, snapshotFrontier, type WalkNode as Node } from './walk-frontier.ts';

export type { CheckpointedWalkOptions, WalkCheckpointEvent, WalkEvent, WalkFrontier, WalkOptions, WalkProgress } from './walk-types.ts';

/** Output queue high-water mark: workers stop taking directories while the consumer lags. */
const HIGH_WATER = 64;

/**
 * Walks the site depth-first with up to `concurrency` listings in flight — as many as the
 * ListingPace finds the storage serves best, unless `adaptive` is false — retrying each failed directory
 * and reporting it unlisted when retries run out (siblings carry on). Depth-first order keeps the
 * frontier, and so memory, small; a directory's entries are held only until it has listed fully, so
 * a listing that fails half-way contributes nothing.
 */
export function walk(lister: Lister, opts: CheckpointedWalkOptions): AsyncGenerator<WalkEvent | WalkCheckpointEvent, void, undefined>;
export function walk(lister: Lister, opts: WalkOptions): AsyncGenerator<WalkEvent, void, undefined>;
export async function* walk(lister: Lister, opts: WalkOptions | CheckpointedWalkOptions): AsyncGenerator<WalkEvent | WalkCheckpointEvent, void, undefined> {
  if (lister.listTree && !opts.perDirectory) {
    lister.planTrees?.(opts.tops.map((t) => (opts.pathPrefix ?? '') + t));
    return yield* walkTree(lister, opts);
  }
  const prefix = opts.pathPrefix ?? '';
  const internal = new AbortController();
  // One listener per listing in flight: as many as `concurrency`, which may well exceed 10.
  setMaxListeners(0, internal.signal);
  const onOuterAbort = () => internal.abort();
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  if (opts.signal?.aborted) internal.abort();

  const stack: Node[] = [];
  /** Nodes taken off the stack whose listing has not ended (a checkpoint lists them again). */
  const listing = new Set<Node>();
  const out: (WalkEvent | WalkCheckpointEvent)[] = [];
  let active = 0;
  let fatal: DcError | undefined;
  let wake: (() => void) | undefined;
  const pace = new ListingPace({ cap: opts.concurrency, adaptive: opts.adaptive });
  // Push-back the lister's client absorbed (a kXR_wait it honoured) reaches the pace too.
  const unwatch = lister.watchPushback?.((p) => pace.pushback(p));
  const progress = newWalkProgress(pace);

  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const report = progressReporter(progress, opts.onProgress, () => {
    progress.dirsQueued = stack.length;
    progress.inFlight = active;
    progress.pace = pace.report();
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
        const began = performance.now();
        const entries = await listOnce(node, path);
        pace.finished(performance.now() - began, entries.length, active);
        const files: RemoteFile[] = [];
        const children: Node[] = [];
        let bytes = 0;
        for (const e of entries) {
          const lfn = joinPath(node.lfn, e.name);
          if (e.isDir) {
            if (opts.skipDir?.(lfn, e.mtime)) continue;
            children.push({ lfn, mtime: e.mtime, parent: node, pending: 1, files: 0, bytes: 0, newestMtime: e.mtime, unlistedBelow: false, isTop: false });
          } else {
            files.push({ lfn, size: e.size, mtime: e.mtime });
            bytes += e.size;
          }
        }
        node.bytes += bytes;
        node.files += files.length;
        listing.delete(node);
        progress.dirsListed++;
        failpoint('listing');
        progress.files += files.length;
        progress.bytes += bytes;
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
        const pushback = pushbackOf(err);
        if (pushback) pace.pushback(pushback);
        if (attempts > opts.retries || !isRetryable(err)) break;
        progress.retries++;
        await sleep((opts.retryDelayMs ?? 500) * attempts, internal.signal);
        if (internal.signal.aborted) return;
      }
    }
    listing.delete(node);
    progress.unlisted++;
    node.unlistedBelow = true;
    out.push({ type: 'unlisted', lfn: node.lfn, code: errorCode(lastErr), message: errorMessage(lastErr), attempts });
    node.pending--;
    if (node.pending === 0) close(node);
  };

  if (opts.resumeFrom) stack.push(...restoreFrontier(opts.resumeFrom));
  else {
    for (let i = opts.tops.length - 1; i >= 0; i--) {
      const lfn = opts.tops[i];
      stack.push({ lfn, mtime: 0, parent: undefined, pending: 1, files: 0, bytes: 0, newestMtime: 0, unlistedBelow: false, isTop: true });
    }
  }
  // A checkpoint is taken when the output queue is handed over whole: the walk's state then holds
  // exactly the events of that batch and those before it, so it goes out as the batch's last event.
  const every = opts.checkpoint;
  let checkpointAt = { dirs: 0, ms: performance.now() };
  const checkpointDue = () =>
    every !== undefined && progress.dirsListed + progress.unlisted > checkpointAt.dirs && (progress.dirsListed + progress.unlisted - checkpointAt.dirs >= every.everyDirs || performance.now() - checkpointAt.ms >= every.everyMs);

  try {
    while (stack.length > 0 || active > 0 || out.length > 0) {
      if (fatal) throw fatal;
      if (internal.signal.aborted) throw new DcError('ABORTED', 'walk aborted');
      while (active < pace.level && stack.length > 0 && out.length < HIGH_WATER) {
        const node = stack.pop()!;
        listing.add(node);
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
      const due = checkpointDue();
      if (out.length > 0 || due) {
        const batch = out.splice(0, out.length);
        if (due) {
          checkpointAt = { dirs: progress.dirsListed + progress.unlisted, ms: performance.now() };
          batch.push({ type: 'checkpoint', frontier: snapshotFrontier([...stack, ...listing], progress.dirsListed) });
        }
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
    unwatch?.();
    opts.signal?.removeEventListener('abort', onOuterAbort);
  }
}
