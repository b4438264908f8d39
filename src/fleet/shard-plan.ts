import { hashString, newHash } from '../core/lfn-hash.ts';

/**
 * How a sharded run's listing is split (issue 14, point 4). Every directory is reported by exactly
 * one party: with `top`, each top directory (RootPath, or RootPath/<DirectoryList entry>) and its
 * whole subtree go to shard `index % Shards`; with `hash`, the run's coordinator lists the top
 * directories themselves (their files and their subdirectories' names) and each subdirectory,
 * with its whole subtree, goes to the shard its LFN hashes to (the shard lists the top again, once,
 * to reach them the way any walk does, and reports none of the top's own listing). Subtrees of distinct directories of
 * one level are disjoint, so no directory is listed twice, and every directory below a top lies
 * in the subtree of exactly one of the top's subdirectories, so none is left out.
 */
export type ShardBy = 'hash' | 'top';

/** The directories one shard lists below one top, each with the mtime the coordinator's listing gave (null with `top`), for the logs. */
export interface ShardSegment {
  /** Index of the top in the walk's tops. */
  top: number;
  /**
   * `hash`: the top directory the `dirs` are subdirectories of. The shard lists it again, to reach
   * its subdirectories as any walk does, and keeps only theirs (the coordinator owns the top's own listing).
   */
  within?: string;
  dirs: [lfn: string, mtime: number | null][];
}

export interface ShardAssignment {
  shard: number;
  segments: ShardSegment[];
}

/** The shard a directory's subtree goes to: a stable hash of its LFN (the same on every host and run). */
export function shardOfDir(lfn: string, shards: number): number {
  const h = newHash();
  hashString(lfn, h);
  return h[0] % shards;
}

/** `top`: top i (and its subtree) to shard i % shards. Shards left without work are left out. */
export function splitTops(tops: readonly string[], shards: number): ShardAssignment[] {
  const out: ShardAssignment[] = [];
  for (let s = 0; s < shards; s++) {
    const segments: ShardSegment[] = [];
    for (let t = s; t < tops.length; t += shards) segments.push({ top: t, dirs: [[tops[t], null]] });
    if (segments.length) out.push({ shard: s, segments });
  }
  return out;
}

/** `hash`: each top's subdirectories (`children[t]` of `tops[t]`, with their mtimes) to the shard their LFN hashes to. */
export function splitChildren(tops: readonly string[], children: readonly (readonly [string, number])[][], shards: number): ShardAssignment[] {
  const byShard = Array.from({ length: shards }, (): ShardSegment[] => []);
  children.forEach((dirs, top) => {
    const seg = Array.from({ length: shards }, (): ShardSegment['dirs'] => []);
    for (const [lfn, mtime] of dirs) seg[shardOfDir(lfn, shards)].push([lfn, mtime]);
    seg.forEach((d, s) => {
      if (d.length) byShard[s].push({ top, within: tops[top], dirs: d });
    });
  });
  return byShard.flatMap((segments, shard) => (segments.length ? [{ shard, segments }] : []));
}
