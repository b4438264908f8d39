import { DcError } from '../core/errors.ts';
import type { Lister, ListerFactory, ListerSettings } from './lister.ts';

/**
 * Picks a lister by URL scheme, or by the seed's `AccessMethod` when it names one explicitly.
 * Backends register here; each lives in its own folder and depends only on core and protocols.
 * Each is loaded when first used: a POSIX site never loads the S3 SDK or the HTTP client.
 */
type LazyFactory = () => Promise<ListerFactory>;
const posix: LazyFactory = async () => (await import('./posix/posix-lister.ts')).createPosixLister;
const xrootd: LazyFactory = async () => (await import('./xrootd/xrootd-lister.ts')).createXrootdLister;
const webdav: LazyFactory = async () => (await import('./webdav/webdav-lister.ts')).createWebdavLister;
const xrdfs: LazyFactory = async () => (await import('./xrdfs/xrdfs-lister.ts')).createXrdfsLister;
const s3: LazyFactory = async () => (await import('./s3/s3-lister.ts')).createS3Lister;
const dump: LazyFactory = async () => (await import('./dump/dump-open.ts')).createDumpLister;
const gfal: LazyFactory = async () => (await import('./gfal/gfal-lister.ts')).createGfalLister;
const bySchemeOrMethod: ReadonlyMap<string, LazyFactory> = new Map<string, LazyFactory>([
  ['file', posix],
  ['root', xrootd],
  ['roots', xrootd],
  ['davs', webdav],
  ['https', webdav],
  ['dav', webdav],
  ['http', webdav],
  ['directx', xrdfs],
  ['s3', s3],
  ['dump', dump],
  ['RAL-Reader', dump],
  ['SRM', gfal],
  ['gfal', gfal],
]);

/**
 * Why a site's Url and AccessMethod name no lister, or undefined when one is known. Checked before
 * a run starts, so a typo is a configuration error, not a failed run.
 */
export function listerProblem(url: string, accessMethod: string): string | undefined {
  if (accessMethod && !bySchemeOrMethod.has(accessMethod)) return `AccessMethod ${JSON.stringify(accessMethod)} names no lister (known: ${[...bySchemeOrMethod.keys()].join(', ')})`;
  let scheme: string;
  try {
    scheme = new URL(url).protocol.replace(/:$/, '');
  } catch {
    return `Url ${JSON.stringify(url)} is not a URL`;
  }
  if (!accessMethod && !bySchemeOrMethod.has(scheme)) return `Url scheme ${scheme}:// is not supported (known: ${[...bySchemeOrMethod.keys()].join(', ')})`;
  return undefined;
}
/** Every scheme and AccessMethod with a lister (the configuration schema accepts these as AccessMethod). */
export const LISTER_NAMES: readonly string[] = [...bySchemeOrMethod.keys()];

export async function createLister(settings: ListerSettings): Promise<Lister> {
  const method = settings.settings.AccessMethod;
  let scheme: string;
  try {
    scheme = new URL(settings.url).protocol.replace(/:$/, '');
  } catch {
    throw new DcError('CONFIG', `site Url is not a URL: ${JSON.stringify(settings.url)}`);
  }
  const load = (method && bySchemeOrMethod.get(method)) || bySchemeOrMethod.get(scheme);
  if (!load) {
    throw new DcError('UNSUPPORTED', `no lister for ${method ? `AccessMethod ${method} / ` : ''}scheme ${scheme}:// (known: ${[...bySchemeOrMethod.keys()].join(', ')})`);
  }
  const factory = await load();
  return factory(settings);
}
