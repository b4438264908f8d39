import { DcError } from '../core/errors.ts';
import type { Lister, ListerFactory, ListerSettings } from './lister.ts';
import { createPosixLister } from './posix/posix-lister.ts';
import { createXrootdLister } from './xrootd/xrootd-lister.ts';
import { createWebdavLister } from './webdav/webdav-lister.ts';
import { createXrdfsLister } from './xrdfs/xrdfs-lister.ts';
import { createS3Lister } from './s3/s3-lister.ts';
import { createDumpLister } from './dump/dump-lister.ts';
import { createGfalLister } from './gfal/gfal-lister.ts';

/**
 * Picks a lister by URL scheme, or by the seed's `AccessMethod` when it names one explicitly.
 * Backends register here; each lives in its own folder and depends only on core and protocols.
 */
const bySchemeOrMethod: ReadonlyMap<string, ListerFactory> = new Map<string, ListerFactory>([
  ['file', createPosixLister],
  ['root', createXrootdLister],
  ['roots', createXrootdLister],
  ['davs', createWebdavLister],
  ['https', createWebdavLister],
  ['dav', createWebdavLister],
  ['http', createWebdavLister],
  ['directx', createXrdfsLister],
  ['s3', createS3Lister],
  ['dump', createDumpLister],
  ['RAL-Reader', createDumpLister],
  ['SRM', createGfalLister],
  ['gfal', createGfalLister],
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
  const method = typeof settings.site.AccessMethod === 'string' ? settings.site.AccessMethod : '';
  let scheme: string;
  try {
    scheme = new URL(settings.url).protocol.replace(/:$/, '');
  } catch {
    throw new DcError('CONFIG', `site Url is not a URL: ${JSON.stringify(settings.url)}`);
  }
  const factory = (method && bySchemeOrMethod.get(method)) || bySchemeOrMethod.get(scheme);
  if (!factory) {
    throw new DcError('UNSUPPORTED', `no lister for ${method ? `AccessMethod ${method} / ` : ''}scheme ${scheme}:// (known: ${[...bySchemeOrMethod.keys()].join(', ')})`);
  }
  return factory(settings);
}
