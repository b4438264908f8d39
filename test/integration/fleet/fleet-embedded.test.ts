/**
 * Issue 14 points 1 and 2, as a user runs it: `daemon` with no Queue checks every site in its own
 * process once per CheckEvery (fractions of an hour here, so a cycle is 7.2 s), oldest first,
 * within MaxConcurrentChecks and one check per lock group, skips a site the readiness feed calls
 * not ready (saying why), exits 0 on SIGTERM, and when started again goes on from the history.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeTree } from '../../../src/demo/demo-site.ts';
import { startDelayProxy } from '../../servers/delay-proxy.ts';
import { startNginx } from '../../servers/nginx-server.ts';
import { cadenceProblems, CliProcess, collectRunRows, makePosixSite, waitFor, writeFleetConfig, type RunRow } from './fleet-fixture.ts';

const CYCLE = 7.2; // CheckEvery 0.002 hours
const SITES = ['T2_AA_One', 'T2_BB_Two', 'T2_CC_Three', 'T2_DD_Down'];
const GROUP = ['T2_BB_Two', 'T2_CC_Three'];

let root: string;
let cfg: string;
let feed: Server;
const procs: CliProcess[] = [];

async function runs(dir = root): Promise<RunRow[]> {
  return collectRunRows(`sqlite:${join(dir, 'var', 'history.sqlite')}`);
}

const sleep = (s: number) => new Promise((r) => setTimeout(r, s * 1000));

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'dc-fleet-emb-'));
  feed = createServer((_req, res) => res.end(JSON.stringify({ T2_DD_Down: { ready: false, reason: 'scheduled downtime' }, T2_AA_One: true })));
  await new Promise<void>((r) => feed.listen(0, '127.0.0.1', r));
  const port = (feed.address() as { port: number }).port;
  const sites: Record<string, unknown> = {};
  for (const s of SITES) sites[s] = { ...makePosixSite(root, s), ...(GROUP.includes(s) ? { LockGroup: 'gfal' } : {}) };
  cfg = writeFleetConfig(root, { CheckEvery: 0.002, MaxConcurrentChecks: 2, ReadinessUrl: `http://127.0.0.1:${port}/status.json`, Sites: sites, History: { Url: 'sqlite:var/history.sqlite' } });
});

after(async () => {
  for (const p of procs) p.kill();
  await new Promise((r) => feed.close(r));
  removeTree(root);
});

describe('the embedded daemon', () => {
  it('checks each ready site once per cycle, one per lock group, and exits 0 on SIGTERM', async () => {
    const daemon = new CliProcess(['daemon', '--config', cfg], root);
    procs.push(daemon);
    const t0 = Date.now();
    await sleep(2.5 * CYCLE);
    // On a loaded machine the lock group's one-at-a-time checks can run late: wait for two each.
    await waitFor('every ready site to be checked twice', async () => {
      const rows = await runs();
      return SITES.filter((s) => s !== 'T2_DD_Down').every((site) => rows.filter((r) => r.site === site).length >= 2);
    }, 60_000, 500);
    const cycles = (Date.now() - t0) / 1000 / CYCLE;
    const stopped = await daemon.stop('SIGTERM');
    assert.equal(stopped.code, 0, daemon.stderr.slice(-3000));
    assert.ok(stopped.ms < 15_000, `exited ${stopped.ms} ms after SIGTERM`);
    const all = await runs();
    for (const site of SITES.filter((s) => s !== 'T2_DD_Down')) {
      const mine = all.filter((r) => r.site === site);
      assert.ok(mine.length >= 2 && mine.length <= Math.floor(cycles) + 1, `${site}: ${mine.length} runs in ${cycles.toFixed(2)} cycles`);
      // Only a check running at the SIGTERM may be halted.
      assert.ok(mine.slice(0, -1).every((r) => r.status === 'done') && ['done', 'halted'].includes(mine.at(-1)!.status), `${site}: ${JSON.stringify(mine)}`);
      assert.deepEqual(cadenceProblems(mine.filter((r) => r.status === 'done'), CYCLE), []);
    }
    assert.equal(all.filter((r) => r.site === 'T2_DD_Down').length, 0, 'a site the feed calls not ready is never checked');
    const waiting = daemon.events('site-waiting').filter((e) => e.site === 'T2_DD_Down');
    assert.equal(waiting[0]?.reason, 'not ready: scheduled downtime', 'the reason is logged');
    const group = all.filter((r) => GROUP.includes(r.site)).sort((a, b) => a.start - b.start);
    for (let i = 1; i < group.length; i++) assert.ok(group[i].start >= group[i - 1].end, `lock group gfal ran ${group[i - 1].site} and ${group[i].site} at once`);
    const atOnce = Math.max(...all.map((r) => all.filter((o) => o.start <= r.start && r.start < o.end).length));
    assert.ok(atOnce <= 2, `${atOnce} checks at once over MaxConcurrentChecks 2`);
  });

  it('goes on from the history when started again: no site checked before its cadence', async () => {
    const before = await runs();
    const daemon = new CliProcess(['daemon', '--config', cfg], root);
    procs.push(daemon);
    await sleep(1.5 * CYCLE);
    const stopped = await daemon.stop('SIGTERM');
    assert.equal(stopped.code, 0, daemon.stderr.slice(-3000));
    const all = await runs();
    assert.ok(all.length > before.length, 'the restarted daemon checks the sites that fall due');
    for (const site of SITES.filter((s) => s !== 'T2_DD_Down')) {
      const mine = all.filter((r) => r.site === site);
      assert.ok(mine.length > before.filter((r) => r.site === site).length, `${site} checked again after the restart`);
      assert.deepEqual(cadenceProblems(mine.filter((r) => r.status === 'done'), CYCLE), [], 'the cadence holds across the restart');
    }
  });
});

describe('the embedded daemon stopped in the middle of a check', () => {
  it('halts the check on SIGTERM, exits 0, and checks the site again when started again', async () => {
    // One slow WebDAV site (nginx behind a 600 ms round trip, 30 directories listed one at a time).
    const dir = join(root, 'slow');
    const data = join(dir, 'dav');
    const lines: string[] = [];
    for (let i = 0; i < 30; i++) {
      const lfn = `/store/mc/d${String(i).padStart(2, '0')}/f.root`;
      mkdirSync(join(data, lfn, '..'), { recursive: true });
      writeFileSync(data + lfn, 'x');
      lines.push(`${lfn} 1`);
    }
    for (const d of [root, dir, data]) chmodSync(d, 0o755); // nginx workers run as nobody
    mkdirSync(join(dir, 'inv'));
    writeFileSync(join(dir, 'inv', 'T2_ZZ_Slow.txt'), lines.join('\n') + '\n');
    const nginx = await startNginx({ dataDir: data });
    const proxy = await startDelayProxy({ targetHost: '127.0.0.1', targetPort: Number(new URL(nginx.httpUrl).port), rttMs: 600 });
    try {
      const slowCfg = writeFleetConfig(dir, { Sites: { T2_ZZ_Slow: { Url: `http://127.0.0.1:${proxy.port}/`, NumThreads: 1, Timeout: 60 } } });
      for (const round of [1, 2]) {
        const daemon = new CliProcess(['daemon', '--config', slowCfg], dir);
        procs.push(daemon);
        await waitFor(`run ${round} to be running`, async () => (await runs(dir)).length === round && (await runs(dir))[round - 1].status === 'running', 30_000);
        await sleep(1);
        const stopped = await daemon.stop('SIGTERM');
        assert.equal(stopped.code, 0, daemon.stderr.slice(-3000));
        assert.ok(stopped.ms < 15_000, `exited ${stopped.ms} ms after SIGTERM`);
      }
      const all = await runs(dir);
      assert.deepEqual(all.map((r) => r.status), ['halted', 'halted'], 'the check stopped by SIGTERM took no turn: the next daemon ran it again at once');
    } finally {
      await proxy.close();
      await nginx.stop();
    }
  });
});
