import { DcError } from '../../core/errors.ts';
import type { BackendSite } from '../../protocols/protocol-site.ts';
import { XrootdClient } from '../../protocols/xrootd/xrootd-client.ts';
import { parseXrootdUrl } from '../../protocols/xrootd/xrootd-url.ts';
import { xrootdOptionsFromSite, type XrootdSiteSettings } from '../../protocols/xrootd/xrootd-site-options.ts';
import { notEmptyError, type StorageDeleter, type StoragePathInfo } from './storage-deleter.ts';

/**
 * kXR_rm for files and kXR_rmdir for directories (the server refuses a non-empty directory), sent
 * to the site's entry point: a manager redirects them to the data server holding the path.
 */
export class XrootdDeleter implements StorageDeleter {
  readonly kind = 'xrootd';
  private readonly client: XrootdClient;
  private readonly base: string;

  constructor(site: BackendSite<XrootdSiteSettings>) {
    const { endpoint, path } = parseXrootdUrl(site.url);
    this.base = path === '/' ? '' : path.replace(/\/+$/, '');
    const opts = xrootdOptionsFromSite(site);
    // Load-balancer door discovery is for listings; removal goes through the redirector.
    this.client = new XrootdClient(opts.redirectors?.[0] ?? endpoint, opts);
  }

  private full(path: string): string {
    return this.base + (path.startsWith('/') ? path : '/' + path);
  }

  async stat(path: string, signal: AbortSignal): Promise<StoragePathInfo> {
    const st = await this.client.stat(this.full(path), { signal });
    return { isDir: st.isDir, size: st.size, mtime: st.mtime };
  }

  deleteFile(path: string, signal: AbortSignal): Promise<void> {
    return this.client.rm(this.full(path), { signal });
  }

  async removeEmptyDir(path: string, signal: AbortSignal): Promise<void> {
    try {
      await this.client.rmdir(this.full(path), { signal });
    } catch (err) {
      // kXR_FSError / "Directory not empty" from the server: keep the server's own detail.
      if (err instanceof DcError && /not empty/i.test(err.message)) throw notEmptyError(path, `kXR_rmdir refused: ${err.message}`, err.detail, err);
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

export function createXrootdDeleter(site: BackendSite<XrootdSiteSettings>): StorageDeleter {
  return new XrootdDeleter(site);
}
