import { randomBytes } from 'node:crypto';
import { createWriteStream, readFileSync, rmSync, statSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { makeDirectory } from '../core/atomic-file.ts';
import type { SiteConfig } from '../config/config-loader.ts';
import type { ErrorCode } from '../core/errors.ts';
import { redactUrl } from '../core/redact-url.ts';
import { readCheckpointFile, writeCheckpointFile, type CheckpointBody, type ListingAttemptRecord } from './check-checkpoint-file.ts';
import { syncFile, type CheckSpool } from './check-spool.ts';

export type { CheckpointBody, ListingAttemptRecord } from './check-checkpoint-file.ts';

/** How a check checkpoints its listing and whether it takes up an earlier one (README "Resuming a listing"). */
export interface CheckpointSettings {
  /** The site's checkpoint directory, kept across runs (checkpointDir). */
  dir: string;
  /** Continue from a checkpoint found there; false: discard it and start afresh. */
  resume: boolean;
  /** Why a checkpoint is not resumed when `resume` is false (said in the run's log and summary). */
  noResumeReason?: string;
  everyDirs: number;
  everySeconds: number;
  /** A checkpoint written longer ago than this is discarded. */
  maxAgeSeconds: number;
  /** This attempt's run in the history. */
  runId?: number;
  /** More settings the listing depends on (a shard's predicate, say), compared like the site's. */
  fingerprintExtra?: Record<string, string>;
  log?: (event: string, fields: Record<string, unknown>) => void;
}

/** What the summary says of checkpoints: how often the listing was resumed and what each attempt listed. */
export interface ResumeReport {
  /** Times this listing was taken up again (0: it ran in one attempt). */
  resumed: number;
  attempts: ListingAttemptRecord[];
  /** Checkpoints this attempt wrote. */
  checkpoints: number;
  /** Why a checkpoint found at the start was not used (too old, corrupt, other settings, not asked to resume). */
  discarded?: string;
}

/** A directory event of the listing as the check judged it, kept so a resumed check can judge it again. */
export type JournalRecord =
  | { kind: 'top'; lfn: string; files: number; bytes: number; unlisted: boolean }
  | { kind: 'empty'; lfn: string }
  | { kind: 'unlisted'; lfn: string; code: ErrorCode; message: string; attempts: number };

/** The checkpoint directory of a site under the check's work directory. */
export function checkpointDir(workDir: string, site: string): string {
  return join(workDir, `.listing-${encodeURIComponent(site)}`);
}

/**
 * Removes a site's checkpoint (the run it served is recorded). A failure is logged, never thrown:
 * the run's outcome is recorded already, and a checkpoint left behind is discarded by the next
 * run that does not resume, or by its age.
 */
export function removeCheckpoint(dir: string, log?: (event: string, fields: Record<string, unknown>) => void): void {
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch (err) {
    log?.('checkpoint-not-removed', { dir, error: (err as Error).message });
  }
}

/**
 * The settings a listing's content depends on: a checkpoint written under other values is refused.
 * (Judging settings read only after the listing, such as the gates, may change between attempts.)
 */
export function listingFingerprint(site: SiteConfig, listerKind: string, partitions: number, extra: Record<string, string> = {}): Record<string, string> {
  const v = (x: unknown) => JSON.stringify(x);
  return {
    Site: v(site.name),
    Url: v(redactUrl(site.Url)),
    PathPrefix: v(site.PathPrefix),
    RootPath: v(site.RootPath),
    DirectoryList: v(site.DirectoryList),
    ListOnlyInventoryDirs: v(site.ListOnlyInventoryDirs),
    IgnoreDirectories: v(site.IgnoreDirectories),
    IgnoreAge: v(site.IgnoreAge),
    CmsDatasets: v(site.CmsDatasets),
    lister: v(listerKind),
    partitions: v(partitions),
    ...extra,
  };
}

const CHECKPOINT = 'checkpoint';

/**
 * One attempt's checkpoints of a listing: opened at the check's start (taking up a sound earlier
 * checkpoint, or discarding one that cannot be trusted), it journals the directory events and, when
 * the walk says, syncs the spools and journal and writes the checkpoint atomically. Every attempt
 * writes files of its own (named by `tag`) and earlier attempts' files are only read up to the
 * lengths a checkpoint recorded, so nothing written after a checkpoint is ever counted twice, even
 * by a process that lost the site and still writes.
 */
export class ListingCheckpoints {
  readonly tag = randomBytes(4).toString('hex');
  private journal$: WriteStream | undefined;
  private lastJournalWrite: Promise<void> | undefined;
  private written = 0;

  private constructor(
    readonly settings: CheckpointSettings,
    private readonly fingerprint: Record<string, string>,
    /** The checkpoint taken up, if any. */
    readonly resumed: CheckpointBody | undefined,
    /** Its journal, read back. */
    readonly journaled: JournalRecord[],
    readonly discarded: string | undefined,
    private readonly attempt: ListingAttemptRecord,
  ) {}

  get dir(): string {
    return this.settings.dir;
  }

  /** Opens the site's checkpoint directory for attempt `startedAt`: resumes, or starts afresh saying why. */
  static open(settings: CheckpointSettings, fingerprint: Record<string, string>, startedAt: string): ListingCheckpoints {
    const attempt: ListingAttemptRecord = { runId: settings.runId, startedAt, dirsListed: 0 };
    const path = join(settings.dir, CHECKPOINT);
    const found = readCheckpointFile(path);
    let why: string | undefined;
    if (found && 'body' in found) {
      const body = found.body;
      why = settings.resume ? refusal(settings, fingerprint, body) : settings.noResumeReason ?? 'resuming was not asked for';
      if (!why) {
        const journaled = readJournals(settings.dir, body);
        if (typeof journaled === 'string') why = journaled;
        else {
          settings.log?.('listing-resumed', { checkpoint: path, attempt: body.attempts.length + 1, listingComplete: body.frontier === null, dirsListedBefore: body.attempts.reduce((a, t) => a + t.dirsListed, 0), writtenAt: new Date(body.writtenAt).toISOString() });
          return new ListingCheckpoints(settings, fingerprint, body, journaled, undefined, attempt);
        }
      }
    } else if (found) why = `the checkpoint ${path} ${found.problem}`;
    const discarded = why === undefined ? undefined : `a listing checkpoint was discarded, the listing starts afresh: ${why}`;
    if (discarded) settings.log?.('checkpoint-discarded', { checkpoint: path, message: discarded });
    rmSync(settings.dir, { recursive: true, force: true });
    makeDirectory(settings.dir);
    return new ListingCheckpoints(settings, fingerprint, undefined, [], discarded, attempt);
  }

  /** Keeps one directory event for a resumed check to judge again. */
  record(r: JournalRecord): void {
    const line = JSON.stringify(r.kind === 'top' ? ['t', r.lfn, r.files, r.bytes, r.unlisted] : r.kind === 'empty' ? ['e', r.lfn] : ['u', r.lfn, r.code, r.message, r.attempts]) + '\n';
    if (!this.journal$) {
      this.journal$ = createWriteStream(join(this.dir, this.journalFile()));
      // Its failure is the pending write's, which the next save awaits: never an unhandled 'error'.
      this.journal$.on('error', () => undefined);
    }
    const ws = this.journal$;
    this.lastJournalWrite = new Promise((resolve, reject) => ws.write(line, (err) => (err ? reject(err) : resolve())));
    // A failed write surfaces at the next save; never as an unhandled rejection.
    this.lastJournalWrite.catch(() => undefined);
  }

  /**
   * Writes a checkpoint: the spools and the journal synced, then the checkpoint file replaced
   * atomically. `state` gives the check's, consistent with the walk's frontier, once the spools
   * are synced (syncing writes blocks, which spends the raw scratch budget).
   */
  async save(spools: { before: CheckSpool; scan: CheckSpool }, state: () => Pick<CheckpointBody, 'now' | 'tops' | 'partitions' | 'protectedDatasets' | 'queuedDeletions' | 'rawBytesLeft' | 'counters' | 'emptyPending' | 'frontier'>, dirsListed: number): Promise<void> {
    const before = await spools.before.sync();
    const scan = await spools.scan.sync();
    const journals = [...(this.resumed?.journals ?? [])];
    if (this.journal$) {
      await this.lastJournalWrite;
      await syncFile(join(this.dir, this.journalFile()));
      journals.push({ file: this.journalFile(), length: this.journal$.bytesWritten });
    }
    this.attempt.dirsListed = dirsListed;
    const body: CheckpointBody = { version: 1, fingerprint: this.fingerprint, writtenAt: Date.now(), ...state(), before, scan, journals, attempts: [...(this.resumed?.attempts ?? []), this.attempt] };
    await writeCheckpointFile(join(this.dir, CHECKPOINT), body);
    this.written++;
  }

  /** The summary's record, with this attempt's directories listed. */
  report(dirsListed: number): ResumeReport {
    const attempts = [...(this.resumed?.attempts ?? []), { ...this.attempt, dirsListed }];
    return { resumed: attempts.length - 1, attempts, checkpoints: this.written, ...(this.discarded ? { discarded: this.discarded } : {}) };
  }

  /** Closes the journal (the files stay for the next attempt). */
  close(): void {
    this.journal$?.destroy();
  }

  private journalFile(): string {
    return `journal-${this.tag}.jsonl`;
  }
}

/** Why a sound checkpoint cannot serve this run, or undefined when it can. */
function refusal(settings: CheckpointSettings, fingerprint: Record<string, string>, body: CheckpointBody): string | undefined {
  const ageSeconds = (Date.now() - body.writtenAt) / 1000;
  if (ageSeconds > settings.maxAgeSeconds) return `it was written ${(ageSeconds / 3600).toFixed(1)} h ago, longer than ResumeMaxAge (${(settings.maxAgeSeconds / 86400).toFixed(2)} days)`;
  for (const key of new Set([...Object.keys(fingerprint), ...Object.keys(body.fingerprint)])) {
    if (fingerprint[key] !== body.fingerprint[key]) return `it was written with ${key} ${body.fingerprint[key] ?? '(unset)'}, this run has ${fingerprint[key] ?? '(unset)'}`;
  }
  for (const seg of [...body.before.flat(), ...body.scan.flat(), ...body.journals]) {
    let size: number;
    try {
      size = statSync(join(settings.dir, seg.file)).size;
    } catch {
      size = -1;
    }
    if (size < seg.length) return `its file ${seg.file} is ${size < 0 ? 'gone' : `${size} bytes`}, the checkpoint counts ${seg.length}`;
  }
  return undefined;
}

/** The journals a checkpoint counts, read back, or why they cannot be. */
function readJournals(dir: string, body: CheckpointBody): JournalRecord[] | string {
  const out: JournalRecord[] = [];
  for (const j of body.journals) {
    const text = readFileSync(join(dir, j.file)).subarray(0, j.length).toString('utf8');
    const lines = text.split('\n');
    if (lines.pop() !== '') return `its journal ${j.file} does not end with a whole line at ${j.length} bytes`;
    for (let i = 0; i < lines.length; i++) {
      const r = parseRecord(lines[i]);
      if (!r) return `its journal ${j.file} line ${i + 1} is corrupt`;
      out.push(r);
    }
  }
  return out;
}

function parseRecord(line: string): JournalRecord | undefined {
  let a: unknown;
  try {
    a = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!Array.isArray(a) || typeof a[1] !== 'string') return undefined;
  const [k, lfn] = a as [unknown, string];
  if (k === 't' && a.length === 5 && typeof a[2] === 'number' && typeof a[3] === 'number' && typeof a[4] === 'boolean') return { kind: 'top', lfn, files: a[2], bytes: a[3], unlisted: a[4] };
  if (k === 'e' && a.length === 2) return { kind: 'empty', lfn };
  if (k === 'u' && a.length === 5 && typeof a[2] === 'string' && typeof a[3] === 'string' && typeof a[4] === 'number') return { kind: 'unlisted', lfn, code: a[2] as ErrorCode, message: a[3], attempts: a[4] };
  return undefined;
}

/**
 * The summary's line on resuming (terminal and run page), or undefined for a listing done in one
 * attempt with no checkpoint discarded.
 */
export function resumeText(r: ResumeReport | undefined): string | undefined {
  if (!r || (r.resumed === 0 && !r.discarded)) return undefined;
  const per = r.attempts.map((a) => `${a.runId !== undefined ? `run ${a.runId}` : a.startedAt}: ${a.dirsListed}`).join(', ');
  const resumed = r.resumed > 0 ? `resumed ${r.resumed} ${r.resumed === 1 ? 'time' : 'times'}; directories listed per attempt: ${per}` : 'not resumed';
  return r.discarded ? `${resumed} (${r.discarded})` : resumed;
}
