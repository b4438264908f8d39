/**
 * Issue 14 point 5: operators see the fleet. A distributed fleet as a user runs it (a Redis of the
 * test's own, a PostgreSQL history, two `worker` processes, the `daemon`) and the dashboard on a
 * real port: the fleet page, /api/fleet and /metrics show the running checks with their worker's
 * host, pid and progress, the jobs waiting, a failed job's error, a disabled site and a site whose
 * lock group is busy; the page renders in chromium without running a hostile site name; and with
 * Redis stopped the page still answers, within seconds, saying Redis is unreachable.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { chromium } from 'playwright-core';
import { loadConfig } from '../../../src/config/config-loader.ts';
import { removeTree } from '../../../src/demo/demo-site.ts';
import type { FleetView } from '../../../src/fleet/fleet-view.ts';
import { HistoryStore } from '../../../src/store/history-store.ts';
import { createWebServer } from '../../../src/web/web-server.ts';
import { createPostgresDatabase, type TestDatabase } from '../../servers/databases.ts';
import { RedisServer } from '../../servers/redis-server.ts';
import { makeSummary } from '../web/web-fixture.ts';
import { CliProcess, makePosixSite, startSlowDavSite, waitFor, writeFleetConfig } from './fleet-fixture.ts';

const SLOW = ['T1_AA_Slow', 'T1_BB_Slow'];
const GROUPED = 'T2_CC_Grouped';
const FAST = ['T2_DD_Fast', 'T2_EE_Fast'];
const DISABLED = 'T2_EV_Disabled';
/**
 * A job for a site no configuration knows (configured names are plain; a queue's or an inventory's
 * are not): it fails, with an error naming the site, whose name runs script if rendered unescaped.
 */
const BOGUS = 'T9_ZZ_<img src=x onerror="window.__pwned=1"><b>Unknown</b>';
const RETRIED = 'T9_YY_Retried';
/** Finished runs of a site outside the fleet, with known durations, for the histogram. */
const HISTORY_SITE = 'T9_XX_History';
const DURATIONS = [20, 400, 5000];
const QUEUE = `dc-view-${process.pid}-${randomBytes(3).toString('hex')}`;
const VERSION = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/web/', import.meta.url));

let root: string;
let redis: RedisServer;
let db: TestDatabase;
let dav: Awaited<ReturnType<typeof startSlowDavSite>>;
let store: HistoryStore;
let web: { app: FastifyInstance; close(): Promise<void> } | undefined;
let base: string;
const procs: CliProcess[] = [];

