import { setMaxListeners } from 'node:events';
import type { DirEntry } from '../../core/entries.ts';
import { DcError } from '../../core/errors.ts';
import type { Pushback } from '../../core/listing-pace.ts';
import { XrootdClient } from '../../protocols/xrootd/xrootd-client.ts';
import { parseXrootdUrl } from '../../protocols/xrootd/xrootd-url.ts';
import type { XrootdEndpoint } from '../../protocols/xrootd/xrootd-pool.ts';
import { xrootdOptionsFromSite, type XrootdSiteOptions } from '../../protocols/xrootd/xrootd-site-options.ts';
import type { DirlistEntry } from '../../protocols/xrootd/codec/requests/xrootd-dirlist.ts';
import type { StatInfo } from '../../protocols/xrootd/codec/requests/xrootd-stat.ts';
import { existsByStat, refuseCutNames } from '../cut-names.ts';
import type { Lister, ListerSettings } from '../lister.ts';
import { XrootdDoors } from './xrootd-doors.ts';

/** Per-entry stats in flight for one directory of a server without kXR_dstat. */
const STAT_FANOUT = 16;

/** The client options of a site plus what the lister adds: redirectors, door discovery, Domain. */
export type XrootdListerOptions = XrootdSiteOptions;

function toEntry(name: string, st: StatInfo): DirEntry {
  return { name, isDir: st.isDir, size: st.isDir ? 0 : st.size, mtime: st.mtime };
}

/**
 * Lists `root://` and `roots://` sites with the native client: one kXR_dirlist with kXR_dstat per
 * directory (names and stat in one reply, streamed chunk by chunk), per-entry kXR_stat for servers
 * without dstat. Storage paths are appended to the URL's path (`root://h//cms` + `/store` →
 * `/cms/store`).
 */
export class XrootdLister implements Lister {
  readonly kind = 'xrootd';
  private readonly client: XrootdClient;
  private readonly base: string;
  private readonly doors: XrootdDoors;
  private closed = false;

  constructor(url: string, opts: XrootdListerOptions = {}) {
    const { endpoint, path } = parseXrootdUrl(url);
    if (path.includes('?')) throw new DcError('CONFIG', `site Url must not carry CGI: ${url}`);
    this.base = path === '/' ? '' : path.replace(/\/+$/, '');
    const origin = opts.redirectors?.[0] ?? endpoint;
    this.client = new XrootdClient(origin, opts);
    const locatePath = opts.locatePath ? this.full(opts.locatePath) : this.base || '/';
    this.doors = new XrootdDoors(this.client, opts.redirectors?.length ? opts.redirectors : [origin], opts.useLoadBalancer ?? true, locatePath, opts.inDomain);
  }

  /** Data servers found for `UseLoadBalancer: false` (after the first request), for progress reports and tests. */
  get knownDoors(): readonly XrootdEndpoint[] {
    return this.doors.known;
  }

  private full(path: string): string {
    return this.base + (path.startsWith('/') ? path : '/' + path);
  }

  /** kXR_wait answers the client honoured (and drops it recovered from) reach the walker's pace. */
  watchPushback(listener: (p: Pushback) => void): () => void {
    return this.client.watchPushback(listener);
  }

  async stat(path: string, signal: AbortSignal): Promise<DirEntry> {
    const target = await this.doors.pick(signal);
    const st = await this.client.stat(this.full(path), { signal, target });
    return toEntry(path.slice(path.lastIndexOf('/') + 1), st);
  }

  async *listDir(path: string, signal: AbortSignal): AsyncIterable<DirEntry[]> {
    if (this.closed) throw new DcError('ABORTED', 'lister is closed');
    if (signal.aborted) throw new DcError('ABORTED', `listing ${path} aborted`);
    const full = this.full(path);
    const target = await this.doors.pick(signal);
    for await (const batch of this.client.dirlist(full, { signal, target, dstat: true })) {
      if (signal.aborted) throw new DcError('ABORTED', `listing ${path} aborted`);
      await refuseCutNames(path, batch, (name) => existsByStat(() => this.client.stat(full + '/' + name, { signal, target })));
      const out: DirEntry[] = [];
      let bare: DirlistEntry[] | undefined;
      for (const e of batch) {
        if (e.stat) out.push(toEntry(e.name, e.stat));
        else (bare ??= []).push(e);
      }
      if (bare) for (const e of await this.statEach(full, bare, signal, target)) out.push(e);
      if (out.length) yield out;
    }
    if (signal.aborted) throw new DcError('ABORTED', `listing ${path} aborted`);
  }

  /** Fallback for servers without kXR_dstat: a bounded number of kXR_stat in flight. */
  private async statEach(dir: string, entries: DirlistEntry[], signal: AbortSignal, target: XrootdEndpoint | undefined): Promise<DirEntry[]> {
    const out: DirEntry[] = [];
    let next = 0;
    // One child signal for the fan-out, so the caller's signal carries one listener, not one per stat.
    const fan = new AbortController();
    setMaxListeners(STAT_FANOUT * 2, fan.signal);
    const onAbort = () => fan.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) fan.abort();
    const worker = async () => {
      while (next < entries.length) {
        const e = entries[next++];
        try {
          out.push(toEntry(e.name, await this.client.stat(dir + '/' + e.name, { signal: fan.signal, target })));
        } catch (err) {
          // Removed between the listing and the stat: not part of the directory any more.
          if (err instanceof DcError && err.code === 'NOT_FOUND') continue;
          throw err;
        }
      }
    };
    const workers: Promise<void>[] = [];
    for (let i = 0; i < Math.min(STAT_FANOUT, entries.length); i++) workers.push(worker());
    try {
      await Promise.all(workers);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.client.close();
  }
}

/** Site keys: src/protocols/xrootd/xrootd-site-options.ts (shared with the XRootD deleter). */
export function createXrootdLister(settings: ListerSettings): Lister {
  return new XrootdLister(settings.url, xrootdOptionsFromSite(settings));
}
