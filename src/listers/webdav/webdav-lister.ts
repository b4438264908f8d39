/**
 * WebDAV / HTTP(S) lister (`davs://`, `https://`, `dav://`, `http://`): one `PROPFIND Depth: 1` per
 * directory (servers refuse or ignore `Depth: infinity`, SERVERS.md), the multistatus parsed while
 * it streams in and yielded in batches, hrefs decoded whatever style the server writes.
 */
import type { DirEntry } from '../../core/entries.ts';
import { DcError } from '../../core/errors.ts';
import { openWebdavAccess, webdavAccessOptions, type WebdavAccessOptions } from '../../protocols/webdav/webdav-access.ts';
import { WebdavClient, transportError, type PropfindAnswer } from '../../protocols/webdav/webdav-client.ts';
import { HrefResolver, encodeStoragePath, leafName, percentDecode, type HrefStyle, type ResolvedHref } from '../../protocols/webdav/webdav-href.ts';
import { MultistatusNames, MultistatusParser, type MultistatusEntry } from '../../protocols/webdav/webdav-multistatus-parser.ts';
import type { Lister, ListerSettings } from '../lister.ts';

/** Entries per yielded batch: big enough to amortise, small enough to keep memory flat. */
const BATCH = 1000;

export interface WebdavListerOptions extends WebdavAccessOptions {
  concurrency: number;
  timeoutSeconds: number;
}

/** Decoded path of a URL path without trailing slash, as hrefs are compared against it. */
function dirPathOf(pathname: string): string {
  const p = percentDecode(pathname).replace(/\/+$/, '');
  return p === '' ? '/' : p;
}

export class WebdavLister implements Lister {
  readonly kind = 'webdav';
  /** Href style each server was seen to use, so a later ambiguous answer needs no evidence. */
  private readonly styles = new Map<string, HrefStyle>();
  /** Shared by every answer's parser: names read once per lister, not once per directory. */
  private readonly names = new MultistatusNames();

  private constructor(private readonly client: WebdavClient) {}

  static async create(opts: WebdavListerOptions): Promise<WebdavLister> {
    const { base, tls, token, maxRedirects } = await openWebdavAccess(opts, 'WebDAV lister');
    return new WebdavLister(new WebdavClient({ base, concurrency: opts.concurrency, timeoutMs: opts.timeoutSeconds * 1000, tls, token, maxRedirects }));
  }

  async *listDir(path: string, signal: AbortSignal): AsyncIterable<DirEntry[]> {
    const answer = await this.client.propfind(path, 1, signal);
    let batch: DirEntry[] = [];
    const what = `PROPFIND ${path}`;
    const reader = this.reader(answer, what, (e) => batch.push(e));
    let done = false;
    try {
      for (let chunk = answer.body.take(); chunk !== null; chunk = answer.body.take()) {
        if (chunk === undefined) {
          await answer.body.wait();
          continue;
        }
        if (signal.aborted) throw new DcError('ABORTED', `${what} aborted`);
        reader.write(chunk);
        if (reader.pendingPaths().length >= BATCH) await reader.settle(signal);
        if (batch.length >= BATCH) {
          const out = batch;
          batch = [];
          yield out;
        }
      }
      reader.endDocument();
      if (reader.pendingPaths().length > 0) await reader.settle(signal);
      reader.end();
      done = true;
    } catch (err) {
      throw transportError(err, what, signal);
    } finally {
      // Stopped early or failed: drop the socket rather than drain a possibly huge rest.
      if (!done) answer.body.destroy();
    }
    if (batch.length) yield batch;
  }

