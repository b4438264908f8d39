import type { RemoteFile } from '../core/entries.ts';
import { DcError, errorCode, errorMessage, isRetryable } from '../core/errors.ts';
import { failpoint } from '../core/failpoint.ts';
import { joinPath, parentDir } from '../core/lfn.ts';
import { ListingPace } from '../core/listing-pace.ts';
import type { Lister, TreeItem } from './lister.ts';
import { ListingAttempt, listerBug } from './listing-attempt.ts';
import { sleepUnlessAborted as sleep } from '../core/sleep.ts';
import { newWalkProgress, progressReporter } from './walk-progress.ts';
import type { CheckpointedWalkOptions, WalkCheckpointEvent, WalkEvent, WalkOptions } from './walk-types.ts';

/** Totals of the closed subdirectories of a directory whose own listing has not arrived yet. */
interface Pending {
  files: number;
  bytes: number;
  newestMtime: number;
  unlistedBelow: boolean;
}

/**
 * The walker for listers with the `listTree` capability: the same events as `walk()`, from one
 * flat stream per top directory instead of one request per directory. The stream is post-order
 * (lister.ts), so a directory's subdirectories have all closed when it arrives and only their
 * totals wait in `pending`, keyed by the directory: memory stays with the open directories.
 *
 * A stream that fails before yielding anything is retried whole; one that fails later cannot be
 * (what it yielded would come twice), so the top is reported unlisted and the directories still
 * waiting for their own listing close as incomplete. Listers that can resume (S3 pages) retry
 * inside the stream and report the directories they finally could not list as unlisted items.
 */
/** Streams a flat walk starts with (each a paginated listing of a key range). */
const TREE_START = 2;

