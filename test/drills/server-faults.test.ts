/**
 * Drill D2 (issue 16): server faults in the middle of a crawl — the xrootd server killed (-9),
 * stopped (SIGSTOP, thawed seconds later) and restarted; a manager whose data server disappears
 * (xrootd + cmsd killed); a WebDAV server (real nginx behind an HTTP front the test owns) answering
 * 500, 503 and 429 with Retry-After at random. Each run is judged against the ground truth as in D1.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startFaultProxy, type FaultProxy } from '../servers/fault-proxy.ts';
import { startHttpFaultFront, type HttpFaultFront } from '../servers/http-fault-front.ts';
import { startNginx, type NginxServer } from '../servers/nginx-server.ts';
import { startXrootdCluster, type XrootdCluster } from '../servers/xrootd-cluster.ts';
import { startXrootd, type XrootdServer } from '../servers/xrootd-server.ts';
import type { HistoryStore } from '../../src/store/history-store.ts';
import { DRILL_SEED, seededRng, type Rng } from '../helpers/seeded-rng.ts';
import { drillSize, reportFigures } from './drill-mode.ts';
import { openActStore, runAndJudge, RunTally, type JudgedRun } from './drill-run.ts';
import { makeDrillSite, type DrillSite } from './drill-site.ts';

const SHAPE = { tops: ['mc', 'data'], datasets: 3, blocks: 4, files: 5, missing: 6, orphans: 10 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Bench {
  site: DrillSite;
  store: HistoryStore;
  historyUrl: string;
  tally: RunTally;
}

async function bench(siteKeys: Record<string, unknown>): Promise<Bench> {
  const site = makeDrillSite(SHAPE);
  const historyUrl = `sqlite:${join(site.varDir, 'history.sqlite')}`;
  site.configure({ Timeout: 2, Retries: 2, NumThreads: 2, ...siteKeys }, historyUrl);
  return { site, store: await openActStore(historyUrl), historyUrl, tally: new RunTally() };
}

/** A run with `fault` fired `atMs` after it starts (and awaited before the run is judged). */
async function faultedRun(b: Bench, label: string, atMs: number, fault: () => Promise<void>): Promise<JudgedRun> {
  let fired: Promise<void> = Promise.resolve();
  const timer = setTimeout(() => (fired = fault()), atMs);
  const r = await runAndJudge(b.site, b.store, b.historyUrl, label);
  clearTimeout(timer);
  await fired;
  b.tally.add(r);
  return r;
}

describe('drill D2: server faults mid-crawl', { timeout: 1_200_000 }, () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('xrootd killed, stopped and restarted in the middle of the listing', async () => {
    const b = await bench({});
    cleanups.push(() => b.site.close(), () => b.store.close());
    const server: XrootdServer = await startXrootd({ dataDir: b.site.siteRoot });
    cleanups.push(() => server.stop());
    // Chunks held 0–20 ms: the crawl lasts about a second, so a fault lands in its middle.
    const rng: Rng = seededRng(DRILL_SEED + 2);
    const slow: FaultProxy = await startFaultProxy({ targetHost: server.host, targetPort: server.port, rng, maxDelayMs: 20 });
    cleanups.push(() => slow.close());
    slow.mode = 'delay';
    b.site.configure({ Url: `root://127.0.0.1:${slow.port}/`, Timeout: 2, Retries: 2, NumThreads: 2 }, b.historyUrl);
    const clean = await runAndJudge(b.site, b.store, b.historyUrl, 'xrootd without faults');
    assert.deepEqual(clean.problems, []);
    const span = Math.max(200, clean.ms);
    const kinds = ['kill', 'stop', 'restart'] as const;
    const n = drillSize(3, 30);
    const counts = { kill: 0, stop: 0, restart: 0 };
    for (let i = 0; i < n; i++) {
      const kind = kinds[i % kinds.length];
      counts[kind]++;
      const at = rng.int(Math.round(span * 0.1), Math.round(span * 0.7));
      const fault = {
        kill: () => server.kill(),
        // Frozen longer than the request timeout, then thawed while the run still retries.
        stop: async () => {
          server.signal('SIGSTOP');
          await sleep(2500);
          server.signal('SIGCONT');
        },
        restart: () => server.restart(),
      }[kind];
      await faultedRun(b, `xrootd run ${i} (${kind} at ${at} ms)`, at, fault);
      slow.releaseHeld();
      if (kind === 'kill') await server.restart();
    }
    reportFigures('D2 server faults (xrootd kill/stop/restart)', { seed: DRILL_SEED, ...b.tally.figures(), ...counts });
    assert.deepEqual(b.tally.problems, []);
  });

  it('a manager whose data server disappears mid-crawl', async () => {
    const b = await bench({});
    cleanups.push(() => b.site.close(), () => b.store.close());
    const n = drillSize(1, 5);
    for (let i = 0; i < n; i++) {
      const cluster: XrootdCluster = await startXrootdCluster({ dataDir: b.site.siteRoot, readyPath: '/store/mc' });
      try {
        b.site.configure({ Url: `root://${cluster.manager}/`, Timeout: 2, Retries: 2, NumThreads: 2 }, b.historyUrl);
        if (i === 0) {
          const clean = await runAndJudge(b.site, b.store, b.historyUrl, 'cluster without faults');
          assert.deepEqual(clean.problems, []);
          assert.equal(clean.unlisted, 0);
        }
        const at = 20 + i * 40;
        await faultedRun(b, `cluster run ${i} (data server killed at ${at} ms)`, at, () => cluster.killDataServer());
      } finally {
        await cluster.stop();
      }
    }
    reportFigures('D2 server faults (manager loses its data server)', { seed: DRILL_SEED, ...b.tally.figures() });
    assert.deepEqual(b.tally.problems, []);
  });

  it('WebDAV answering 500, 503 and 429 with Retry-After at random', async () => {
    const b = await bench({});
    cleanups.push(() => b.site.close(), () => b.store.close());
    const nginx: NginxServer = await startNginx({ dataDir: b.site.siteRoot });
    cleanups.push(() => nginx.stop());
    const front: HttpFaultFront = await startHttpFaultFront({ target: nginx.httpUrl, rng: seededRng(DRILL_SEED + 3), rate: 0 });
    cleanups.push(() => front.close());
    b.site.configure({ Url: `${front.url}/`, Timeout: 2, Retries: 2, NumThreads: 2 }, b.historyUrl);
    const clean = await runAndJudge(b.site, b.store, b.historyUrl, 'webdav without faults');
    assert.deepEqual(clean.problems, []);
    const n = drillSize(3, 20);
    for (let i = 0; i < n; i++) {
      // 10 %, 20 %, 30 % of the requests refused, in turn.
      front.rate = 0.1 * (1 + (i % 3));
      b.tally.add(await runAndJudge(b.site, b.store, b.historyUrl, `webdav run ${i} (${front.rate * 100} % refused)`));
    }
    const r = front.counts.refused;
    reportFigures('D2 server faults (WebDAV 500/503/429)', { seed: DRILL_SEED, ...b.tally.figures(), requests: front.counts.requests, http500: r[500], http503: r[503], http429: r[429] });
    assert.deepEqual(b.tally.problems, []);
  });
});
