import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DcError } from '../../../src/core/errors.ts';
import { checkDumpDay, dumpDay, publishedDumpUrl } from '../../../src/listers/dump/dump-fetch.ts';
import { siteBackend } from '../../helpers/backend-site.ts';

// Issue 15 part 3: which day's dump is read, where it is, and when it is too old.
const NOW = Date.UTC(2026, 10, 30, 23, 59); // 2026-11-30, late in the day (UTC)
const code = (c: string) => (e: unknown) => e instanceof DcError && e.code === c;

describe('published site dumps: day, age and URL', () => {
  it('reads today (UTC) unless DumpDate (--date-string) names a day', () => {
    assert.equal(dumpDay({ DumpDate: '' }, NOW), '20261130');
    assert.equal(dumpDay({ DumpDate: '20261129' }, NOW), '20261129');
    assert.throws(() => dumpDay({ DumpDate: '20260230' }, NOW), code('CONFIG'));
  });

  it('judges a dump by the day in its name: at most MaxDumpAge whole days before today, never after', () => {
    checkDumpDay('20261130', 0, 'S', NOW);
    checkDumpDay('20261123', 7, 'S', NOW);
    assert.throws(() => checkDumpDay('20261122', 7, 'S', NOW), (e: unknown) => code('INPUT')(e) && /the dump of 20261122 is 8 days old, more than MaxDumpAge 7/.test((e as Error).message));
    assert.throws(() => checkDumpDay('20261129', 0, 'S', NOW), code('INPUT'));
    assert.throws(() => checkDumpDay('20261201', 7, 'S', NOW), (e: unknown) => code('CONFIG')(e) && /a day after today/.test((e as Error).message));
  });

  it('fills {date} and {site} in DumpUrl; RAL-Reader without one reads <Url><PathPrefix>/store/accounting/<site>-<date>.tsv', () => {
    const s = (keys: Record<string, unknown>) => siteBackend({ Url: 'root://door.example:1094/', ...keys }); // site T2_TEST
    assert.equal(publishedDumpUrl(s({ DumpUrl: 'https://web.example/acc/{site}/dump-{date}.gz' }), '20261130'), 'https://web.example/acc/T2_TEST/dump-20261130.gz');
    assert.equal(publishedDumpUrl(s({ AccessMethod: 'RAL-Reader', PathPrefix: '/cms' }), '20261130'), 'root://door.example:1094/cms/store/accounting/T2_TEST-20261130.tsv');
    assert.equal(publishedDumpUrl(s({ AccessMethod: 'RAL-Reader', DumpPath: '/data/dump-{date}.tsv' }), '20261130'), undefined, 'a local DumpPath is read, not fetched');
  });
});

describe('which dumps are judged by day (issue 15)', () => {
  it('a fixed local dump of a RAL-Reader site is still judged by its file\'s mtime', async () => {
    const { mkdtempSync, writeFileSync, utimesSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { createDumpLister } = await import('../../../src/listers/dump/dump-open.ts');
    const { walk } = await import('../../../src/listers/walker.ts');
    const dir = mkdtempSync(join(tmpdir(), 'dc-ralfixed-'));
    try {
      const file = join(dir, 'dump.tsv');
      writeFileSync(file, '/store/mc/a 1 19000\n');
      const old = Date.now() / 1000 - 20 * 86400;
      utimesSync(file, old, old);
      const lister = await createDumpLister(siteBackend({ Url: `dump://${file}`, AccessMethod: 'RAL-Reader', MaxDumpAge: 7 }));
      try {
        const codes: string[] = [];
        for await (const ev of walk(lister, { tops: ['/store/mc'], concurrency: 1, retries: 0, timeoutMs: 10_000 })) if (ev.type === 'unlisted') codes.push(ev.message);
        assert.match(codes.join(), /days old, more than MaxDumpAge 7/);
      } finally {
        await lister.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the day read when --date-string is not given (issue 15)', () => {
  const DAY = 86_400_000;
  const utc = (ms: number) => new Date(ms).toISOString().slice(0, 10).replaceAll('-', '');

  it('reads today\'s dump, else the newest of the days before within MaxDumpAge, and says which; never falls back from a named day', async () => {
    const { mkdtempSync, writeFileSync, rmSync, mkdirSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { createDumpLister } = await import('../../../src/listers/dump/dump-open.ts');
    const dir = mkdtempSync(join(tmpdir(), 'dc-dumpday-'));
    try {
      const put = (ago: number) => {
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, `d-${utc(Date.now() - ago * DAY)}.tsv`), '/store/mc/a 1 19000\n');
      };
      const open = (keys: Record<string, unknown> = {}) => createDumpLister(siteBackend({ Url: 'root://x/', AccessMethod: 'RAL-Reader', DumpPath: join(dir, 'd-{date}.tsv'), MaxDumpAge: 2, ...keys }));
      put(1);
      put(3);
      const late = await open();
      assert.equal(late.source, `dump of ${utc(Date.now() - DAY)}: ${join(dir, `d-${utc(Date.now() - DAY)}.tsv`)}`, 'yesterday\'s: today\'s is not published yet');
      await late.close();
      put(0);
      const today = await open();
      assert.match(today.source ?? '', new RegExp(`dump of ${utc(Date.now())}`));
      await today.close();
      // A named day is that day only.
      await assert.rejects(open({ DumpDate: utc(Date.now() - 2 * DAY) }), (e: unknown) => code('NOT_FOUND')(e) && /there is no dump of \d{8}/.test((e as Error).message));
      rmSync(dir, { recursive: true, force: true });
      put(3);
      await assert.rejects(open(), (e: unknown) => code('NOT_FOUND')(e) && /no dump of today or of the 2 days before \(MaxDumpAge 2\)/.test((e as Error).message));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
