/** Small helpers of the lister conformance suite: collecting a walk, diffing names, counting handles. */
import type { DirSummary, RemoteFile } from '../../src/core/entries.ts';
import type { WalkEvent } from '../../src/listers/walker.ts';

export interface CollectedWalk {
  files: RemoteFile[];
  dirs: DirSummary[];
  unlisted: Extract<WalkEvent, { type: 'unlisted' }>[];
}

export async function collectWalk(events: AsyncIterable<WalkEvent>): Promise<CollectedWalk> {
  const out: CollectedWalk = { files: [], dirs: [], unlisted: [] };
  for await (const ev of events) {
    if (ev.type === 'files') out.files.push(...ev.files);
    else if (ev.type === 'dir') out.dirs.push(ev.dir);
    else out.unlisted.push(ev);
  }
  return out;
}

/** A storage path relative to the fixture root, keeping the leading "/" ("/a/b"). */
export function relativeTo(root: string, path: string): string {
  if (path === root) return '';
  if (!path.startsWith(root + '/')) throw new Error(`${JSON.stringify(path)} is not below the fixture root ${JSON.stringify(root)}`);
  return path.slice(root.length);
}

/** Names present on one side only, sorted, so a failing deepEqual shows exactly what differs. */
export function nameDiff(got: Iterable<string>, want: Iterable<string>): { missing: string[]; extra: string[] } {
  const g = new Set(got);
  const w = new Set(want);
  return { missing: [...w].filter((n) => !g.has(n)).sort(), extra: [...g].filter((n) => !w.has(n)).sort() };
}

/** Handle kinds a lister may own: sockets, pipes, child processes, open files. */
const TRACKED = new Set(['TCPSocketWrap', 'TLSWrap', 'PipeWrap', 'ProcessWrap', 'FileHandle', 'TCPWrap']);

export function handleCounts(): Map<string, number> {
  const m = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) if (TRACKED.has(kind)) m.set(kind, (m.get(kind) ?? 0) + 1);
  return m;
}

/** Polls `check` (undefined = satisfied, string = why not yet) until it passes or `ms` runs out. */
export async function waitFor(ms: number, check: () => string | undefined | Promise<string | undefined>): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const why = await check();
    if (why === undefined) return;
    if (Date.now() > deadline) throw new Error(why);
    await new Promise((r) => setTimeout(r, 25));
  }
}
