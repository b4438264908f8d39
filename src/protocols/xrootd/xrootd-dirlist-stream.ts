import { DirlistDecoder, encodeDirlist, type DirlistEntry } from './codec/requests/xrootd-dirlist.ts';
import { runRequest, type RequestContext, type RequestOptions, type RequestSpec } from './xrootd-request-loop.ts';

export interface DirlistOptions extends RequestOptions {
  /** Ask for each entry's stat (kXR_dstat); default true. */
  dstat?: boolean;
}

/**
 * Lists one directory, yielding entries as each kXR_oksofar chunk is decoded, so a huge directory
 * is never held whole. Entries carry `stat` when the server honoured kXR_dstat. Stopping the
 * iteration early abandons the request.
 */
export async function* streamDirlist(ctx: RequestContext, path: string, opts: DirlistOptions = {}): AsyncGenerator<DirlistEntry[], void, undefined> {
  // Linked by hand, not with AbortSignal.any: on Node 20 every AbortSignal.any of the run's
  // long-lived signal stays in that signal's dependants for good (nodejs/node#55351), one
  // entry per directory listed.
  const inner = new AbortController();
  const onOuter = () => inner.abort();
  opts.signal?.addEventListener('abort', onOuter, { once: true });
  if (opts.signal?.aborted) inner.abort();
  const decoder = new DirlistDecoder(opts.dstat ?? true);
  const queue: DirlistEntry[][] = [];
  let done = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const spec: RequestSpec<void> = {
    what: 'dirlist',
    path,
    idempotent: true,
    encode: (sid, p) => encodeDirlist(sid, p, opts.dstat ?? true),
    partial: (body) => {
      const entries = decoder.push(body, false);
      if (entries.length) {
        queue.push(entries);
        notify();
      }
    },
    ok: (body) => {
      const entries = decoder.push(body, true);
      if (entries.length) queue.push(entries);
    },
  };
  runRequest(ctx, spec, { target: opts.target, signal: inner.signal }).then(
    () => {
      done = true;
      notify();
    },
    (err) => {
      failure = err;
      done = true;
      notify();
    },
  );
  try {
    for (;;) {
      while (queue.length) yield queue.shift()!;
      if (done) {
        if (failure !== undefined) throw failure;
        return;
      }
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    if (!done) inner.abort();
    opts.signal?.removeEventListener('abort', onOuter);
  }
}
