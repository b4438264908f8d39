import type { XrootdClient, XrootdOpenFile } from './xrootd-client.ts';
import type { RequestOptions } from './xrootd-request-loop.ts';

/** Bytes asked for by one kXR_read: the most a reader holds in memory at once. */
export const READ_CHUNK = 4 << 20;

export interface ReadFileOptions extends RequestOptions {
  /** Called with the open file first (its kXR_retstat size and mtime). */
  onOpen?: (f: XrootdOpenFile) => void;
  /** Bytes per kXR_read (default READ_CHUNK). */
  chunk?: number;
}

/**
 * A whole file over XRootD, streamed: kXR_open (following redirects), then one kXR_read of `chunk`
 * bytes at a time, each yielded as its bodies arrive complete, so memory holds one chunk; a short
 * read is the end of the file (XProtocol: kXR_read returns fewer bytes than asked only there).
 * kXR_close however the iteration ends.
 */
export async function* readXrootdFile(client: XrootdClient, path: string, opts: ReadFileOptions = {}): AsyncGenerator<Buffer, void, undefined> {
  const file = await client.openRead(path, opts);
  const chunk = opts.chunk ?? READ_CHUNK;
  try {
    opts.onOpen?.(file);
    for (let offset = 0; ; ) {
      const parts = await client.read(file, offset, chunk, opts);
      let got = 0;
      for (const p of parts) {
        got += p.length;
        if (p.length) yield p;
      }
      offset += got;
      if (got < chunk) return;
    }
  } finally {
    // A close that fails (the connection dropped), or is not sent because the caller stopped,
    // leaves nothing behind: the server closes the file with the session.
    if (!opts.signal?.aborted) await client.closeFile(file).catch(() => undefined);
  }
}
