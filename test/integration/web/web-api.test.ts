import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createWebFixture, SITES, type WebFixture } from './web-fixture.ts';
import { DEMO_SITE } from '../../../src/demo/demo-site.ts';
import type { SiteRow } from '../../../src/web/web-site-rows.ts';

describe('dashboard HTTP API (read-only server)', () => {
  let fx: WebFixture;
  before(async () => {
    fx = await createWebFixture();
  });
  after(async () => {
    await fx?.close();
  });

  const get = (url: string) => fx.app.inject({ method: 'GET', url });

  it('lists every site with the numbers of its latest finished run', async () => {
    const res = await get('/api/sites');
    assert.equal(res.statusCode, 200);
    const rows = (res.json() as { sites: SiteRow[] }).sites;
    assert.deepEqual(rows.map((r) => r.site).sort(), Object.values(SITES).sort());
    const demo = rows.find((r) => r.site === DEMO_SITE)!;
    assert.equal(demo.missing, 4);
    assert.equal(demo.orphan, 3, 'two planted orphans and the one named with markup');
    assert.equal(demo.sizeMismatch, 2);
    assert.equal(demo.empty, 3);
    assert.equal(demo.unlisted, 1);
    assert.equal(demo.doneRunId, fx.runIds[DEMO_SITE][1]);
    assert.ok(demo.downloads.missing?.startsWith(`/files/${DEMO_SITE}/`));
  });

  it('colours rows as the seed did and shows the progress of a running check', async () => {
    const rows = new Map(((await get('/api/sites')).json() as { sites: SiteRow[] }).sites.map((r) => [r.site, r]));
    assert.equal(rows.get(SITES.running)!.colour, 'running');
    assert.equal(rows.get(SITES.running)!.running!.progress!.dirsListed, 1234);
    assert.equal(rows.get(SITES.halted)!.colour, 'stopped');
    assert.equal(rows.get(SITES.alert)!.colour, 'alert');
    assert.deepEqual(rows.get(SITES.alert)!.gatesHeld, ['MaxMissing']);
    assert.equal(rows.get(SITES.failed)!.colour, 'alert');
    assert.equal(rows.get(SITES.never)!.colour, 'queued');
    assert.equal(rows.get(DEMO_SITE)!.colour, 'plain', 'held only by dry mode: nothing wrong');
  });

  it('orders by attention: failed, held by a gate, overdue, then halted and running', async () => {
    const html = (await get('/?order=attention')).body;
    const order = [...html.matchAll(/<tr class="c-[a-z-]+" data-site="([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(order.slice(0, 3), [SITES.failed, SITES.alert, SITES.never]);
    assert.ok(order.indexOf(SITES.halted) < order.indexOf(SITES.running));
  });

  it('filters the summary by mode tab', async () => {
    await fx.store.states.set(SITES.evil, 'act', 'test');
    try {
      const act = (await get('/?tab=act')).body;
      assert.deepEqual([...act.matchAll(/data-site="([^"]+)"/g)].map((m) => m[1]), [SITES.evil]);
      const dry = (await get('/?tab=dry')).body;
      assert.ok(!dry.includes(`data-site="${SITES.evil}"`));
    } finally {
      await fx.store.states.set(SITES.evil, 'dry', 'test');
    }
  });

  it('gives a site its runs and draws its charts from them', async () => {
    const api = (await get(`/api/sites/${SITES.alert}`)).json() as { runs: { id: number; missing: number }[]; state: { status: string } };
    assert.equal(api.runs.length, 10);
    assert.equal(api.runs[0].missing, 4000);
    const html = (await get(`/sites/${SITES.alert}`)).body;
    assert.equal([...html.matchAll(/<svg [^>]*data-points="10"/g)].length, 6, 'six charts of ten runs');
    assert.match(html, /<polyline class="series" fill="none" points="[0-9., ]+"/);
    assert.match(html, /Read-only/);
  });

  it('answers 404 for an unknown site, run or list', async () => {
    assert.equal((await get('/api/sites/T9_NO_Such')).statusCode, 404);
    assert.equal((await get('/sites/T9_NO_Such')).statusCode, 404);
    assert.equal((await get('/api/runs/999999')).statusCode, 404);
    assert.equal((await get('/runs/abc')).statusCode, 404);
    assert.equal((await get(`/api/runs/${fx.runIds[DEMO_SITE][1]}/lists/storage`)).statusCode, 404);
  });

  it('shows a run with timings, gates, unlisted directories and the lists it wrote', async () => {
    const [first, second] = fx.runIds[DEMO_SITE];
    const run = (await get(`/api/runs/${second}`)).json() as { summary: { timings: { total: number }; unlisted: { dirs: { code: string }[] } }; lists: Record<string, unknown>; listsOfRun: number };
    assert.ok(run.summary.timings.total > 0);
    assert.equal(run.summary.unlisted.dirs.length, 1);
    assert.equal(run.listsOfRun, second);
    for (const k of ['missing', 'orphan', 'sizeMismatch', 'unlisted', 'empty', 'missingDatasets', 'storage', 'summary']) assert.ok(run.lists[k], `list ${k}`);
    const html = (await get(`/runs/${second}`)).body;
    assert.match(html, /id="timings"/);
    assert.match(html, /DryMode/);
    assert.match(html, /ENAMETOOLONG|NOT_FOUND|IO|PERMISSION/);
    const older = (await get(`/api/runs/${first}`)).json() as { lists: Record<string, unknown>; listsOfRun: number };
    assert.deepEqual(older.lists, {});
    assert.equal(older.listsOfRun, second);
    assert.match((await get(`/runs/${first}`)).body, /replaced by those of/);
  });

  it('browses a list as a directory tree with counts', async () => {
    const id = fx.runIds[DEMO_SITE][1];
    const top = (await get(`/api/runs/${id}/lists/missing`)).json() as { total: number; children: { name: string; count: number }[] };
    assert.equal(top.total, 4);
    assert.deepEqual(top.children.map((c) => c.name), ['store']);
    const mc = (await get(`/api/runs/${id}/lists/missing?dir=/store`)).json() as { below: number; children: { name: string; count: number }[] };
    assert.equal(mc.below, 4);
    assert.equal(mc.children.reduce((a, c) => a + c.count, 0), 4);
    const page = (await get(`/runs/${id}/lists/orphan?dir=${encodeURIComponent('/store/mc')}`)).body;
    assert.match(page, /id="crumbs"/);
    assert.match(page, /RunIIFall17\/<\/a>/);
  });

  it('serves the run log as plain text', async () => {
    const res = await get(`/runs/${fx.runIds[SITES.evil][0]}/log`);
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /^text\/plain/);
    // A real check writes its own run log.
    const demo = await get(`/runs/${fx.runIds[DEMO_SITE][0]}/log`);
    assert.equal(demo.statusCode, 200);
    assert.match(demo.body, /"event":"check-start"/);
    assert.equal((await get('/runs/999999/log')).statusCode, 404);
  });

  it('exports Prometheus gauges of the last runs, run times and listing errors', async () => {
    const res = await get('/metrics');
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /text\/plain/);
    const m = res.body;
    assert.match(m, new RegExp(`dc_site_last_run_missing\\{site="${DEMO_SITE}"\\} 4\\n`));
    assert.match(m, new RegExp(`dc_site_last_run_missing\\{site="${SITES.alert}"\\} 4000\\n`));
    assert.match(m, new RegExp(`dc_site_last_run_duration_seconds\\{site="${SITES.alert}"\\} 320\\n`));
    assert.match(m, new RegExp(`dc_site_last_run_listing_errors\\{site="${SITES.evil}",code="PERMISSION"\\} 1\\n`));
    assert.match(m, new RegExp(`dc_site_running\\{site="${SITES.running}"\\} 1\\n`));
    assert.match(m, new RegExp(`dc_site_latest_run_failed\\{site="${SITES.failed}"\\} 1\\n`));
    assert.match(m, new RegExp(`dc_site_state\\{site="${SITES.halted}",status="halt",mode="dry"\\} 1\\n`));
  });

  it('explains every column it links to', async () => {
    const summary = (await get('/')).body;
    const help = (await get('/help')).body;
    const anchors = new Set([...summary.matchAll(/href="\/help#([a-z-]+)"/g)].map((m) => m[1]));
    assert.ok(anchors.size >= 13);
    for (const a of anchors) assert.ok(help.includes(`id="${a}"`), `help has #${a}`);
    for (const c of ['c-running', 'c-long-running', 'c-queued', 'c-stopped', 'c-alert']) assert.ok(help.includes(`id="${c}"`), `help explains ${c}`);
  });

  it('is read-only without a configured token', async () => {
    const res = await fx.app.inject({ method: 'POST', url: `/api/sites/${SITES.evil}/state`, headers: { authorization: 'Bearer anything-at-all-here' }, payload: { value: 'halt' } });
    assert.equal(res.statusCode, 403);
    const form = await fx.app.inject({ method: 'POST', url: `/sites/${SITES.evil}/state`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'value=halt' });
    assert.equal(form.statusCode, 403);
    assert.equal((await fx.store.states.get(SITES.evil)).status, 'ready');
    assert.match((await get('/login')).body, /read-only/);
  });
});