export async function* walkTree(lister: Lister, opts: WalkOptions | CheckpointedWalkOptions): AsyncGenerator<WalkEvent | WalkCheckpointEvent, void, undefined> {
  const listTree = lister.listTree?.bind(lister);
  if (!listTree) throw new DcError('UNSUPPORTED', `${lister.kind} lister cannot list whole trees`);
  const prefix = opts.pathPrefix ?? '';
  // One pace for the whole walk: what a top's stream learnt about the storage holds for the next.
  // A flat stream starts narrow: each extra stream splits the key space and pages through it on its
  // own, which pays only where the server answers pages in parallel — the pace finds out by doubling.
  const pace = new ListingPace({ cap: opts.concurrency, adaptive: opts.adaptive, start: TREE_START });
  const unwatch = lister.watchPushback?.((p) => pace.pushback(p));
  const progress = newWalkProgress(pace);
  const report = progressReporter(progress, opts.onProgress, () => {
    progress.pace = pace.report();
  });
  const aborted = () => new DcError('ABORTED', 'walk aborted');
  if (opts.signal?.aborted) throw aborted();

  // Tree streams cannot be cut and taken up again: a checkpoint comes after each top, and a
  // resumed walk skips the tops finished before it.
  const resumed = opts.resumeFrom;
  if (resumed && resumed.kind !== 'tops') throw new DcError('INTERNAL', `a ${resumed.kind} checkpoint cannot resume a tree walk`);
  const done = resumed ? [...resumed.done] : [];
  let started = false;
  try {
    for (const top of opts.tops) {
      if (done.includes(top)) continue;
      // Every top before this one is finished, its events consumed.
      if (opts.checkpoint && started) yield { type: 'checkpoint', frontier: { kind: 'tops', done: [...done], dirsListed: progress.dirsListed } };
      started = true;
      done.push(top);
      const pending = new Map<string, Pending>();
      let topDone = false;
      let emitted = false;

      const toLfn = (path: string): string => {
        const lfn = prefix && path.startsWith(prefix) ? path.slice(prefix.length) || '/' : path;
        if (lfn !== top && !lfn.startsWith(top === '/' ? '/' : top + '/')) {
          throw new DcError('INTERNAL', `${lister.kind} tree listing of ${top} returned ${path}, outside it`);
        }
        return lfn;
      };
      const take = (lfn: string): Pending => {
        const p = pending.get(lfn);
        pending.delete(lfn);
        return p ?? { files: 0, bytes: 0, newestMtime: 0, unlistedBelow: false };
      };
      /** Emits the summary of a closed directory and folds its totals into its parent's. */
      function* close(lfn: string, mtime: number, t: Pending): Generator<WalkEvent> {
        const newestMtime = Math.max(t.newestMtime, mtime);
        yield { type: 'dir', dir: { lfn, mtime, files: t.files, bytes: t.bytes, newestMtime, unlistedBelow: t.unlistedBelow, isTop: lfn === top } };
        if (lfn === top) {
          topDone = true;
          return;
        }
        const parent = parentDir(lfn);
        const p = pending.get(parent) ?? { files: 0, bytes: 0, newestMtime: 0, unlistedBelow: false };
        p.files += t.files;
        p.bytes += t.bytes;
        if (newestMtime > p.newestMtime) p.newestMtime = newestMtime;
        if (t.unlistedBelow) p.unlistedBelow = true;
        pending.set(parent, p);
      }
      function* onItem(item: TreeItem): Generator<WalkEvent> {
        const lfn = toLfn(item.path);
        if (topDone) throw new DcError('INTERNAL', `${lister.kind} tree listing of ${top} went on after ${top} closed (${item.path})`);
        const t = take(lfn);
        if (item.type === 'unlisted') {
          progress.unlisted++;
          t.unlistedBelow = true;
          yield { type: 'unlisted', lfn, code: item.error.code, message: item.error.message, attempts: 1 };
          yield* close(lfn, 0, t);
          return;
        }
        const files: RemoteFile[] = [];
        for (const e of item.entries) {
          if (e.isDir) continue; // post-order: its own item came already
          files.push({ lfn: joinPath(lfn, e.name), size: e.size, mtime: e.mtime });
          t.bytes += e.size;
          progress.bytes += e.size;
        }
        t.files += files.length;
        progress.files += files.length;
        progress.dirsListed++;
        failpoint('listing');
        if (files.length) yield { type: 'files', dir: lfn, files };
        yield* close(lfn, item.mtime, t);
      }

      let attempts = 0;
      let failure: unknown;
      for (;;) {
        attempts++;
        failure = undefined;
        const attempt = new ListingAttempt(opts.signal, opts.timeoutMs);
        try {
          progress.inFlight = 1;
          attempt.arm();
          for await (const batch of listTree(prefix + top, attempt.signal, pace)) {
            attempt.pause();
            for (const item of batch) {
              for (const ev of onItem(item)) {
                emitted = true;
                yield ev;
                if (opts.signal?.aborted) throw aborted();
              }
            }
            report();
            attempt.arm();
          }
          if (!topDone) throw new DcError('INTERNAL', `${lister.kind} tree listing of ${top} ended before ${top} itself`);
        } catch (err) {
          if (opts.signal?.aborted) throw aborted();
          const bug = attempt.timedOut ? undefined : listerBug(lister.kind, `tree listing of ${prefix + top}`, err);
          if (bug) throw bug;
          failure = attempt.timedOut ? new DcError('TIMEOUT', `tree listing of ${top} made no progress for ${opts.timeoutMs} ms`, { cause: err }) : err;
        } finally {
          progress.inFlight = 0;
          attempt.dispose();
        }
        if (failure === undefined || emitted || attempts > opts.retries || !isRetryable(failure)) break;
        progress.retries++;
        await sleep((opts.retryDelayMs ?? 500) * attempts, opts.signal);
        if (opts.signal?.aborted) throw aborted();
      }
      if (failure === undefined) continue;

      // Directories whose subdirectories closed but whose own listing never came: incomplete.
      // Closing one folds into its parent, which then waits too: deepest first until only the top is left.
      for (;;) {
        let deepest: string | undefined;
        for (const k of pending.keys()) if (k !== top && (deepest === undefined || depth(k) > depth(deepest))) deepest = k;
        if (deepest === undefined) break;
        const t = take(deepest);
        t.unlistedBelow = true;
        yield* close(deepest, 0, t);
      }
      progress.unlisted++;
      const t = take(top);
      t.unlistedBelow = true;
      yield { type: 'unlisted', lfn: top, code: errorCode(failure), message: errorMessage(failure), attempts };
      yield* close(top, 0, t);
    }
    report(true);
  } finally {
    unwatch?.();
  }
}

function depth(p: string): number {
  let n = 0;
  for (let i = 0; i < p.length; i++) if (p.charCodeAt(i) === 47) n++;
  return n;
}

