/** The checkpoint file (issue 16 §2): written whole or not at all, and never trusted when torn or altered. */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCheckpointFile, writeCheckpointFile, type CheckpointBody } from '../../../src/check/check-checkpoint-file.ts';
import { ListingCheckpoints } from '../../../src/check/check-checkpoint.ts';

function body(over: Partial<CheckpointBody> = {}): CheckpointBody {
  return {
    version: 1,
    fingerprint: { Site: '"T2_TEST"', RootPath: '"/store"' },
    writtenAt: Date.now(),
    now: 1_800_000_000,
    tops: ['/store/mc', '/store/data'],
    partitions: 2,
    protectedDatasets: null,
    queuedDeletions: ['/A/B/C'],
    before: [[{ file: 'before-1-0.raw', length: 10, packed: false }], []],
    scan: [[], [{ file: 'scan-1-1', length: 20, packed: true }]],
    rawBytesLeft: 1000,
    journals: [{ file: 'journal-1.jsonl', length: 0 }],
    counters: { files: 3, bytes: 300, newFiles: 1, directories: 2, retries: 0 },
    emptyPending: ['/store/mc'],
    // A name that is not valid UTF-16 (a lone surrogate, as an undecodable byte can become) round-trips.
    frontier: { kind: 'dirs', dirsListed: 2, nodes: [{ lfn: '/store/mc', mtime: 5, parent: -1, listed: true, pending: 1, files: 3, bytes: 300, newestMtime: 5, unlistedBelow: false, isTop: true }, { lfn: '/store/mc/x\ud800\ny', mtime: 0, parent: 0, listed: false, pending: 1, files: 0, bytes: 0, newestMtime: 0, unlistedBelow: false, isTop: false }] },
    attempts: [{ runId: 7, startedAt: '2027-01-15T08:00:00.000Z', dirsListed: 2 }],
    ...over,
  };
}

describe('checkpoint file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dc-cpfile-'));
  const path = join(dir, 'checkpoint');
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads back what was written, names included, and leaves no temporary file', async () => {
    const b = body();
    await writeCheckpointFile(path, b);
    assert.deepEqual(readCheckpointFile(path), { body: b });
    assert.deepEqual(readdirSync(dir), ['checkpoint']);
    await writeCheckpointFile(path, body({ counters: { ...b.counters, files: 4 } }));
    const again = readCheckpointFile(path);
    assert.ok(again && 'body' in again && again.body.counters.files === 4, 'the newer one replaced it whole');
  });

  it('is absent when never written', () => {
    assert.equal(readCheckpointFile(join(dir, 'none')), undefined);
  });

  it('refuses a torn file (cut anywhere) with a message saying so', async () => {
    await writeCheckpointFile(path, body());
    const size = readFileSync(path).length;
    for (const cut of [0, 10, 90, size - 1]) {
      await writeCheckpointFile(path, body());
      truncateSync(path, cut);
      const r = readCheckpointFile(path);
      assert.ok(r && 'problem' in r, `cut at ${cut}`);
      assert.match(r.problem, /torn/, `cut at ${cut}`);
    }
  });

  it('refuses a file with one byte changed, another version, or a body that does not fit', async () => {
    await writeCheckpointFile(path, body());
    const data = readFileSync(path);
    const at = data.indexOf('"files":3');
    data[at + 8] = '4'.charCodeAt(0);
    writeFileSync(path, data);
    assert.deepEqual(readCheckpointFile(path), { problem: 'is corrupt: its checksum does not match its content' });

    writeFileSync(path, readFileSync(path, 'latin1').replace(' v1 ', ' v2 '), 'latin1');
    assert.match((readCheckpointFile(path) as { problem: string }).problem, /format v2/);

    await writeCheckpointFile(path, { ...body(), partitions: -1 });
    assert.match((readCheckpointFile(path) as { problem: string }).problem, /does not fit the checkpoint format at partitions/);

    await writeCheckpointFile(path, body({ scan: [[{ file: '../../etc/passwd', length: 1, packed: false }]] }));
    assert.match((readCheckpointFile(path) as { problem: string }).problem, /at scan\.0\.0\.file/);
  });

  it('a corrupt checkpoint found by a check is discarded with the reason, and the directory emptied', async () => {
    const cpDir = join(dir, 'site');
    mkdirSync(cpDir, { recursive: true });
    await writeCheckpointFile(join(cpDir, 'checkpoint'), body());
    truncateSync(join(cpDir, 'checkpoint'), 50);
    writeFileSync(join(cpDir, 'scan-1-1'), 'stale');
    const events: [string, Record<string, unknown>][] = [];
    const cp = ListingCheckpoints.open({ dir: cpDir, resume: true, everyDirs: 1, everySeconds: 1, maxAgeSeconds: 86400, log: (e, f) => events.push([e, f]) }, body().fingerprint, new Date().toISOString());
    assert.equal(cp.resumed, undefined);
    assert.match(cp.discarded ?? '', /a listing checkpoint was discarded, the listing starts afresh: the checkpoint .*checkpoint has no checkpoint header \(50 bytes\): torn/);
    assert.equal(events[0][0], 'checkpoint-discarded');
    assert.deepEqual(readdirSync(cpDir), []);
  });

  it('a sound checkpoint whose spool files are shorter than it counts is discarded', async () => {
    const cpDir = join(dir, 'short');
    mkdirSync(cpDir, { recursive: true });
    await writeCheckpointFile(join(cpDir, 'checkpoint'), body());
    writeFileSync(join(cpDir, 'before-1-0.raw'), '0123456789');
    writeFileSync(join(cpDir, 'scan-1-1'), 'short');
    writeFileSync(join(cpDir, 'journal-1.jsonl'), '');
    const cp = ListingCheckpoints.open({ dir: cpDir, resume: true, everyDirs: 1, everySeconds: 1, maxAgeSeconds: 86400 }, body().fingerprint, new Date().toISOString());
    assert.equal(cp.resumed, undefined);
    assert.match(cp.discarded ?? '', /its file scan-1-1 is 5 bytes, the checkpoint counts 20/);
  });
});
