/**
 * Issue 14 point 5, embedded fleet (no Queue): the daemon runs the checks in its own process, and
 * the dashboard's fleet page shows the daemon with the checks it runs (site, run, live progress),
 * the sites waiting for a busy lock group, and when the checked ones are next due; a daemon
 * stopped cleanly leaves the page.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../../src/config/config-loader.ts';
import { removeTree } from '../../../src/demo/demo-site.ts';
import type { FleetView } from '../../../src/fleet/fleet-view.ts';
import { HistoryStore } from '../../../src/store/history-store.ts';
import { createWebServer } from '../../../src/web/web-server.ts';
import { CliProcess, makePosixSite, startSlowDavSite, waitFor, writeFleetConfig } from './fleet-fixture.ts';

const SLOW = 'T1_AA_Slow';
const GROUPED = 'T2_BB_Grouped';
const FAST = 'T2_CC_Fast';

let root: string;
let dav: Awaited<ReturnType<typeof startSlowDavSite>>;
let store: HistoryStore;
let app: FastifyInstance | undefined;
let base: string;
let daemon: CliProcess | undefined;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'dc-fleet-view-emb-'));
  dav = await startSlowDavSite(root, [SLOW]);
  const sites = {
    [SLOW]: { Url: dav.url, NumThreads: 1, Timeout: 60, LockGroup: 'grp' },
    [GROUPED]: { ...makePosixSite(root, GROUPED), LockGroup: 'grp' },
    [FAST]: makePosixSite(root, FAST),
  };
  const cfg = writeFleetConfig(root, { CheckEvery: 24, MaxConcurrentChecks: 2, Sites: sites, History: { Url: 'sqlite:var/history.sqlite' } });
  const config = loadConfig(cfg, {});
  store = await HistoryStore.open(config.historyUrl);
  const server = await createWebServer({ config, store });
  app = server.app;
  base = (await app.listen({ host: '127.0.0.1', port: 0 })).replace(/\/$/, '');
  daemon = new CliProcess(['daemon', '--config', cfg], root);
});

after(async () => {
  daemon?.kill();
  await app?.close();
  await store?.close();
  await dav?.close();
  if (root) removeTree(root);
});

const fleet = async () => (await (await fetch(`${base}/api/fleet`)).json()) as FleetView;

describe('the fleet page of an embedded daemon', () => {
  it('shows the daemon\'s in-process checks with their progress, and why the other sites wait', async () => {
    const view = await waitFor('the slow check to report listing progress', async () => {
      const v = await fleet();
      const check = v.members[0]?.checks.find((c) => c.site === SLOW);
      const fastDone = v.sites.find((s) => s.site === FAST)?.activity === 'scheduled';
      return (check?.progress as { phase?: string } | undefined)?.phase === 'listing' && fastDone ? v : undefined;
    }, 90_000, 500);
    assert.equal(view.mode, 'embedded');
    assert.equal(view.queue, null);
    assert.equal(view.members.length, 1);
    const d = view.members[0];
    assert.deepEqual([d.role, d.host, d.pid, d.slots, d.stale], ['daemon', hostname(), daemon!.pid, 2, false]);
    assert.deepEqual(d.checks.map((c) => c.site), [SLOW]);
    assert.equal(d.checks[0].runId, view.running[0].runId);
    assert.equal(view.running[0].owner, `${hostname()}:${daemon!.pid}`);
    const site = (name: string) => view.sites.find((s) => s.site === name)!;
    assert.deepEqual([site(SLOW).activity, site(SLOW).reason], ['running', `running on ${hostname()}:${daemon!.pid} (run #${d.checks[0].runId})`]);
    assert.deepEqual([site(GROUPED).activity, site(GROUPED).reason], ['waiting', 'lock group grp busy']);
    // Checked once: next due a CheckEvery (24 h) after that check started.
    const fast = site(FAST);
    assert.ok(fast.last && fast.nextDueAt);
    assert.equal(Date.parse(fast.nextDueAt) - Date.parse(fast.last.startedAt), 24 * 3600_000);

    const html = await (await fetch(`${base}/fleet`)).text();
    assert.match(html, /data-mode="embedded"/);
    assert.doesNotMatch(html, /<h2>Queue<\/h2>/);
    assert.match(html, new RegExp(`<tr data-member="${hostname()}:${daemon!.pid}" class="live"><td>daemon</td>[^]*?<div class="check" data-site="${SLOW}"><a href="/sites/${SLOW}">${SLOW}</a> <a href="/runs/${d.checks[0].runId}">#${d.checks[0].runId}</a> <span class="progress">listing · `));
    assert.match(html, new RegExp(`data-site="${GROUPED}"[^]*?<td class="reason">lock group grp busy</td>`));
  });

  it('forgets a daemon stopped cleanly', async () => {
    const s = await daemon!.stop('SIGTERM');
    assert.equal(s.code, 0, daemon!.stderr.slice(-2000));
    const view = await fleet();
    assert.deepEqual(view.members, []);
    assert.deepEqual(view.running, [], 'the halted check is no longer running');
    const html = await (await fetch(`${base}/fleet`)).text();
    assert.match(html, /id="members-none"/);
  });
});
