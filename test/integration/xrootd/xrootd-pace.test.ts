/**
 * The adaptive level against a real xrootd server behind the delay proxy at 0, 25 and 100 ms RTT
 * (issue 13): with the default configuration the level grows well above its start where the round
 * trip limits throughput, never passes the ceiling, and the listing stays complete and correct.
 * Assertions are on behaviour (levels reached, the listing itself), not on timings.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LISTING_CEILING, LISTING_START } from '../../../src/core/listing-pace.ts';
import { siteDefaults } from '../../../src/config/config-defaults.ts';
import { backendSite, siteFromKeys } from '../../../src/config/config-loader.ts';
import { createXrootdLister } from '../../../src/listers/xrootd/xrootd-lister.ts';
import { walk, type WalkProgress } from '../../../src/listers/walker.ts';
import { startDelayProxyInNetns, type DelayProxy } from '../../servers/delay-proxy.ts';
import { startXrootd, type XrootdServer } from '../../servers/xrootd-server.ts';

const BRANCHES = 30;
const LEAVES = 30;
const FILES = 3;

describe('adaptive listing against a real xrootd server behind a delay proxy', () => {
  let dataDir = '';
  let server: XrootdServer;
  const proxies: DelayProxy[] = [];
  const want = new Set<string>();

  before(async () => {
    dataDir = mkdtempSync('/tmp/dctest-xrdpace-');
    chmodSync(dataDir, 0o755);
    for (let b = 0; b < BRANCHES; b++) {
      for (let l = 0; l < LEAVES; l++) {
        const rel = `/store/b${b}/l${l}`;
        mkdirSync(join(dataDir, rel), { recursive: true });
        for (let f = 0; f < FILES; f++) {
          writeFileSync(join(dataDir, rel, `f${f}.root`), 'x'.repeat(f));
          want.add(`${rel}/f${f}.root`);
        }
      }
    }
    server = await startXrootd({ dataDir });
  });

  after(async () => {
    for (const p of proxies) await p.close();
    await server?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** Lists the tree as `list` does with the default configuration, through `url`. */
  async function listThrough(url: string): Promise<{ files: Map<string, number>; pace: WalkProgress['pace'] }> {
    const lister = createXrootdLister(backendSite(siteFromKeys('T2_XX_Pace', { Url: url }), {}));
    const files = new Map<string, number>();
    let last: WalkProgress | undefined;
    try {
      for await (const ev of walk(lister, { tops: ['/store'], concurrency: siteDefaults.NumThreads, retries: siteDefaults.Retries, timeoutMs: 60_000, onProgress: (p) => (last = p) })) {
        assert.notEqual(ev.type, 'unlisted', JSON.stringify(ev));
        if (ev.type === 'files') for (const f of ev.files) files.set(f.lfn, f.size);
      }
    } finally {
      await lister.close();
    }
    return { files, pace: last!.pace };
  }

  function assertComplete(files: Map<string, number>): void {
    assert.equal(files.size, want.size);
    for (const lfn of want) assert.equal(files.get(lfn), Number(lfn.slice(-6, -5)), lfn);
  }

  it('lists completely at 0 ms, within the ceiling', async () => {
    const { files, pace } = await listThrough(server.url + '/');
    assertComplete(files);
    assert.equal(pace.cap, LISTING_CEILING);
    assert.ok(pace.peak <= LISTING_CEILING && pace.peak >= LISTING_START, JSON.stringify(pace));
  });

  for (const [rttMs, port] of [
    [25, 21101],
    [100, 21102],
  ]) {
    it(`grows the level well above its start at ${rttMs} ms RTT and lists completely`, async () => {
      const proxy = await startDelayProxyInNetns(server.netns, { listenPort: port, targetPort: server.port, rttMs });
      proxies.push(proxy);
      const { files, pace } = await listThrough(`root://${proxy.host}:${proxy.port}/`);
      assertComplete(files);
      assert.ok(pace.peak >= 4 * LISTING_START, `peak ${pace.peak} at ${rttMs} ms: ${JSON.stringify(pace)}`);
      assert.ok(pace.peak <= LISTING_CEILING);
    });
  }
});
