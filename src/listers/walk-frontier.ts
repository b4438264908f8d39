import { DcError } from '../core/errors.ts';
import type { FrontierNode, OpenDirectory, WalkFrontier } from './walk-types.ts';

/** A directory of the per-directory walk (walker.ts), from queued until its whole subtree closed. */
export interface WalkNode extends OpenDirectory {
  parent: WalkNode | undefined;
}

/**
 * The open part of a walk: the directories still to list (`queued`: on the stack or in flight)
 * and every listed ancestor still waiting for them, parents before children. Synchronous, so it
 * sees the walk between two listings' completions.
 */
export function snapshotFrontier(queued: Iterable<WalkNode>, dirsListed: number): WalkFrontier {
  const index = new Map<WalkNode, number>();
  const nodes: FrontierNode[] = [];
  const todo = new Set(queued);
  const add = (n: WalkNode): number => {
    const known = index.get(n);
    if (known !== undefined) return known;
    const parent = n.parent ? add(n.parent) : -1;
    const i = nodes.length;
    index.set(n, i);
    nodes.push({ lfn: n.lfn, mtime: n.mtime, parent, listed: !todo.has(n), pending: n.pending, files: n.files, bytes: n.bytes, newestMtime: n.newestMtime, unlistedBelow: n.unlistedBelow, isTop: n.isTop });
    return i;
  };
  for (const n of todo) add(n);
  return { kind: 'dirs', nodes, dirsListed };
}

/**
 * The walk's nodes again from a frontier: the directories to list, in the order they go on the
 * stack (as they were: the last is listed first). Throws INTERNAL on a frontier that does not hold together.
 */
export function restoreFrontier(frontier: WalkFrontier): WalkNode[] {
  if (frontier.kind !== 'dirs') throw new DcError('INTERNAL', `a ${frontier.kind} checkpoint cannot resume a per-directory walk`);
  const made: WalkNode[] = [];
  const queued: WalkNode[] = [];
  for (const f of frontier.nodes) {
    if (f.parent >= made.length) throw new DcError('INTERNAL', `checkpoint frontier: ${f.lfn} comes before its parent`);
    const parent = f.parent < 0 ? undefined : made[f.parent];
    const n: WalkNode = { lfn: f.lfn, mtime: f.mtime, parent, pending: f.pending, files: f.files, bytes: f.bytes, newestMtime: f.newestMtime, unlistedBelow: f.unlistedBelow, isTop: f.isTop };
    made.push(n);
    if (!f.listed) queued.push(n);
  }
  return queued;
}
