import { DcError } from '../core/errors.ts';
import { encodeName } from '../core/name-bytes.ts';

/** xrootd 5.5 cuts a 255-byte name (NAME_MAX) to this many bytes in its kXR_dirlist replies. */
export const CUT_NAME_BYTES = 254;

/**
 * Refuses a directory listed over XRootD (native client or xrdfs) that holds a name the server cut
 * short. Listed as given, such a file would be a false orphan under the cut name and a false missing
 * file under its own (drill D5). A name of exactly 254 bytes is checked with `exists`; when no such
 * file exists the directory fails with UNSUPPORTED, so the walker reports it unlisted and nothing
 * below it is judged. A real 254-byte name costs one stat.
 */
export async function refuseCutNames(dir: string, entries: readonly { name: string }[], exists: (name: string) => Promise<boolean>): Promise<void> {
  for (const { name } of entries) {
    if (Buffer.byteLength(name) < CUT_NAME_BYTES || encodeName(name).length !== CUT_NAME_BYTES) continue;
    if (await exists(name)) continue;
    throw new DcError('UNSUPPORTED', `listing ${dir}: the server gave a name cut to ${CUT_NAME_BYTES} bytes (${JSON.stringify(name.slice(0, 40))}…, no such file): names of ${CUT_NAME_BYTES + 1} bytes cannot be listed over this door`, {
      detail: { path: dir, cutName: name },
    });
  }
}

/** `exists` for refuseCutNames from a stat that fails with NOT_FOUND. */
export async function existsByStat(stat: () => Promise<unknown>): Promise<boolean> {
  try {
    await stat();
    return true;
  } catch (err) {
    if (err instanceof DcError && err.code === 'NOT_FOUND') return false;
    throw err;
  }
}
