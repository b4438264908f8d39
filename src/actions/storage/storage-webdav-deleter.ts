import { Agent, type Dispatcher } from 'undici';
import { DcError } from '../../core/errors.ts';
import type { ListerSettings } from '../../listers/lister.ts';
import { BearerTokenSource, loadTlsOptions, type TlsFiles } from '../../protocols/credentials/credentials-x509.ts';
import { statusError, transportError } from '../../protocols/webdav/webdav-client.ts';
import { encodeStoragePath } from '../../protocols/webdav/webdav-href.ts';
import { notEmptyError, type StorageDeleter, type StoragePathInfo } from './storage-deleter.ts';

const SCHEMES: Record<string, string> = { 'davs:': 'https:', 'https:': 'https:', 'dav:': 'http:', 'http:': 'http:' };

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
    opts: { concurrency: number; timeoutMs: number; tls?: { cert?: string; key?: string; ca?: string[] }; token?: BearerTokenSource },
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
    const auth = this.token ? { Authorization: await this.token.header() } : {};
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

function siteString(site: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const v = site[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Same credentials as the WebDAV lister: BearerTokenFile, X509 proxy/cert, CA dir or file. */
export async function createWebdavDeleter(settings: ListerSettings): Promise<StorageDeleter> {
  const u = new URL(settings.url);
  const protocol = SCHEMES[u.protocol];
  if (!protocol) throw new DcError('UNSUPPORTED', `WebDAV deleter does not speak ${u.protocol}//`);
  const base = new URL(`${protocol}//${u.host}${u.pathname}`);
  const site = settings.site;
  const env = process.env;
  const proxy = siteString(site, 'X509UserProxy') ?? env.X509_USER_PROXY;
  const cert = siteString(site, 'X509UserCert') ?? env.X509_USER_CERT;
  const files: TlsFiles = {
    certFile: cert ?? proxy,
    keyFile: cert ? (siteString(site, 'X509UserKey') ?? env.X509_USER_KEY ?? cert) : proxy,
    caDir: siteString(site, 'X509CertDir') ?? env.X509_CERT_DIR,
    caFile: siteString(site, 'CaFile'),
  };
  const tls = files.certFile || files.caDir || files.caFile ? await loadTlsOptions(files) : undefined;
  const tokenFile = siteString(site, 'BearerTokenFile') ?? env.BEARER_TOKEN_FILE;
  const token = tokenFile ? new BearerTokenSource(tokenFile) : undefined;
  return new WebdavDeleter(base, { concurrency: settings.concurrency, timeoutMs: settings.timeoutSeconds * 1000, tls, token });
}
