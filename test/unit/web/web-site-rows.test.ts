import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Config } from '../../../src/config/config-loader.ts';
import type { LatestRuns } from '../../../src/web/web-data.ts';
import { SiteFiles } from '../../../src/web/web-files.ts';
import { buildSiteRows } from '../../../src/web/web-site-rows.ts';

const NOW = Date.parse('2025-06-01T12:00:00Z');
const iso = (msAgo: number) => new Date(NOW - msAgo).toISOString();
const H = 3600_000;

function site(name: string, o: Partial<LatestRuns> = {}): LatestRuns {
  return { site: name, status: 'ready', mode: 'act', updatedAt: iso(0), updatedBy: 't', last: null, done: null, ...o };
}
function done(id: number, agoMs: number, o: Partial<NonNullable<LatestRuns['done']>> = {}): NonNullable<LatestRuns['done']> {
  return { id, startedAt: iso(agoMs + H), finishedAt: iso(agoMs), files: 10, bytes: 1, directories: 1, missing: 0, missingBytes: 0, orphan: 0, orphanBytes: 0, sizeMismatch: 0, emptyDirs: 0, unlisted: 0, duration: 60, gatesHeld: '[]', summary: null, ...o };
}
function running(id: number, sinceMs: number, heartbeatMs: number): LatestRuns['last'] {
  return { id, status: 'running', startedAt: iso(sinceMs), finishedAt: null, heartbeatAt: iso(heartbeatMs), progress: '{"phase":"listing","dirsListed":5}', error: null };
}

describe('summary rows', () => {
  const config = { siteNames: [], raw: { Sites: {} } } as unknown as Config;
  const opts = { now: NOW, overdueDays: 7, configured: new Set<string>(), files: new SiteFiles(config) };

  it('colours running checks green, and yellow after a day', async () => {
    const rows = await buildSiteRows([site('A', { last: running(2, 2 * H, 10_000), done: done(1, 3 * H) }), site('B', { last: running(4, 30 * H, 10_000), done: done(3, 31 * H) })], opts);
    assert.equal(rows[0].colour, 'running');
    assert.equal(rows[0].running?.progress?.dirsListed, 5);
    assert.equal(rows[1].colour, 'long-running');
  });

  it('flags a running check whose heartbeat stopped', async () => {
    const [row] = await buildSiteRows([site('A', { last: running(2, 2 * H, 10 * 60_000), done: done(1, 3 * H) })], opts);
    assert.equal(row.running?.stale, true);
    assert.ok(row.reasons.some((r) => /heartbeat/.test(r)));
  });

  it('greys halted and disabled sites, reds thresholds and zero files, and marks overdue ones', async () => {
    const rows = await buildSiteRows(
      [
        site('H', { status: 'halt', last: null, done: done(1, H) }),
        site('T', { done: done(2, H, { gatesHeld: '["MaxOrphanFraction","DryMode"]' }) }),
        site('Z', { done: done(3, H, { files: 0 }) }),
        site('O', { done: done(4, 8 * 24 * H) }),
        site('K', { done: done(5, 2 * H) }),
      ],
      opts,
    );
    const by = new Map(rows.map((r) => [r.site, r]));
    assert.equal(by.get('H')!.colour, 'stopped');
    assert.equal(by.get('T')!.colour, 'alert');
    assert.equal(by.get('Z')!.colour, 'alert');
    assert.equal(by.get('O')!.overdue, true);
    assert.equal(by.get('K')!.overdue, false);
    assert.deepEqual([...rows].sort((a, b) => a.attention - b.attention).map((r) => r.site).slice(0, 3), ['T', 'Z', 'O']);
  });

  it('marks the site the picker takes next as queued', async () => {
    const rows = await buildSiteRows([site('A', { done: done(1, 2 * H) }), site('B', { done: done(2, 5 * H) }), site('C', { done: done(3, H) })], { ...opts, configured: new Set(['A', 'B', 'C']) });
    assert.deepEqual(rows.filter((r) => r.colour === 'queued').map((r) => r.site), ['B']);
  });

  it('shows the files the latest check cleaned from the unmerged area and the log archives among them (issue 15)', async () => {
    const unmerged = JSON.stringify({ unmerged: { cleaned: 7, deleted: { logArchives: 2 } } });
    const rows = await buildSiteRows([site('U', { done: done(1, H, { summary: unmerged }) }), site('N', { done: done(2, H) })], opts);
    assert.deepEqual(rows.map((r) => [r.site, r.unmergedCleaned, r.unmergedLogArchives]), [['U', 7, 2], ['N', null, null]]);
  });
});
