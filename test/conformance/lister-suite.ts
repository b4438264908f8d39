/**
 * The one conformance suite every lister runs (issue 4), rclone-fstest style: the same fixture tree,
 * served by the real backend, must come back identical through the walker. A backend that cannot
 * meet a point declares a gap with its reason; the case then asserts the declared behaviour, so a
 * gap that silently changes (fixed, or worse) fails the run.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Lister } from '../../src/listers/lister.ts';
import { walk, type WalkEvent } from '../../src/listers/walker.ts';
import { DcError } from '../../src/core/errors.ts';
import { writeListerFixture, type FixtureListing, type FixtureOptions } from './lister-fixture.ts';
import { collectWalk, handleCounts, waitFor } from './lister-suite-helpers.ts';
import { compareWalk } from './lister-suite-compare.ts';

/** Points a backend may be unable to meet; each names the behaviour asserted instead. */
export type GapKey =
  /** No way to make a directory unreadable: `forbidden` is absent and /locked lists like any other. */
  | 'forbiddenDirectory'
  /** A missing directory lists as empty (S3 prefixes): listDir yields nothing and completes. */
  | 'missingDirectory'
  /** Empty directories cannot exist (S3): they are absent from the walk. */
  | 'emptyDirectories'
  /** Directories carry no real mtime: directory mtimes are only checked to be finite and ≥ 0. */
  | 'directoryMtimes'
  /** File mtimes cannot be set (upload time): they lie between the fixture write and now. */
  | 'fileMtimes'
  /** The backend folds names to NFC: the NFD twins collapse onto their NFC form. */
  | 'unicodeNormalization'
  /**
   * Names of 255 bytes (NAME_MAX) come back cut short: they are absent under their real name, a
   * truncated twin may appear instead (a truncated directory is unlisted), nothing else differs.
   */
  | 'longNames'
  /** The server cannot address a path holding `?` or `#`: such a directory is unlisted with NOT_FOUND. */
  | 'unaddressableNames'
  /**
   * A name the server sends as invalid UTF-8 (a 255-byte multi-byte name cut mid-character, or a
   * name that is not UTF-8 on the storage) breaks the client: the directory holding it is unlisted
   * with PROTOCOL or IO, its subtree left out — never listed without the name.
   */
  | 'undecodableNames'
  /**
   * Names that are not UTF-8 cannot exist on the backend (S3 keys are UTF-8 by the API): the
   * fixture's /bytes entries are not stored, so they are absent from the walk.
   */
  | 'rawByteNames';

export interface ConformanceContext {
  /** Local directory holding the fixture (mode 0755, readable by servers that drop privileges). */
  fixtureDir: string;
  expected: FixtureListing;
}

export interface ConformanceTarget {
  lister: Lister;
  /** Storage path of the fixture root as the lister sees it. */
  root: string;
  /** Storage path of a directory the backend refuses to list (normally `root + expected.lockedDir`). */
  forbidden?: string;
  /** Backend mtime precision in seconds (default 1; gfal reports minutes). */
  mtimeToleranceSeconds?: number;
  /** Server-side count of open client connections, when the server can tell. */
  openConnections?: () => Promise<number>;
  teardown(): Promise<void>;
}

export interface ConformanceOptions {
  fixture?: FixtureOptions;
  /** Listings in flight during the walk (default 4). */
  concurrency?: number;
}

const WALK = { retries: 1, timeoutMs: 30_000, retryDelayMs: 10 };
/** How long an abort may take to surface, and connections to go away after close(). */
const PROMPT_MS = 3_000;

