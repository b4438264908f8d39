import { setMaxListeners } from 'node:events';
import { DcError } from '../../core/errors.ts';
import type { ListingPace } from '../../core/listing-pace.ts';
import type { TreeItem } from '../lister.ts';
import { TreeBuilder, TreeMerger } from '../tree-builder.ts';
import { compareKeys, splitPoint } from '../../protocols/s3/s3-keys.ts';

/** One ListObjectsV2 page, reduced to what the tree needs. */
export interface S3Page {
  objects: { key: string; size: number; mtime: number }[];
  truncated: boolean;
  nextToken?: string;
  /** The SDK had to try again (throttling, a 5xx, a dropped connection) before this page came. */
  retried?: boolean;
}

/** Continue with `token`, or start after `startAfter` (a full key), or from the prefix's start. */
export type FetchS3Page = (req: { prefix: string; startAfter?: string; token?: string }, signal: AbortSignal) => Promise<S3Page>;

export interface S3TreeOptions {
  /** Storage path of the top directory (item paths start with it). */
  top: string;
  /** Key prefix of the top: "" or ending with "/". */
  prefix: string;
  fetchPage: FetchS3Page;
  /** Shards listing at once at most (NumThreads); 1 lists the prefix as one flat stream. */
  maxShards: number;
  /** The walk's adaptive level: new shards start only while fewer than `pace.level` run. */
  pace?: ListingPace;
  signal: AbortSignal;
  /** Maps a fetch failure to a DcError (the SDK error mapping). */
  toError: (err: unknown) => DcError;
}

/** Completed listings waiting for the consumer before shards pause: bounds memory. */
const HIGH_WATER = 256;

/**
 * Lists everything below `prefix` flat (no delimiter), as post-order directory listings.
 *
 * A large prefix is split into key-range shards listed in parallel: whenever a page comes back
 * truncated while a shard slot is free, the rest of that shard's range is cut at `splitPoint` and
 * the upper part becomes a new shard (StartAfter = the cut). Each shard feeds its own TreeBuilder;
 * directories spanning shards wait in one TreeMerger and come last, deepest first.
 *
 * A page that still fails after the SDK's retries ends its shard: the directories from the last key
 * it saw up to its bound are reported unlisted, the other shards carry on. Only a failure of the
 * very first request is thrown (so the walker can retry the whole stream or report NOT_FOUND).
 */
export async function* streamS3Tree(o: S3TreeOptions): AsyncGenerator<TreeItem[], void, undefined> {
  const internal = new AbortController();
  // The SDK adds an abort listener per request in flight: one per shard, more than Node's default 10.
  setMaxListeners(o.maxShards + 10, internal.signal);
  const onAbort = () => internal.abort();
  o.signal.addEventListener('abort', onAbort, { once: true });
  if (o.signal.aborted) internal.abort();
  const merger = new TreeMerger(o.top);
  const out: TreeItem[] = [];
  let progressed = false;
  let running = 0;
  let requests = 0;
  let seen = 0;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const drainWaiters: (() => void)[] = [];
  const release = () => {
    for (const r of drainWaiters.splice(0, drainWaiters.length)) r();
  };
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const emit = (items: TreeItem[]) => {
    for (const it of items) out.push(it);
    progressed = true;
    notify();
  };
  const aborted = () => new DcError('ABORTED', `listing ${o.top} aborted`);
  const shardLimit = () => (o.pace ? Math.min(o.maxShards, o.pace.level) : o.maxShards);

  const runShard = async (after: string | undefined, through: string | undefined) => {
    const b = new TreeBuilder({ top: o.top, merger, after, through });
    let token: string | undefined;
    try {
      for (;;) {
        while (out.length >= HIGH_WATER && !internal.signal.aborted) await new Promise<void>((r) => drainWaiters.push(r));
        if (internal.signal.aborted) throw aborted();
        const first = requests++ === 0;
        let page: S3Page;
        const began = performance.now();
        try {
          page = await o.fetchPage({ prefix: o.prefix, startAfter: token || after === undefined ? undefined : o.prefix + after, token }, internal.signal);
        } catch (err) {
          if (internal.signal.aborted) throw aborted();
          const e = o.toError(err);
          o.pace?.pushback({ kind: e.code === 'TIMEOUT' ? 'timeout' : 'error' });
          if (first) throw e;
          b.fail(e);
          return;
        }
        const objs = page.objects;
        if (page.retried) o.pace?.pushback({ kind: 'throttled' });
        else o.pace?.finished(performance.now() - began, objs.length, running);
        if (page.truncated && objs.length > 0 && running < shardLimit()) {
          const cut = splitPoint(objs[objs.length - 1].key.slice(o.prefix.length), b.through);
          if (cut !== undefined) {
            const upper = b.through;
            b.through = cut;
            start(cut, upper);
          }
        }
        let past = false;
        const items: TreeItem[] = [];
        for (const obj of objs) {
          const rel = obj.key.slice(o.prefix.length);
          if (b.through !== undefined && compareKeys(rel, b.through) > 0) {
            past = true;
            break;
          }
          for (const it of b.add({ rel, size: obj.size, mtime: obj.mtime })) items.push(it);
        }
        emit(items);
        if (past || !page.truncated) break;
        if (!page.nextToken) {
          b.fail(new DcError('PROTOCOL', `listing ${o.top}: truncated page without a continuation token`));
          return;
        }
        token = page.nextToken;
      }
      emit(b.finish());
    } finally {
      seen += b.seen;
    }
  };
  function start(after: string | undefined, through: string | undefined) {
    running++;
    runShard(after, through)
      .catch((err) => {
        failure ??= err;
        internal.abort();
      })
      .finally(() => {
        running--;
        notify();
      });
  }

  try {
    start(undefined, undefined);
    for (;;) {
      if (failure !== undefined) throw failure;
      if (o.signal.aborted) throw aborted();
      if (progressed) {
        progressed = false;
        const batch = out.splice(0, out.length);
        release();
        yield batch; // possibly empty: a page arrived, the walker's stall timer re-arms
        continue;
      }
      if (running === 0) break;
      await new Promise<void>((r) => {
        wake = r;
        if (internal.signal.aborted) r();
      });
    }
    if (seen === 0 && merger.size === 0) throw new DcError('NOT_FOUND', `no key below ${o.prefix || 'the bucket root'}`);
    yield merger.drain();
  } finally {
    internal.abort();
    release();
    o.signal.removeEventListener('abort', onAbort);
  }
}