  async stat(path: string, signal: AbortSignal): Promise<DirEntry> {
    const answer = await this.client.propfind(path, 0, signal);
    let self: DirEntry | undefined;
    const what = `PROPFIND ${path}`;
    const reader = this.reader(answer, what, (e) => (self ??= e), (e) => (self = e));
    try {
      for (let chunk = answer.body.take(); chunk !== null; chunk = answer.body.take()) {
        if (chunk === undefined) await answer.body.wait();
        else reader.write(chunk);
      }
      reader.endDocument();
      reader.end();
    } catch (err) {
      answer.body.destroy();
      throw transportError(err, what, signal);
    }
    if (!self) throw new DcError('PROTOCOL', `${what}: answer has no entry for the path`);
    return { ...self, name: leafName(path) };
  }

  /**
   * Wires parser → href resolver → entries. `onSelf` receives the entry of the directory itself;
   * without it the self entry must be a collection (listing a file is NOT_FOUND, as on POSIX).
   */
  private reader(answer: PropfindAnswer, what: string, onChild: (e: DirEntry) => void, onSelf?: (e: DirEntry) => void) {
    const dirPath = dirPathOf(answer.target.pathname);
    const origin = answer.target.origin;
    const resolver = new HrefResolver<MultistatusEntry>(dirPath, this.styles.get(origin));
    const handle = (r: ResolvedHref<MultistatusEntry>) => {
      const e = r.item;
      const isDir = e.isDir || r.trailingSlash;
      const entry: DirEntry = { name: leafName(r.path), isDir, size: isDir ? 0 : (e.size ?? 0), mtime: e.mtime ?? 0 };
      if (r.path === dirPath) {
        if (onSelf) return onSelf(entry);
        if (!isDir) throw new DcError('NOT_FOUND', `${what}: not a directory`);
        return;
      }
      if (e.status < 200 || e.status >= 300 || entry.name === '') return;
      onChild(entry);
    };
    const parser = new MultistatusParser((e) => resolver.pushEach(e.href, e, handle), this.names);
    return {
      write: (chunk: Uint8Array) => parser.write(chunk),
      endDocument: () => parser.end(),
      pendingPaths: () => resolver.pendingPaths,
      settle: async (signal: AbortSignal) => {
        const style = await this.probeStyle(answer.target.toURL(), resolver.pendingPaths, signal);
        for (const r of resolver.decide(style)) handle(r);
      },
      end: () => {
        for (const r of resolver.finish()) handle(r);
        const learned = resolver.learnedStyle;
        if (learned) this.styles.set(origin, learned);
      },
    };
  }

  /**
   * Asks the server how it writes hrefs when an answer held no evidence: for a pending href such
   * as `/d/a%20b`, exactly one of "/d/a%20b" (raw reading) and "/d/a b" (encoded reading) exists.
   * Both or neither existing (e.g. two files named so) says nothing: try the next one, at most 3.
   */
  private async probeStyle(answerUrl: URL, paths: string[], signal: AbortSignal): Promise<HrefStyle> {
    for (const p of paths.slice(0, 3)) {
      const at = (decoded: string) => {
        const u = new URL(answerUrl.href);
        u.pathname = encodeStoragePath(decoded);
        u.search = '';
        return u;
      };
      const rawOk = (await this.client.probe(at(p), signal)) === 207;
      const encodedOk = (await this.client.probe(at(percentDecode(p)), signal)) === 207;
      if (rawOk !== encodedOk) {
        const style: HrefStyle = rawOk ? 'raw' : 'encoded';
        this.styles.set(answerUrl.origin, style);
        return style;
      }
    }
    return 'encoded'; // RFC 4918 §8.3: hrefs are URIs
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

/**
 * Factory for the registry. Site keys: `BearerTokenFile`, `X509UserProxy`, `X509UserCert`,
 * `X509UserKey`, `X509CertDir`, `CaFile`, `MaxRedirects`; when a key is empty the usual grid
 * environment variables are used (src/protocols/webdav/webdav-access.ts).
 */
export async function createWebdavLister(settings: ListerSettings): Promise<WebdavLister> {
  return WebdavLister.create({ ...webdavAccessOptions(settings), concurrency: settings.concurrency, timeoutSeconds: settings.timeoutSeconds });
}
