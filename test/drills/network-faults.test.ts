/**
 * Drill D1 (issue 16): network faults between the lister and a real xrootd, and a real nginx
 * WebDAV server — a seeded fault proxy on loopback (test/servers/fault-proxy.ts) resets
 * connections at random (5 % of answer chunks), stalls them mid-frame, cuts answers mid-frame,
 * delays every chunk 0–200 ms, or accepts and never answers. Each faulted run is judged against
 * the ground truth: every directory listed or unlisted, no false missing or orphan, no action on a
 * run above the unlisted gate, a sound history, complete lists.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startFaultProxy, type FaultMode, type FaultProxy } from '../servers/fault-proxy.ts';
import { startNginx, type NginxServer } from '../servers/nginx-server.ts';
import { startXrootd, type XrootdServer } from '../servers/xrootd-server.ts';
import type { HistoryStore } from '../../src/store/history-store.ts';
import { DRILL_SEED, seededRng } from '../helpers/seeded-rng.ts';
import { drillSize, reportFigures } from './drill-mode.ts';
import { openActStore, runAndJudge, RunTally } from './drill-run.ts';
import { makeDrillSite, type DrillSite } from './drill-site.ts';

const MODES: FaultMode[] = ['reset', 'stall', 'truncate', 'delay', 'blackhole', 'mixed'];
const SHAPE = { tops: ['mc', 'data'], datasets: 3, blocks: 4, files: 5, missing: 6, orphans: 10 };

async function drill(protocol: string, site: DrillSite, proxy: FaultProxy, url: string): Promise<void> {
  const seconds: Record<string, number> = {};
  const historyUrl = `sqlite:${join(site.varDir, 'history.sqlite')}`;
  // Timeout 2 s: a stalled or silent connection costs seconds, not minutes, per attempt.
  site.configure({ Url: url, Timeout: 2, Retries: 2, NumThreads: 4 }, historyUrl);
  const store: HistoryStore = await openActStore(historyUrl);
  const tally = new RunTally();
  const byMode: Record<string, number> = {};
  try {
    proxy.mode = 'none';
    const clean = await runAndJudge(site, store, historyUrl, `${protocol} without faults`);
    proxy.releaseHeld();
    assert.deepEqual(clean.problems, []);
    assert.equal(clean.unlisted, 0, 'a run through the proxy without faults lists everything');
    const runs = drillSize(5, 50);
    for (let i = 0; i < runs; i++) {
      // CI's five runs take one fault each; --long cycles through all of them and their mix.
      const mode = MODES[i % (runs <= 5 ? 5 : MODES.length)];
      proxy.mode = mode;
      byMode[mode] = (byMode[mode] ?? 0) + 1;
      const c = proxy.counts;
      const injected = () => c.resets + c.stalls + c.truncations + c.delayedChunks + c.blackholed;
      const before = injected();
      const r = await runAndJudge(site, store, historyUrl, `${protocol} run ${i} (${mode})`);
      proxy.releaseHeld();
      tally.add(r);
      seconds[mode] = Math.round((seconds[mode] ?? 0) + r.ms / 1000);
      if (injected() === before) tally.problems.push(`${protocol} run ${i} (${mode}): no fault landed`);
    }
  } finally {
    await store.close();
    const c = proxy.counts;
    reportFigures(`D1 network faults (${protocol})`, {
      seed: DRILL_SEED,
      ...tally.figures(),
      modes: Object.entries(byMode).map(([m, n]) => `${m}:${n}`).join(','),
      secondsByMode: Object.entries(seconds).map(([m, n]) => `${m}:${n}`).join(','),
      connections: c.connections,
      resets: c.resets,
      stalls: c.stalls,
      truncations: c.truncations,
      delayedChunks: c.delayedChunks,
      blackholed: c.blackholed,
    });
  }
  assert.deepEqual(tally.problems, []);
}

describe('drill D1: network faults between the lister and real servers', { timeout: 1_200_000 }, () => {
  let site: DrillSite;
  let xrootd: XrootdServer | undefined;
  let nginx: NginxServer | undefined;
  const proxies: FaultProxy[] = [];
  before(async () => {
    site = makeDrillSite(SHAPE);
  });
  after(async () => {
    for (const p of proxies) await p.close();
    await xrootd?.stop();
    await nginx?.stop();
    site?.close();
  });

  it('root:// to a real xrootd through the fault proxy', async () => {
    xrootd = await startXrootd({ dataDir: site.siteRoot });
    // One connection carries most of an xrootd crawl: each one is stalled or cut. WebDAV opens
    // many, a fifth of them are (otherwise every request would wait out its timeout).
    const proxy = await startFaultProxy({ targetHost: xrootd.host, targetPort: xrootd.port, rng: seededRng(DRILL_SEED) });
    proxies.push(proxy);
    await drill('xrootd', site, proxy, `root://127.0.0.1:${proxy.port}/`);
  });

  it('WebDAV to a real nginx through the fault proxy', async () => {
    nginx = await startNginx({ dataDir: site.siteRoot });
    const proxy = await startFaultProxy({ targetHost: '127.0.0.1', targetPort: Number(new URL(nginx.httpUrl).port), rng: seededRng(DRILL_SEED + 1), connectionRate: 0.2 });
    proxies.push(proxy);
    await drill('webdav', site, proxy, `http://127.0.0.1:${proxy.port}/`);
  });
});
