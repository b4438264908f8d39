/**
 * Issue 15, as an operator runs it: the daemon cleans the unmerged area of the sites in `Unmerged`
 * when started with `--unmerged` (and `--more-logs`), in its own process or on `worker` processes
 * through the queue (the phases travel in each job); without the flag nothing is cleaned. Real
 * xrootd site, protected list over https from a real nginx with client certificates, real Redis and
 * PostgreSQL for the distributed fleet.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { runCli } from '../../helpers/run-cli.ts';
import { createPostgresDatabase, type TestDatabase } from '../../servers/databases.ts';
import { CliProcess, collectRunRows, waitFor } from '../fleet/fleet-fixture.ts';
import { EXPECTED, makeCase, plantTree, SITE, TREE, startUnmergedEnv, type UnmergedCase, type UnmergedEnv } from './unmerged-site.ts';

const U = '/store/unmerged';
const MORE_LOG = '/store/logs/prod/recent/r.tar.gz';
const QUEUE = `dc-test-unmerged-${process.pid}-${randomBytes(3).toString('hex')}`;
const REDIS = 'redis://127.0.0.1:6379/0';
const lines = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean) : undefined);

describe('the daemon and its workers run the unmerged phase (issue 15)', () => {
  let env: UnmergedEnv;
  const closers: (() => Promise<void>)[] = [];
  const procs: CliProcess[] = [];

  before(async () => {
    env = await startUnmergedEnv('dctest-unmerged-fleet-', closers);
  });
  after(async () => {
    for (const p of procs) p.kill();
    for (const c of closers.reverse()) await c().catch(() => undefined);
  });

  /** Which planted files are still on the storage. */
  const surviving = () => Object.keys(TREE.files).filter((l) => existsSync(env.dataDir + l)).sort();

  /** Runs the CLI processes until the site's first run has ended; returns that run's status and summary. */
  async function firstRun(c: UnmergedCase, commands: string[][]): Promise<{ status: string; summary: Record<string, unknown>; procs: CliProcess[] }> {
    const mine = commands.map((args) => new CliProcess([...args, '--config', c.configFile], c.dir));
    procs.push(...mine);
    const ended = await waitFor('the site\'s first run to end', async () => (await collectRunRows(c.config.historyUrl)).find((r) => r.site === SITE && r.status !== 'running'), 90_000, 300);
    for (const p of [...mine].reverse()) {
      const s = await p.stop('SIGTERM');
      assert.equal(s.code, 0, p.stderr.slice(-3000));
    }
    const run = await c.store.runs.get(ended.id);
    assert.equal(ended.status, 'done', `${ended.error}\n${mine.map((p) => p.stderr.slice(-2000)).join('\n')}`);
    return { status: ended.status, summary: JSON.parse(run!.summary!) as Record<string, unknown>, procs: mine };
  }

  it('an embedded daemon without --unmerged only checks; with it, cleans the area of a sharded site', async () => {
    plantTree(env.dataDir);
    const plain = await makeCase(env, {}, { CheckEvery: 24 });
    try {
      const r = await firstRun(plain, [['daemon']]);
      assert.equal(r.summary.unmerged, undefined, 'no unmerged phase without --unmerged');
      assert.equal(lines(join(plain.dir, 'var', `${SITE}_unmerged.txt`)), undefined);
      assert.equal(surviving().length, Object.keys(TREE.files).length);
    } finally {
      await plain.close();
    }

    // A sharded site: the check's listing is done in shards; the unmerged phase lists its own area.
    plantTree(env.dataDir);
    const c = await makeCase(env, { Shards: 2 }, { CheckEvery: 24 });
    try {
      const r = await firstRun(c, [['daemon', '--unmerged']]);
      assert.deepEqual(r.procs[0]!.events('daemon-start')[0]?.unmerged, true);
      const u = r.summary.unmerged as { refused?: string; cleaned: number; deleted: { files: number; directories: number } };
      assert.equal(u.refused, undefined, JSON.stringify(u));
      assert.deepEqual(lines(join(c.dir, 'var', `${SITE}_unmerged.txt`)), EXPECTED.list);
      assert.equal(u.deleted.files, EXPECTED.list.length);
      assert.equal(u.deleted.directories, EXPECTED.dirs.length);
      const gone = new Set(EXPECTED.list);
      assert.deepEqual(surviving(), Object.keys(TREE.files).filter((l) => !gone.has(l)).sort());
      for (const k of EXPECTED.kept) assert.ok(existsSync(env.dataDir + k), `${k} kept`);
      assert.ok(existsSync(env.dataDir + MORE_LOG), 'AdditionalLogDeletions only with --more-logs');
    } finally {
      await c.close();
    }
  });

  it('a distributed daemon with --unmerged --more-logs has its worker clean the area, and refuses --more-logs alone', async () => {
    const bad = await runCli(['daemon', '--more-logs', '--config', '/nonexistent.json'], { cwd: env.work });
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /--more-logs.*--unmerged/);

    let db: TestDatabase | undefined;
    let c: UnmergedCase | undefined;
    try {
      db = await createPostgresDatabase('dc_unmerged_fleet');
      plantTree(env.dataDir);
      c = await makeCase(env, {}, { CheckEvery: 24, History: { Url: db.url }, Queue: { Url: REDIS, Name: QUEUE, StallSeconds: 5 } });
      const r = await firstRun(c, [['worker'], ['daemon', '--unmerged', '--more-logs']]);
      const job = r.procs[0]!.events('check-job')[0];
      assert.equal(job?.unmerged, true, 'the job carries the phase');
      assert.equal(job?.moreLogs, true);
      const u = r.summary.unmerged as { deleted: { files: number; logArchives: number } };
      assert.deepEqual(lines(join(c.dir, 'var', `${SITE}_unmerged.txt`)), [...EXPECTED.list, MORE_LOG].sort());
      assert.equal(u.deleted.files, EXPECTED.list.length + 1);
      assert.equal(u.deleted.logArchives, 2);
      assert.ok(!existsSync(env.dataDir + MORE_LOG));
      assert.ok(!existsSync(env.dataDir + `${U}/Era2/PrimC/AODSIM/procC/0000/c.root`));
      assert.ok(existsSync(env.dataDir + `${U}/Era1/PrimB/RAW/procB/0000/prot.root`), 'protected survives');
    } finally {
      await c?.close();
      const q = new Queue(QUEUE, { connection: { host: '127.0.0.1', port: 6379 } });
      await q.obliterate({ force: true }).catch(() => undefined);
      await q.close();
      await db?.drop();
    }
  });
});
