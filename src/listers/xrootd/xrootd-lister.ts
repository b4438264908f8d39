import { readdirSync, readFileSync, statSync } from 'node:fs';
import { setMaxListeners } from 'node:events';
import { join } from 'node:path';
import type { DirEntry } from '../../core/entries.ts';
import { DcError } from '../../core/errors.ts';
import type { Pushback } from '../../core/listing-pace.ts';
import { XrootdClient, parseXrootdUrl, type XrootdClientOptions } from '../../protocols/xrootd/xrootd-client.ts';
import type { XrootdEndpoint } from '../../protocols/xrootd/xrootd-pool.ts';
import { BearerTokenSource } from '../../protocols/xrootd/xrootd-bearer-token.ts';
import type { DirlistEntry } from '../../protocols/xrootd/codec/requests/xrootd-dirlist.ts';
import type { StatInfo } from '../../protocols/xrootd/codec/requests/xrootd-stat.ts';
import type { Lister, ListerSettings } from '../lister.ts';
import { XrootdDoors } from './xrootd-doors.ts';
import { domainMatcher, type DomainMatcher } from './xrootd-domain.ts';

/** Per-entry stats in flight for one directory of a server without kXR_dstat. */
const STAT_FANOUT = 16;

export interface XrootdListerOptions extends XrootdClientOptions {
  /** Entry points to use instead of the URL's host (the seed's `Redirectors`). */
  redirectors?: XrootdEndpoint[];
  /** false: find data servers with kXR_locate and spread listings over them. */
  useLoadBalancer?: boolean;
  /** Storage path located for door discovery, below the URL's path (PathPrefix + RootPath + "/"); default the URL's path. */
  locatePath?: string;
  /** Located data servers outside the site's Domain are not used. */
  inDomain?: DomainMatcher;
}

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

/**
 * Site keys: `Redirectors` (string or list of host[:port] / root:// URLs), `UseLoadBalancer`, CA dir,
 * `BearerTokenFile` (else the usual BEARER_TOKEN… discovery from `env`), used when a server asks for ztn.
 */
export function xrootdOptionsFromSite(settings: ListerSettings, env: NodeJS.ProcessEnv = process.env): XrootdListerOptions {
  const site = settings.site;
  const opts: XrootdListerOptions = {
    requestTimeoutMs: Math.max(1, settings.timeoutSeconds) * 1000,
    connectTimeoutMs: Math.min(Math.max(1, settings.timeoutSeconds) * 1000, 30_000),
    // One connection carries many requests; a few more spread the server's work over threads. The
    // pool opens them only as the walker's level grows past `spreadAt` per connection.
    connectionsPerHost: Math.min(4, Math.max(1, Math.ceil(settings.concurrency / 16))),
    spreadAt: 16,
  };
  const tlsMode = settings.url.startsWith('roots:') || settings.url.startsWith('xroots:') ? 'want' : 'off';
  const reds = site.Redirectors;
  const list = typeof reds === 'string' ? reds.split(/[\s,]+/).filter(Boolean) : Array.isArray(reds) ? reds.filter((r): r is string => typeof r === 'string') : [];
  if (list.length) {
    opts.redirectors = list.map((r) => (r.includes('://') ? parseXrootdUrl(r).endpoint : { ...parseXrootdUrl(`root://${r}`).endpoint, tlsMode }));
  }
  if (typeof site.UseLoadBalancer === 'boolean') opts.useLoadBalancer = site.UseLoadBalancer;
  if (typeof site.RootPath === 'string') opts.locatePath = `${typeof site.PathPrefix === 'string' ? site.PathPrefix : ''}${site.RootPath.replace(/\/+$/, '')}/`;
  if (typeof site.Domain === 'string' && site.Domain.trim()) opts.inDomain = domainMatcher(site.Domain, `site ${String(site.name ?? '')}`);
  const caDir = [site.CaDir, site.X509CertDir, process.env.X509_CERT_DIR].find((v): v is string => typeof v === 'string' && v !== '');
  if (caDir) opts.tlsOptions = { ca: loadCaDir(caDir) };
  const tokenFile = typeof site.BearerTokenFile === 'string' && site.BearerTokenFile !== '' ? site.BearerTokenFile : undefined;
  // The environment is copied now: the source never looks at process.env again.
  const tokenEnv = Object.freeze({ BEARER_TOKEN: env.BEARER_TOKEN, BEARER_TOKEN_FILE: env.BEARER_TOKEN_FILE, XDG_RUNTIME_DIR: env.XDG_RUNTIME_DIR });
  opts.bearerToken = new BearerTokenSource({ tokenFile, env: tokenEnv });
  return opts;
}

/** Every certificate file of an OpenSSL-style CA directory (hashed links and *.pem alike). */
export function loadCaDir(dir: string): Buffer[] {
  const out: Buffer[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    throw new DcError('CONFIG', `CA directory ${dir} is not readable: ${(err as Error).message}`);
  }
  for (const name of names.sort()) {
    if (!/\.(pem|crt|\d+)$/.test(name)) continue;
    const p = join(dir, name);
    try {
      if (!statSync(p).isFile()) continue;
      const text = readFileSync(p);
      if (text.includes('-----BEGIN CERTIFICATE-----')) out.push(text);
    } catch {
      // A dangling hash link: the certificate it named is gone; the others still count.
    }
  }
  if (!out.length) throw new DcError('CONFIG', `CA directory ${dir} holds no certificate`);
  return out;
}

export function createXrootdLister(settings: ListerSettings): Lister {
  return new XrootdLister(settings.url, xrootdOptionsFromSite(settings));
}
