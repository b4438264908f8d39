import { lstat, rmdir, unlink } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { DcError } from '../../core/errors.ts';
import { encodeName } from '../../core/name-bytes.ts';
import { fsError } from '../../protocols/posix/posix-errors.ts';
import { notEmptyError, type StorageDeleter, type StoragePathInfo } from './storage-deleter.ts';

/** unlink(2) for files, rmdir(2) for directories: the kernel refuses a non-empty directory. */
export class PosixDeleter implements StorageDeleter {
  readonly kind = 'posix';
  private readonly root: string;

  constructor(url: string) {
    this.root = fileURLToPath(new URL(url)).replace(/\/+$/, '');
  }

  /** The file-system path as bytes: a name that is not UTF-8 is deleted by its own bytes. */
  private local(path: string): Buffer {
    return encodeName(this.root + path);
  }

  async stat(path: string, signal: AbortSignal): Promise<StoragePathInfo> {
    if (signal.aborted) throw new DcError('ABORTED', `stat ${path} aborted`);
    try {
      const st = await lstat(this.local(path));
      return { isDir: st.isDirectory(), size: st.size, mtime: st.mtimeMs / 1000 };
    } catch (err) {
      throw fsError(err, path);
    }
  }

  async deleteFile(path: string, signal: AbortSignal): Promise<void> {
    if (signal.aborted) throw new DcError('ABORTED', `delete ${path} aborted`);
    try {
      await unlink(this.local(path));
    } catch (err) {
      throw fsError(err, path);
    }
  }

  async removeEmptyDir(path: string, signal: AbortSignal): Promise<void> {
    if (signal.aborted) throw new DcError('ABORTED', `rmdir ${path} aborted`);
    try {
      await rmdir(this.local(path));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST') throw notEmptyError(path, 'directory is not empty (rmdir refused it)', { errno: code });
      throw fsError(err, path);
    }
  }

  async close(): Promise<void> {}
}
