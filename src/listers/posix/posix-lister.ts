import { opendir, lstat, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { DirEntry } from '../../core/entries.ts';
import { DcError } from '../../core/errors.ts';
import { decodeName, encodeName } from '../../core/name-bytes.ts';
import { fsError } from '../../protocols/posix/posix-errors.ts';
import type { Lister, ListerSettings } from '../lister.ts';

const BATCH = 1000;
const SLASH = Buffer.from('/');

/**
 * A directory entry's name as bytes. With encoding 'buffer' Node gives Buffers, while its typings
 * say string: checked at run time rather than cast.
 */
function nameBytes(name: string | Buffer): Buffer {
  return Buffer.isBuffer(name) ? name : encodeName(name);
}

function toEntry(name: string, st: { isDirectory(): boolean; size: number; mtimeMs: number }): DirEntry {
  const isDir = st.isDirectory();
  return { name, isDir, size: isDir ? 0 : st.size, mtime: st.mtimeMs / 1000 };
}

/**
 * Lists a POSIX mount (`file:///mnt/site`). Symbolic links are followed for files; a link to a
 * directory is not descended into (it would list the same data twice or loop) and is left out.
 * Names are read and used as bytes (src/core/name-bytes.ts): a name that is not UTF-8 is listed
 * with its bytes kept, and its sub-directories are listed by the same bytes.
 */
export class PosixLister implements Lister {
  readonly kind = 'posix';
  private readonly root: string;

  constructor(url: string) {
    const u = new URL(url);
    if (u.protocol !== 'file:') throw new DcError('UNSUPPORTED', `posix lister needs a file:// URL, got ${url}`);
    this.root = fileURLToPath(u).replace(/\/+$/, '');
  }

  /** The file-system path of a storage path, as bytes. */
  private local(path: string): Buffer {
    return encodeName(this.root + path);
  }

  async stat(path: string, signal: AbortSignal): Promise<DirEntry> {
    if (signal.aborted) throw new DcError('ABORTED', `stat ${path} aborted`);
    try {
      const st = await stat(this.local(path));
      return toEntry(path.slice(path.lastIndexOf('/') + 1), st);
    } catch (err) {
      throw fsError(err, path);
    }
  }

  async *listDir(path: string, signal: AbortSignal): AsyncIterable<DirEntry[]> {
    const dirPath = this.local(path);
    let dir;
    try {
      // Node gives Buffer names for encoding 'buffer' (its typings only allow string encodings).
      dir = await opendir(dirPath, { bufferSize: 256, encoding: 'buffer' as BufferEncoding });
    } catch (err) {
      throw fsError(err, path);
    }
    let names: { name: Buffer; link: boolean; isDir: boolean }[] = [];
    try {
      for await (const d of dir) {
        if (signal.aborted) throw new DcError('ABORTED', `listing ${path} aborted`);
        names.push({ name: nameBytes(d.name), link: d.isSymbolicLink(), isDir: d.isDirectory() });
        if (names.length >= BATCH) {
          yield await this.statBatch(dirPath, names);
          names = [];
        }
      }
    } catch (err) {
      if (err instanceof DcError) throw err;
      throw fsError(err, path);
    }
    if (signal.aborted) throw new DcError('ABORTED', `listing ${path} aborted`);
    if (names.length) yield await this.statBatch(dirPath, names);
  }

  private async statBatch(dirPath: Buffer, names: { name: Buffer; link: boolean; isDir: boolean }[]): Promise<DirEntry[]> {
    const out = await Promise.all(
      names.map(async ({ name: nameBytes, link }) => {
        const name = decodeName(nameBytes);
        const full = Buffer.concat([dirPath, SLASH, nameBytes]);
        try {
          const st = link ? await stat(full) : await lstat(full);
          if (link && st.isDirectory()) return undefined;
          if (!st.isDirectory() && !st.isFile()) return undefined; // sockets, fifos, devices: not data
          return toEntry(name, st);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') return undefined; // vanished since readdir, or a dangling link
          throw fsError(err, decodeName(full));
        }
      }),
    );
    return out.filter((e): e is DirEntry => e !== undefined);
  }

  async close(): Promise<void> {}
}

export function createPosixLister(settings: ListerSettings): Lister {
  return new PosixLister(settings.url);
}