export function runListerConformance(
  name: string,
  setup: (ctx: ConformanceContext) => Promise<ConformanceTarget>,
  gaps: Partial<Record<GapKey, string>> = {},
  options: ConformanceOptions = {},
): void {
  describe(`lister conformance: ${name}`, () => {
    let fixtureDir = '';
    let expected: FixtureListing;
    let target: ConformanceTarget | undefined;
    let fixtureWrittenAt = 0;
    let baseline = new Map<string, number>();
    const concurrency = options.concurrency ?? 4;
    const t = () => {
      assert.ok(target, 'setup failed; see the before() hook error');
      return target;
    };
    const walkAll = (tops: string[], signal?: AbortSignal) => walk(t().lister, { tops, concurrency, signal, ...WALK });

    before(async () => {
      fixtureDir = await mkdtemp(join(tmpdir(), 'dc-conf-'));
      await chmod(fixtureDir, 0o755);
      fixtureWrittenAt = Math.floor(Date.now() / 1000) - 1;
      expected = await writeListerFixture(join(fixtureDir, 'fixture'), options.fixture);
      target = await setup({ fixtureDir: join(fixtureDir, 'fixture'), expected });
      // After setup: a server the setup spawned is not the lister's; a lister connects lazily.
      baseline = handleCounts();
      if (gaps.forbiddenDirectory !== undefined) {
        assert.equal(target.forbidden, undefined, `gap forbiddenDirectory declared (${gaps.forbiddenDirectory}) but setup returned a forbidden dir`);
      } else {
        assert.ok(target.forbidden, 'setup must return `forbidden` or declare the forbiddenDirectory gap');
      }
    });

    after(async () => {
      try {
        await target?.teardown();
      } finally {
        await chmod(join(fixtureDir, 'fixture', 'locked'), 0o755).catch(() => undefined);
        await rm(fixtureDir, { recursive: true, force: true });
      }
    });

    it('walks the fixture: every file with its size and mtime, every directory', async () => {
      const { root, forbidden } = t();
      const got = await collectWalk(walkAll([root]));
      compareWalk({ got, expected, root, forbidden, gaps, tol: t().mtimeToleranceSeconds ?? 1, writtenAt: fixtureWrittenAt });
    });

    it('lists the big directory completely, in batches', async () => {
      const batches: number[] = [];
      const names = new Set<string>();
      for await (const batch of t().lister.listDir(t().root + expected.bigDir, new AbortController().signal)) {
        batches.push(batch.length);
        for (const e of batch) names.add(e.name);
      }
      assert.equal(names.size, expected.bigDirEntries, `entries in ${expected.bigDir} (batches: ${batches.join(',')})`);
      assert.ok(names.has('sub'));
    });

    it('reports a missing directory as NOT_FOUND', async () => {
      const path = t().root + expected.missingDir;
      const run = async () => {
        const seen = [];
        for await (const batch of t().lister.listDir(path, new AbortController().signal)) seen.push(...batch);
        return seen;
      };
      if (gaps.missingDirectory !== undefined) {
        assert.deepEqual(await run(), [], `declared gap missingDirectory: ${gaps.missingDirectory}`);
        return;
      }
      await assert.rejects(run(), (err: unknown) => err instanceof DcError && err.code === 'NOT_FOUND');
      const got = await collectWalk(walkAll([path]));
      assert.deepEqual(got.unlisted.map((u) => [u.lfn, u.code]), [[path, 'NOT_FOUND']], 'a missing top directory is unlisted');
      assert.equal(got.files.length, 0);
    });

    it('reports a forbidden directory unlisted while its siblings complete', async () => {
      const { root, forbidden } = t();
      const lockedPath = root + expected.lockedDir;
      if (forbidden === undefined) {
        const got = await collectWalk(walkAll([lockedPath]));
        assert.deepEqual(got.unlisted, [], `declared gap forbiddenDirectory: ${gaps.forbiddenDirectory}; /locked lists normally`);
        assert.equal(got.files.length, [...expected.files.keys()].filter((k) => k.startsWith(expected.lockedDir + '/')).length);
        return;
      }
      const drain = async () => {
        for await (const _ of t().lister.listDir(forbidden, new AbortController().signal));
      };
      await assert.rejects(drain(), (err: unknown) => err instanceof DcError && err.code === 'PERMISSION');
      const got = await collectWalk(walkAll([root + '/a', forbidden, root + expected.bigDir]));
      assert.deepEqual(got.unlisted.map((u) => u.lfn), [forbidden]);
      const wantSiblings = [...expected.files.keys()].filter((k) => k.startsWith('/a/') || k.startsWith(expected.bigDir + '/')).length;
      assert.equal(got.files.length, wantSiblings, 'siblings of the forbidden directory list completely');
      const lockedSummary = got.dirs.find((d) => d.lfn === forbidden);
      assert.ok(lockedSummary?.unlistedBelow, 'the forbidden directory closes as unlisted');
    });

    it('throws ABORTED promptly when aborted before or during a listing', async () => {
      const { lister, root } = t();
      const early = new AbortController();
      const it1 = lister.listDir(root + expected.bigDir, early.signal)[Symbol.asyncIterator]();
      const first = it1.next();
      early.abort();
      await assert.rejects(first, (err: unknown) => err instanceof DcError && err.code === 'ABORTED', 'aborted before the first batch');
      await it1.return?.();

      const mid = new AbortController();
      const it2 = lister.listDir(root + expected.bigDir, mid.signal)[Symbol.asyncIterator]();
      const r = await it2.next();
      assert.equal(r.done, false);
      mid.abort();
      const t0 = Date.now();
      const rest = (async () => {
        for (let x = await it2.next(); !x.done; x = await it2.next());
      })();
      if (r.value.length < expected.bigDirEntries) {
        await assert.rejects(rest, (err: unknown) => err instanceof DcError && err.code === 'ABORTED', 'aborted mid-listing');
      } else {
        // The whole directory came in one batch: nothing is left to interrupt; it must end or throw ABORTED.
        await rest.catch((err: unknown) => assert.ok(err instanceof DcError && err.code === 'ABORTED', String(err)));
      }
      assert.ok(Date.now() - t0 < PROMPT_MS, `abort took ${Date.now() - t0} ms`);

      const walkAbort = new AbortController();
      const t1 = Date.now();
      await assert.rejects(
        (async () => {
          for await (const ev of walkAll([root], walkAbort.signal)) if (ev.type === 'files') walkAbort.abort();
        })(),
        (err: unknown) => err instanceof DcError && err.code === 'ABORTED',
      );
      assert.ok(Date.now() - t1 < 10_000 + PROMPT_MS);

      // The lister stays usable after aborted requests (no poisoned connection).
      const again = await collectWalk(walkAll([root + '/a']));
      assert.equal(again.files.length, [...expected.files.keys()].filter((k) => k.startsWith('/a/')).length);
    });

    if (typeof process.getActiveResourcesInfo === 'function') {
      it('releases every connection and process when the walk stops early and the lister closes', async () => {
        const { lister, root, openConnections } = t();
        const events: WalkEvent[] = [];
        for await (const ev of walkAll([root])) {
          events.push(ev);
          if (ev.type === 'files') break;
        }
        assert.ok(events.length > 0);
        await lister.close();
        await lister.close(); // idempotent
        await waitFor(PROMPT_MS, () => {
          const now = handleCounts();
          const leaked = [...now].filter(([k, v]) => v > (baseline.get(k) ?? 0));
          return leaked.length === 0 ? undefined : `handles left open after close(): ${JSON.stringify(leaked)}`;
        });
        if (openConnections) {
          let n = -1;
          await waitFor(PROMPT_MS, async () => ((n = await openConnections()) === 0 ? undefined : `server still sees ${n} connections`));
        }
      });
    }
  });
}
