import { DcError } from '../../core/errors.ts';

/**
 * Maps a Node fs error to our codes, keeping errno text for the unlisted report. Shared by the
 * POSIX lister and the POSIX deleter, which must agree on what a missing or refused path is.
 */
export function fsError(err: unknown, path: string): DcError {
  const e = err as NodeJS.ErrnoException;
  const code = e?.code;
  const msg = `${path}: ${e?.message ?? String(err)}`;
  if (code === 'ENOENT' || code === 'ENOTDIR') return new DcError('NOT_FOUND', msg, { cause: err, detail: { errno: code } });
  if (code === 'EACCES' || code === 'EPERM') return new DcError('PERMISSION', msg, { cause: err, detail: { errno: code } });
  if (code === 'ABORT_ERR') return new DcError('ABORTED', msg, { cause: err });
  return new DcError('IO', msg, { cause: err, detail: { errno: code } });
}
