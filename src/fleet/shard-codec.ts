import { gunzipSync, gzipSync } from 'node:zlib';
import type { RemoteFile } from '../core/entries.ts';
import { DcError, type ErrorCode } from '../core/errors.ts';
import type { TreeItem } from '../listers/lister.ts';
import type { WalkEvent } from '../listers/walker.ts';

/**
 * How a shard's listing travels through the history database (store/shard-parts.ts): one JSON
 * line per directory in the order the shard's walk closed them (post-order, as `listTree`
 * promises), the byte stream gzipped in chunks of about CHUNK_CHARS characters of text and kept as
 * base64. A line may span chunks (a directory of a million files); each chunk decodes on its own.
 *   ["d", lfn, mtime, [[name, size, mtime], …]]   a directory that listed, with its files
 *   ["u", lfn, code, message]                     a directory that did not (nothing below it is known)
 * JSON keeps a name's string exactly (lone surrogates included), so names stay byte-exact.
 */
export const CHUNK_CHARS = 256 * 1024;

type DirLine = ['d', string, number, [string, number, number][]];
type UnlistedLine = ['u', string, string, string];

/**
 * Turns a shard walk's events into lines. `within` (ShardBy hash): the top directory the shard
 * walked only to reach its own subdirectories (`dirs`): its own files and summary are left out,
 * and if it failed to list, the shard's subdirectories are the unlisted ones.
 */
export class ShardEncoder {
  private readonly files = new Map<string, RemoteFile[]>();
  private readonly unlisted = new Set<string>();
  private text = '';

  constructor(private readonly within?: { lfn: string; dirs: readonly string[] }) {}

  /** Takes one event; returns the chunks that filled up. */
  push(ev: WalkEvent): string[] {
    const lfn = ev.type === 'files' ? ev.dir : ev.type === 'dir' ? ev.dir.lfn : ev.lfn;
    if (this.within && lfn === this.within.lfn) {
      if (ev.type !== 'unlisted') return [];
      return this.within.dirs.flatMap((d) => this.line(['u', d, ev.code, ev.message] satisfies UnlistedLine));
    }
    if (ev.type === 'files') {
      this.files.set(ev.dir, ev.files);
      return [];
    }
    if (ev.type === 'unlisted') {
      this.unlisted.add(ev.lfn);
      return this.line(['u', ev.lfn, ev.code, ev.message] satisfies UnlistedLine);
    }
    // An unlisted directory closes too, in the walk; it was said once already.
    if (this.unlisted.delete(lfn)) return [];
    const files = this.files.get(lfn) ?? [];
    this.files.delete(lfn);
    const cut = lfn === '/' ? 1 : lfn.length + 1;
    const entries = files.map((f): [string, number, number] => [f.lfn.slice(cut), f.size, f.mtime]);
    return this.line(['d', lfn, ev.dir.mtime, entries] satisfies DirLine);
  }

  /** What is left, as the last chunk (possibly empty). */
  finish(): string {
    const rest = this.text;
    this.text = '';
    return encodeChunk(rest);
  }

  private line(l: DirLine | UnlistedLine): string[] {
    this.text += JSON.stringify(l) + '\n';
    const out: string[] = [];
    while (this.text.length >= CHUNK_CHARS) {
      let cut = CHUNK_CHARS;
      // Never between the two halves of a surrogate pair: each chunk is valid UTF-8 on its own.
      const c = this.text.charCodeAt(cut - 1);
      if (c >= 0xd800 && c <= 0xdbff) cut--;
      out.push(encodeChunk(this.text.slice(0, cut)));
      this.text = this.text.slice(cut);
    }
    return out;
  }
}

function encodeChunk(text: string): string {
  return gzipSync(Buffer.from(text, 'utf8')).toString('base64');
}

/**
 * The items of a segment's chunks, as `listTree` yields them: one batch per chunk. `prefix` makes
 * the storage paths `listTree` speaks in (PathPrefix + LFN).
 */
export async function* decodeSegment(chunks: AsyncIterable<string>, prefix: string): AsyncGenerator<TreeItem[]> {
  let rest = '';
  for await (const chunk of chunks) {
    const text = rest + gunzipSync(Buffer.from(chunk, 'base64')).toString('utf8');
    const lines = text.split('\n');
    rest = lines.pop() ?? '';
    yield lines.map((l) => toItem(l, prefix));
  }
  if (rest !== '') throw new DcError('INTERNAL', 'a shard segment ends inside a line');
}

function toItem(line: string, prefix: string): TreeItem {
  const l = JSON.parse(line) as DirLine | UnlistedLine;
  if (l[0] === 'u') return { type: 'unlisted', path: prefix + l[1], error: new DcError(l[2] as ErrorCode, l[3]) };
  return { type: 'dir', path: prefix + l[1], mtime: l[2], entries: l[3].map(([name, size, mtime]) => ({ name, isDir: false, size, mtime })) };
}
