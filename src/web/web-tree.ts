import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

/**
 * One level of a list seen as a directory tree: how many entries lie below each child directory
 * of `dir`, and the entries directly in it. Lines are names as written (escaped, see
 * core/escape.ts), one per line. The file is streamed, so a list of millions of names costs one
 * pass and memory per child, not per name.
 */
export interface TreeLevel {
  dir: string;
  total: number;
  below: number;
  children: { name: string; path: string; count: number; bytes: number | null }[];
  entries: { name: string; path: string; bytes: number | null }[];
  entriesTruncated: boolean;
}

export const MAX_ENTRIES = 1000;

/** `/store/mc/` → `/store/mc`; the root is `` (every LFN starts with `/`). */
export function normalizeDir(dir: string): string {
  let d = dir.trim();
  while (d.endsWith('/')) d = d.slice(0, -1);
  if (d && !d.startsWith('/')) d = '/' + d;
  return d;
}

export async function treeLevel(file: string, dirArg: string, sizes?: ReadonlyMap<string, number>): Promise<TreeLevel> {
  const dir = normalizeDir(dirArg);
  const prefix = dir + '/';
  const children = new Map<string, { count: number; bytes: number | null }>();
  const entries: TreeLevel['entries'] = [];
  let total = 0;
  let below = 0;
  let truncated = false;
  const rl = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of rl) {
    if (!line) continue;
    total++;
    if (!line.startsWith(prefix)) continue;
    below++;
    const rest = line.slice(prefix.length);
    const slash = rest.indexOf('/');
    const size = sizes?.get(line);
    if (slash === -1) {
      if (entries.length < MAX_ENTRIES) entries.push({ name: rest, path: line, bytes: size ?? null });
      else truncated = true;
      continue;
    }
    const name = rest.slice(0, slash);
    let c = children.get(name);
    if (!c) children.set(name, (c = { count: 0, bytes: sizes ? 0 : null }));
    c.count++;
    if (c.bytes !== null && size !== undefined) c.bytes += size;
  }
  const kids = [...children.entries()]
    .map(([name, c]) => ({ name, path: prefix + name, count: c.count, bytes: c.bytes }))
    .sort((a, b) => (b.bytes ?? 0) - (a.bytes ?? 0) || b.count - a.count || (a.name < b.name ? -1 : 1));
  return { dir, total, below, children: kids, entries, entriesTruncated: truncated };
}