before(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install it with "apt-get install -y chromium" (scripts/setup-system.sh lists it)`);
  root = mkdtempSync(join(tmpdir(), 'dc-fleet-view-'));
  redis = await RedisServer.start(join(root, 'redis'));
  dav = await startSlowDavSite(root, SLOW);
  const sites: Record<string, unknown> = {};
  sites[SLOW[0]] = { Url: dav.url, NumThreads: 1, Timeout: 60, LockGroup: 'grp' };
  sites[SLOW[1]] = { Url: dav.url, NumThreads: 1, Timeout: 60 };
  sites[GROUPED] = { ...makePosixSite(root, GROUPED), LockGroup: 'grp' };
  for (const s of FAST) sites[s] = makePosixSite(root, s);
  sites[DISABLED] = { Url: 'file:///nonexistent/evil' };
  db = await createPostgresDatabase('dc_fleet_view');
  const cfg = writeFleetConfig(root, { CheckEvery: 24, MaxConcurrentChecks: 5, Sites: sites, History: { Url: db.url }, Queue: { Url: redis.url, Name: QUEUE, StallSeconds: 10 } });
  store = await HistoryStore.open(db.url);
  await store.states.set(DISABLED, 'disable', 'test');
  for (const [i, total] of DURATIONS.entries()) {
    const id = await store.runs.start(HISTORY_SITE, new Date(Date.now() - (3 - i) * 86400_000).toISOString());
    await store.runs.finish(id, 'done', { summary: makeSummary(HISTORY_SITE, id, { total }), gatesHeld: [] });
  }
  // The failing job first, so a worker takes it before the daemon's jobs.
  const q = new Queue(QUEUE, { connection: { host: '127.0.0.1', port: redis.port } });
  await q.add('check', { site: BOGUS, slot: 0, lockGroup: '' }, { jobId: 'bogus-job', attempts: 1 });
  // One with tries left: after its first failure it waits out its backoff, delayed (and, like any
  // job on the queue, takes one of the daemon's MaxConcurrentChecks: 4 are left for the sites).
  await q.add('check', { site: RETRIED, slot: 0, lockGroup: '' }, { jobId: 'retried-job', attempts: 3, backoff: { type: 'fixed', delay: 3_600_000 } });
  // A shard job without its URL and segments (no worker can list it): it fails on the shard queue.
  const sq = new Queue(`${QUEUE}-shards`, { connection: { host: '127.0.0.1', port: redis.port } });
  await sq.add('shard', { runId: 424242, site: BOGUS, shard: 1, shards: 3 }, { jobId: 'bogus-shard', attempts: 1 });
  procs.push(new CliProcess(['worker', '--config', cfg], root), new CliProcess(['worker', '--config', cfg], root));
  try {
    await waitFor('the bogus jobs to fail', async () => {
      const c = await q.getJobCounts('failed', 'delayed');
      return c.failed === 1 && c.delayed === 1 && (await sq.getJobCounts('failed')).failed === 1;
    }, 60_000);
  } catch (err) {
    throw new Error(`${(err as Error).message}; worker said: ${procs[0].stderr.slice(-3000)}`);
  } finally {
    await q.close();
    await sq.close();
  }
  procs.push(new CliProcess(['daemon', '--config', cfg], root));
  const config = loadConfig(cfg, {});
  const server = await createWebServer({ config, store });
  base = (await server.app.listen({ host: '127.0.0.1', port: 0 })).replace(/\/$/, '');
  web = { app: server.app, close: () => server.app.close() };
});

after(async () => {
  for (const p of procs) p.kill();
  await web?.close();
  await store?.close();
  await dav?.close();
  await redis?.stop();
  await db?.drop();
  if (root) removeTree(root);
});

const fleet = async () => (await (await fetch(`${base}/api/fleet`)).json()) as FleetView;
const workerIds = () => procs.slice(0, 2).map((p) => `${hostname()}:${p.pid}`);

describe('the fleet on the dashboard', () => {
  it('shows running checks with worker host, pid and progress, waiting and failed jobs, and why sites wait (/api/fleet)', async () => {
    // Both slow sites listing on the two workers, with progress from their heartbeats; the fast ones wait behind them.
    let seen: FleetView | undefined;
    const view = await waitFor('both slow checks to report listing progress', async () => {
      const v = (seen = await fleet());
      const active = v.queue?.jobs.filter((j) => j.state === 'active') ?? [];
      const listing = active.filter((j) => (j.progress as { phase?: string } | null)?.phase === 'listing');
      return listing.length === 2 && v.queue?.counts?.waiting === 2 ? v : undefined;
    }, 90_000, 500).catch(async (err: Error) => {
      const runs = await store.runs.collect(SLOW[0]);
      throw new Error(`${err.message}; last view: ${JSON.stringify({ queue: seen?.queue, running: seen?.running })}; runs of ${SLOW[0]}: ${JSON.stringify(runs.map((r) => [r.id, r.status, r.error, r.started_at, r.finished_at]))}; workers: ${procs.map((p) => p.stderr.split('\n').filter((l) => /check-|job/.test(l)).slice(0, 12).join('\n')).join('\n----\n')}`);
    });
    assert.equal(view.mode, 'distributed');
    assert.equal(view.queue?.reachable, true);
    assert.deepEqual(view.queue?.counts, { active: 2, waiting: 2, delayed: 1, failed: 1 });
    const delayed = view.queue!.jobs.filter((j) => j.state === 'delayed');
    assert.deepEqual(delayed.map((j) => [j.site, j.attempts]), [[RETRIED, 1]]);
    assert.ok(delayed[0].delayedUntil! > Date.now() + 3_000_000, 'its next try is an hour after the failure');
    const active = view.queue!.jobs.filter((j) => j.state === 'active');
    assert.deepEqual(active.map((j) => j.site).sort(), SLOW);
    for (const j of active) {
      assert.ok(workerIds().includes(j.worker ?? ''), `job ${j.id} names its worker (${j.worker})`);
      assert.equal(typeof j.runId, 'number');
      assert.ok((j.progress as { dirsListed: number }).dirsListed >= 0);
    }
    assert.notEqual(active[0].worker, active[1].worker, 'each worker runs one');
    assert.deepEqual(view.queue!.jobs.filter((j) => j.state === 'waiting').map((j) => j.site).sort(), FAST);
    const failed = view.queue!.jobs.filter((j) => j.state === 'failed');
    assert.equal(failed.length, 1);
    assert.equal(failed[0].site, BOGUS);
    assert.ok(failed[0].error?.includes(`no site "${BOGUS}"`), failed[0].error);
    // The shard queue: the failed shard job, with its run and part.
    const shards = view.queue!.shards!;
    assert.equal(shards.name, `${QUEUE}-shards`);
    assert.deepEqual(shards.counts, { active: 0, waiting: 0, delayed: 0, failed: 1 });
    assert.deepEqual(shards.jobs.map((j) => [j.id, j.state, j.site, j.runId, j.shard, j.shards]), [['bogus-shard', 'failed', BOGUS, 424242, 1, 3]]);
    assert.match(shards.jobs[0].error ?? '', /not a shard job/);

    // Members: the daemon and both workers, with their version and what each runs.
    assert.deepEqual(view.members.map((m) => m.role), ['daemon', 'worker', 'worker']);
    assert.equal(view.members[0].pid, procs[2].pid);
    for (const m of view.members) {
      assert.equal(m.version, VERSION);
      assert.equal(m.host, hostname());
      assert.equal(m.stale, false);
      assert.ok(m.heartbeatAgeSeconds < 30);
    }
    const workers = view.members.filter((m) => m.role === 'worker');
    assert.deepEqual(workers.map((m) => m.id).sort(), workerIds().sort());
    assert.deepEqual(workers.flatMap((m) => m.checks.map((c) => c.site)).sort(), SLOW);
    for (const m of workers) assert.equal(m.checks[0].runId, active.find((j) => j.worker === m.id)?.runId);
    assert.equal(view.running.length, 2);

    // Per site: the daemon's own plan says why each one waits.
    const site = (name: string) => view.sites.find((s) => s.site === name)!;
    assert.equal(site(DISABLED).activity, 'waiting');
    assert.equal(site(DISABLED).reason, 'disabled');
    assert.equal(site(GROUPED).activity, 'waiting');
    assert.equal(site(GROUPED).reason, 'lock group grp busy');
    for (const s of FAST) assert.deepEqual([site(s).activity, site(s).reason], ['queued', 'waiting on the queue for a worker']);
    for (const s of SLOW) {
      assert.equal(site(s).activity, 'running');
      assert.match(site(s).reason, new RegExp(`^running on ${hostname()}:\\d+ \\(run #\\d+\\)$`));
    }
    assert.equal(site(SLOW[0]).nextDueAt, null, 'never checked before: due at once');
  });

  it('renders the same on the fleet page, escaped, linked from the nav', async () => {
    const res = await fetch(`${base}/fleet`);
    assert.equal(res.status, 200);
    const html = await res.text();
    const view = await fleet();
    for (const j of view.queue!.jobs.filter((x) => x.state === 'active')) {
      const pid = j.worker!.split(':')[1];
      assert.match(html, new RegExp(`<tr data-job="${j.id}" data-site="${j.site}"><td><a [^>]+>${j.site}</a></td><td class="host">${hostname()}</td><td class="pid">${pid}</td><td><a href="/runs/${j.runId}">#${j.runId}</a></td><td><span class="progress">listing · `));
    }
    assert.match(html, /id="queue-counts"[^]*2 waiting[^]*2 running[^]*1 delayed[^]*1 failed/);
    assert.match(html, new RegExp(`id="shard-counts">Queue <code>${QUEUE}-shards</code>[^]*0 running[^]*1 failed`));
    assert.match(html, /id="shards-running-none">No shard running\./);
    assert.match(html, /<table id="shards-failed">[^]*?<tr data-job="bogus-shard" data-site="T9_ZZ_&lt;img[^"]*"><td><a [^>]+>T9_ZZ_&lt;img[^<]*<\/a><\/td><td><a href="\/runs\/424242">#424242<\/a><\/td><td class="num">2 of 3<\/td><td class="err">/);
    assert.match(html, /<tr data-job="retried-job" data-site="T9_YY_Retried" class="job-delayed"><td>[^]*?<\/td><td>delayed<\/td><td>backoff after 1 failed try, until \d{4}-/);
    for (const s of FAST) assert.match(html, new RegExp(`<tr data-job="[^"]+" data-site="${s}" class="job-waiting">`));
    assert.match(html, /<td class="err">[^<]*no site &quot;T9_ZZ_&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;&lt;b&gt;Unknown&lt;\/b&gt;&quot;/);
    assert.match(html, /data-site="T9_ZZ_&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;&lt;b&gt;Unknown&lt;\/b&gt;"><td><a href="\/sites\/T9_ZZ_%3Cimg%20src%3Dx%20onerror%3D%22window.__pwned%3D1%22%3E%3Cb%3EUnknown%3C%2Fb%3E">/);
    assert.match(html, /data-site="T2_EV_Disabled"[^]*?<td class="reason">disabled<\/td>/);
    assert.match(html, /data-site="T2_CC_Grouped"[^]*?<td class="reason">lock group grp busy<\/td>/);
    assert.ok(!html.includes('<img src=x'), 'no hostile markup reaches the page');
    assert.ok(!html.includes('<b>Unknown'), 'no hostile markup reaches the page');
    assert.match(html, /<nav><a href="\/">sites<\/a> <a href="\/fleet">fleet<\/a>/);
    assert.match(html, new RegExp(`<tr data-member="${hostname()}:${procs[0].pid}" class="live"><td>worker</td>`));
  });

  it('exports queue depth, running checks, heartbeat ages and check durations on /metrics', async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    const value = (series: string) => {
      const line = text.split('\n').find((l) => l.startsWith(`${series} `));
      assert.ok(line, `${series} in /metrics`);
      return Number(line.slice(series.length + 1));
    };
    assert.equal(value(`dc_fleet_queue_up{queue="${QUEUE}"}`), 1);
    assert.equal(value(`dc_fleet_queue_jobs{queue="${QUEUE}",state="active"}`), 2);
    assert.equal(value(`dc_fleet_queue_jobs{queue="${QUEUE}",state="waiting"}`), 2);
    assert.equal(value(`dc_fleet_queue_jobs{queue="${QUEUE}",state="delayed"}`), 1);
    assert.equal(value(`dc_fleet_queue_jobs{queue="${QUEUE}",state="failed"}`), 1);
    assert.equal(value(`dc_fleet_queue_jobs{queue="${QUEUE}-shards",state="failed"}`), 1);
    assert.equal(value(`dc_fleet_queue_jobs{queue="${QUEUE}-shards",state="active"}`), 0);
    assert.equal(value('dc_fleet_running_checks'), 2);
    for (const [role, p] of [['worker', procs[0]], ['worker', procs[1]], ['daemon', procs[2]]] as const) {
      const age = value(`dc_fleet_member_heartbeat_age_seconds{role="${role}",host="${hostname()}",pid="${p.pid}"}`);
      assert.ok(age >= 0 && age < 30, `${role} ${p.pid} heartbeat ${age} s old`);
    }
    // 20 s, 400 s and 5000 s, once each, however often it is scraped.
    const h = (le: string) => value(`dc_check_duration_seconds_bucket{site="${HISTORY_SITE}",le="${le}"}`);
    const again = await (await fetch(`${base}/metrics`)).text();
    assert.deepEqual([h('10'), h('30'), h('300'), h('900'), h('3600'), h('7200'), h('+Inf')], [0, 1, 1, 2, 2, 3, 3]);
    assert.equal(value(`dc_check_duration_seconds_count{site="${HISTORY_SITE}"}`), 3);
    assert.equal(value(`dc_check_duration_seconds_sum{site="${HISTORY_SITE}"}`), 5420);
    assert.equal(again.split('\n').filter((l) => l.includes(HISTORY_SITE)).join('\n'), text.split('\n').filter((l) => l.includes(HISTORY_SITE)).join('\n'));
  });

  it('renders in chromium without running the hostile names', async () => {
    const profile = mkdtempSync(join(tmpdir(), 'dc-fleet-chromium-'));
    const browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
    try {
      const page = browser.pages()[0] ?? (await browser.newPage());
      await page.goto(`${base}/`);
      await page.click('nav a[href="/fleet"]');
      await page.waitForURL(`${base}/fleet`);
      assert.equal(await page.locator('#queue-running tbody tr').count(), 2);
      assert.equal(await page.locator(`#fleet-sites tr[data-site="${DISABLED}"] td.reason`).innerText(), 'disabled');
      assert.ok((await page.locator('#queue-failed').innerText()).includes(`no site "${BOGUS}"`), 'the hostile name shows as text');
      assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
      assert.equal(await page.locator('main img, main b').count(), 0);
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'fleet.png'), fullPage: true });
    } finally {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });

  it('still answers within seconds with Redis stopped, saying Redis is unreachable', async () => {
    await redis.stop();
    let t = Date.now();
    const res = await fetch(`${base}/fleet`);
    const html = await res.text();
    const pageMs = Date.now() - t;
    assert.equal(res.status, 200);
    assert.match(html, /<p class="err" id="redis-unreachable">Redis unreachable: /);
    assert.ok(pageMs < 8000, `the page answered in ${pageMs} ms`);
    assert.match(html, /<td class="reason">lock group grp busy<\/td>|<td class="reason">disabled<\/td>/, 'the sites still come from the history');
    t = Date.now();
    const view = await fleet();
    assert.equal(view.queue?.reachable, false);
    assert.ok(Date.now() - t < 8000);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, new RegExp(`^dc_fleet_queue_up\\{queue="${QUEUE}"\\} 0$`, 'm'));
    assert.doesNotMatch(metrics, /^dc_fleet_queue_jobs\{/m);
    assert.match(metrics, /^dc_fleet_running_checks 2$/m);
  });
});
