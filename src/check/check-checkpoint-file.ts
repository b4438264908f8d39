import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import type { SpoolSegment } from './check-spool.ts';
import type { WalkFrontier } from '../listers/walker.ts';

/** The format this version writes; a checkpoint of any other version is discarded. */
export const CHECKPOINT_VERSION = 1;
const HEADER = /^dynamo-consistency listing checkpoint v(\d+) sha256=([0-9a-f]{64}) bytes=(\d+)$/;

/** One attempt of a listing (a run, or the library call that made it). */
export interface ListingAttemptRecord {
  runId?: number;
  startedAt: string;
  /** Directories this attempt listed that count (up to its last checkpoint, or all for the last attempt). */
  dirsListed: number;
}

/**
 * A listing's checkpoint (README "Resuming a listing"): where the walk stands and everything a
 * resumed run needs to give the result an uninterrupted run gives — the first attempt's start and
 * inventory snapshot ("before" spool, protection, queued deletions), the listing spooled so far
 * (segments cut at the checkpoint), the journal of directory events and the running counters.
 */
export interface CheckpointBody {
  version: number;
  /** Settings the listing depends on (check-checkpoint.ts listingFingerprint): a resume needs the same. */
  fingerprint: Record<string, string>;
  /** Epoch ms of this write (ResumeMaxAge is counted from it). */
  writtenAt: number;
  /** The first attempt's run start, epoch seconds: "now" for the whole listing. */
  now: number;
  tops: string[];
  partitions: number;
  protectedDatasets: string[] | null;
  queuedDeletions: string[];
  before: SpoolSegment[][];
  scan: SpoolSegment[][];
  rawBytesLeft: number;
  journals: { file: string; length: number }[];
  counters: { files: number; bytes: number; newFiles: number; directories: number; retries: number };
  /** EmptyDirJudge's marks of open directories. */
  emptyPending: string[];
  /** What is left to list; null once the listing is complete. */
  frontier: WalkFrontier | null;
  attempts: ListingAttemptRecord[];
}

const count = z.number().int().nonnegative();
const segment = z.object({ file: z.string().regex(/^[^/\\]+$/), length: count, packed: z.boolean() }).strict();
const node = z.object({ lfn: z.string(), mtime: z.number(), parent: z.number().int().min(-1), listed: z.boolean(), pending: count, files: count, bytes: count, newestMtime: z.number(), unlistedBelow: z.boolean(), isTop: z.boolean() }).strict();
const frontier = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('dirs'), nodes: z.array(node), dirsListed: count }).strict(),
  z.object({ kind: z.literal('tops'), done: z.array(z.string()), dirsListed: count }).strict(),
]);
const bodySchema = z.object({
  version: z.literal(CHECKPOINT_VERSION),
  fingerprint: z.record(z.string(), z.string()),
  writtenAt: z.number(),
  now: z.number(),
  tops: z.array(z.string()),
  partitions: z.number().int().positive(),
  protectedDatasets: z.array(z.string()).nullable(),
  queuedDeletions: z.array(z.string()),
  before: z.array(z.array(segment)),
  scan: z.array(z.array(segment)),
  rawBytesLeft: z.number(),
  journals: z.array(z.object({ file: z.string().regex(/^[^/\\]+$/), length: count }).strict()),
  counters: z.object({ files: count, bytes: count, newFiles: count, directories: count, retries: count }).strict(),
  emptyPending: z.array(z.string()),
  frontier: frontier.nullable(),
  attempts: z.array(z.object({ runId: z.number().int().optional(), startedAt: z.string(), dirsListed: count }).strict()).min(1),
}).strict();

/**
 * Writes `body` to `path` so that a reader sees the old checkpoint or the new one, whole, even
 * after a power cut: a header with the body's length and SHA-256, the file synced, renamed over
 * the old one, and the directory synced.
 */
export async function writeCheckpointFile(path: string, body: CheckpointBody): Promise<void> {
  const json = Buffer.from(JSON.stringify(body));
  const header = `dynamo-consistency listing checkpoint v${CHECKPOINT_VERSION} sha256=${createHash('sha256').update(json).digest('hex')} bytes=${json.length}\n`;
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
  const f = await open(tmp, 'w');
  try {
    await f.write(header);
    await f.write(json);
    await f.sync();
  } catch (err) {
    await f.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await f.close();
  await rename(tmp, path);
  const d = await open(dirname(path), 'r');
  await d.sync().finally(() => d.close());
}

/**
 * The checkpoint in `path`, or why it cannot be trusted (a torn or altered file, another version,
 * a body that does not fit the format): `{ body }` or `{ problem }`, never a guess. Undefined when
 * there is no checkpoint.
 */
export function readCheckpointFile(path: string): { body: CheckpointBody } | { problem: string } | undefined {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return { problem: `cannot be read (${(err as Error).message})` };
  }
  const nl = data.indexOf(0x0a);
  const m = nl < 0 ? null : HEADER.exec(data.subarray(0, nl).toString('latin1'));
  if (!m) return { problem: `has no checkpoint header (${data.length} bytes): torn or not a checkpoint` };
  if (Number(m[1]) !== CHECKPOINT_VERSION) return { problem: `is of format v${m[1]}, this version reads v${CHECKPOINT_VERSION}` };
  const json = data.subarray(nl + 1);
  if (json.length !== Number(m[3])) return { problem: `is torn: its header announces ${m[3]} bytes, ${json.length} follow` };
  if (createHash('sha256').update(json).digest('hex') !== m[2]) return { problem: 'is corrupt: its checksum does not match its content' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(json.toString('utf8'));
  } catch (err) {
    return { problem: `is not JSON (${(err as Error).message})` };
  }
  const r = bodySchema.safeParse(parsed);
  if (!r.success) {
    const i = r.error.issues[0];
    return { problem: `does not fit the checkpoint format at ${i.path.join('.') || 'its top'}: ${i.message}` };
  }
  return { body: r.data as CheckpointBody };
}
