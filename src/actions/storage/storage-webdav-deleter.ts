import { Agent, type Dispatcher } from 'undici';
import { DcError } from '../../core/errors.ts';
import type { BearerTokenSource } from '../../protocols/credentials/credentials-bearer-token.ts';
import type { TlsOptions } from '../../protocols/credentials/credentials-x509.ts';
import type { BackendSite } from '../../protocols/protocol-site.ts';
import { openWebdavAccess, webdavAccessOptions, type WebdavSiteSettings } from '../../protocols/webdav/webdav-access.ts';
import { statusError, transportError } from '../../protocols/webdav/webdav-client.ts';
import { encodeStoragePath } from '../../protocols/webdav/webdav-href.ts';
import { notEmptyError, type StorageDeleter, type StoragePathInfo } from './storage-deleter.ts';

/**
 * HTTP DELETE (RFC 4918 §9.6). DELETE of a collection is recursive on every server, so before
 * removing a directory a `PROPFIND Depth: 1` must show it holds nothing; the window between the
 * two requests is the only one left, and it is milliseconds against days of emptiness.
 */
export class WebdavDeleter implements StorageDeleter {
  readonly kind = 'webdav';
  private readonly agent: Agent;

  constructor(
    private readonly base: URL,
    opts: { concurrency: number; timeoutMs: number; tls?: TlsOptions; token?: BearerTokenSource },
    private readonly token = opts.token,
  ) {
    this.agent = new Agent({
      connections: Math.max(1, opts.concurrency),
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
      connect: { ...opts.tls, timeout: Math.min(opts.timeoutMs, 30_000) },
    });
  }

  private url(path: string, dir: boolean): URL {
    const u = new URL(this.base.href);
    u.pathname = u.pathname.replace(/\/+$/, '') + encodeStoragePath(path) + (dir ? '/' : '');
    return u;
  }

  private async send(method: string, url: URL, signal: AbortSignal, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
    const what = `${method} ${decodeURIComponent(url.pathname)}`;
    const authorization = await this.token?.header();
    const auth = authorization ? { Authorization: authorization } : {};
    let res: Dispatcher.ResponseData;
    try {
      res = await this.agent.request({ origin: url.origin, path: url.pathname, method: method as Dispatcher.HttpMethod, headers: { ...headers, ...auth }, signal });
    } catch (err) {
      throw transportError(err, what, signal);
    }
    const text = method === 'PROPFIND' ? await res.body.text() : (await res.body.dump(), '');
    return { status: res.statusCode, text };
  }

  async stat(path: string, signal: AbortSignal): Promise<StoragePathInfo> {
    const { status, text } = await this.send('PROPFIND', this.url(path, false), signal, { Depth: '0' });
    if (status !== 207) throw statusError(status, `PROPFIND ${path}`);
    const isDir = /<([A-Za-z0-9_-]+:)?collection\s*\/?>/.test(text);
    const size = Number(/<(?:[A-Za-z0-9_-]+:)?getcontentlength[^>]*>\s*(\d+)/.exec(text)?.[1] ?? 0);
    const lm = /<(?:[A-Za-z0-9_-]+:)?getlastmodified[^>]*>([^<]+)</.exec(text)?.[1];
    const mtime = lm ? Date.parse(lm) / 1000 : NaN;
    if (!Number.isFinite(mtime)) throw new DcError('PROTOCOL', `PROPFIND ${path}: no usable getlastmodified`);
    return { isDir, size, mtime };
  }

  async deleteFile(path: string, signal: AbortSignal): Promise<void> {
    const st = await this.stat(path, signal);
    if (st.isDir) throw new DcError('STATE', `${path} is a directory, not a file`);
    await this.delete(path, false, signal);
  }

  async removeEmptyDir(path: string, signal: AbortSignal): Promise<void> {
    const { status, text } = await this.send('PROPFIND', this.url(path, true), signal, { Depth: '1' });
    if (status !== 207) throw statusError(status, `PROPFIND ${path}`);
    const responses = text.match(/<([A-Za-z0-9_-]+:)?response[\s>]/g)?.length ?? 0;
    if (responses !== 1) throw notEmptyError(path, `directory is not empty (PROPFIND Depth 1 shows ${responses - 1} entries)`, { entries: responses - 1 });
    await this.delete(path, true, signal);
  }

  private async delete(path: string, dir: boolean, signal: AbortSignal): Promise<void> {
    const { status } = await this.send('DELETE', this.url(path, dir), signal);
    if (status === 200 || status === 202 || status === 204) return;
    throw statusError(status, `DELETE ${path}`);
  }

  async close(): Promise<void> {
    await this.agent.close().catch(() => undefined);
  }
}

/** Same site and credential resolution as the WebDAV lister (src/protocols/webdav/webdav-access.ts). */
export async function createWebdavDeleter(site: BackendSite<WebdavSiteSettings>): Promise<StorageDeleter> {
  const { base, tls, token } = await openWebdavAccess(webdavAccessOptions(site), 'WebDAV deleter');
  return new WebdavDeleter(base, { concurrency: site.concurrency, timeoutMs: site.timeoutSeconds * 1000, tls, token });
}
