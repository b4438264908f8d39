import { DcError } from '../../core/errors.ts';

/** What a deleter knows about a path before removing it (the last-moment safety check). */
export interface StoragePathInfo {
  isDir: boolean;
  size: number;
  /** Seconds since the epoch. */
  mtime: number;
}

/**
 * Removal on the storage itself, one implementation per protocol, bound to the site's Url like a
 * lister. Paths are storage paths (PathPrefix + LFN). Failures are DcErrors; NOT_FOUND means the
 * path is already gone. `removeEmptyDir` must never remove a directory that holds anything: when
 * it finds one, it throws `notEmptyError`.
 */
export interface StorageDeleter {
  readonly kind: string;
  stat(path: string, signal: AbortSignal): Promise<StoragePathInfo>;
  deleteFile(path: string, signal: AbortSignal): Promise<void>;
  removeEmptyDir(path: string, signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

/**
 * A directory that holds something when its removal was asked for: the storage refused it, or the
 * deleter's check just before the removal found entries. Nothing was removed.
 */
export function notEmptyError(path: string, message: string, detail: Record<string, unknown> = {}, cause?: unknown): DcError {
  return new DcError('STATE', `${path}: ${message}`, { cause, detail: { ...detail, notEmpty: true } });
}

export function isNotEmpty(err: unknown): boolean {
  return err instanceof DcError && err.code === 'STATE' && err.detail?.notEmpty === true;
}
