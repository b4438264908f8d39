import { backendSite, type SiteConfig } from '../../config/config-loader.ts';
import { DcError } from '../../core/errors.ts';
import type { SiteEnv } from '../../protocols/protocol-site.ts';
import type { StorageDeleter } from './storage-deleter.ts';

/** The deleter for a site's Url scheme. Only the schemes with a native delete are supported. */
export async function createStorageDeleter(site: SiteConfig, env: SiteEnv): Promise<StorageDeleter> {
  let scheme: string;
  try {
    scheme = new URL(site.Url).protocol.replace(/:$/, '');
  } catch {
    throw new DcError('CONFIG', `site ${site.name}: Url is not a URL`);
  }
  const settings = backendSite(site, env, 'delete');
  switch (scheme) {
    case 'file':
      return new (await import('./storage-posix-deleter.ts')).PosixDeleter(site.Url);
    case 'root':
    case 'roots':
      return (await import('./storage-xrootd-deleter.ts')).createXrootdDeleter(settings);
    case 'davs':
    case 'https':
    case 'dav':
    case 'http':
      return (await import('./storage-webdav-deleter.ts')).createWebdavDeleter(settings);
    case 's3':
      return (await import('./storage-s3-deleter.ts')).createS3Deleter(settings);
    default:
      throw new DcError('UNSUPPORTED', `site ${site.name}: deleting on the storage is not available for ${scheme}:// sites`);
  }
}
