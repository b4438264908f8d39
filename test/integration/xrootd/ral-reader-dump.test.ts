/**
 * Issue 15 part 3: `AccessMethod: RAL-Reader` sites publish a daily dump of themselves
 * (`<endpoint>/store/accounting/<name>-<YYYYMMDD>.tsv`, lines `name size mtime_days`). A check
 * fetches the day's dump over root:// (our own kXR_open/kXR_read/kXR_close, against a real xrootd)
 * or https (a real nginx with the test CA), and finds what a check of the same dump given as a local
 * file finds. A dump too old, or absent for the day, fails the run with a message naming why and
 * records nothing as done.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../helpers/run-cli.ts';
import { writeCliConfig } from '../../helpers/cli-fixture.ts';
import { startXrootd, type XrootdServer } from '../../servers/xrootd-server.ts';
import { startNginx, type NginxServer } from '../../servers/nginx-server.ts';
import { HistoryStore } from '../../../src/store/history-store.ts';

const DAY = 86_400_000;
const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10).replaceAll('-', '');
const TODAY = utcDay(Date.now());
const YESTERDAY = utcDay(Date.now() - DAY);
const OLD_DAY = utcDay(Date.now() - 10 * DAY);
const A = '/store/mc/Era/Prim/TIER/Proc-v1/0000';
const B = '/store/mc/Era/Gone/TIER/Proc-v1/0000';
/** mtime in days since the epoch, ten days ago (older than IgnoreAge). */
const OLD_DAYS = (Math.floor(Date.now() / DAY) - 10).toFixed(3);

/** The dump as the site publishes it: one per day, unsorted, sizes and mtimes in days. */
function dumpText(n: number): string {
  const lines = [`${B}/orphan.root 12 ${OLD_DAYS}`, `${A}/x.root 10 ${OLD_DAYS}`, `${A}/with space.root 11 ${OLD_DAYS}`];
  // Enough lines that the fetch takes several kXR_read round trips of the client's chunk.
  for (let i = 0; i < n; i++) lines.push(`${A}/bulk/f${String(i).padStart(6, '0')}.root ${i} ${OLD_DAYS}`);
  return lines.join('\n') + '\n';
}

const TOKEN = 'tok-5ecret-never-printed';
const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean);

describe('RAL-Reader: the site\'s daily dump fetched and checked (issue 15)', () => {
  let work: string;
  let xrd: XrootdServer;
  let nginx: NginxServer;
  let cfg: string;
  const SITES = ['T1_XX_RalRoot', 'T1_XX_RalHttps', 'T1_XX_RalLate', 'T1_XX_RalLocal'];

  before(async () => {
    work = mkdtempSync('/tmp/dctest-ralreader-');
    chmodSync(work, 0o755);
    const data = join(work, 'data');
    const acct = join(data, 'store/accounting');
    mkdirSync(acct, { recursive: true });
    for (const d of [data, join(data, 'store'), acct]) chmodSync(d, 0o755);
    const text = dumpText(120_000); // ~6 MB: more than one 4 MiB kXR_read
    for (const day of [TODAY, YESTERDAY, OLD_DAY]) {
      writeFileSync(join(acct, `T1_XX_Ral-${day}.tsv`), text);
      chmodSync(join(acct, `T1_XX_Ral-${day}.tsv`), 0o644);
    }
    // A site whose dump of today is not published yet: only yesterday's, behind a token in the URL.
    const late = join(acct, 'late');
    mkdirSync(late);
    chmodSync(late, 0o755);
    writeFileSync(join(late, `T1_XX_Ral-${YESTERDAY}.tsv`), text);
    chmodSync(join(late, `T1_XX_Ral-${YESTERDAY}.tsv`), 0o644);
    const local = join(work, 'local');
    mkdirSync(local);
    writeFileSync(join(local, `copy-${TODAY}.tsv`), text);
    xrd = await startXrootd({ dataDir: data });
    nginx = await startNginx({ dataDir: data });
    writeFileSync(join(work, 'inv.txt'), [`${A}/x.root 10`, `${A}/with space.root 11`, `${A}/missing.root 13`].join('\n') + '\n');
    cfg = writeCliConfig(work, {
      MaxDumpAge: 3,
      // The published dump is named for the storage (T1_XX_Ral), not for each configured site here.
      Sites: {
        T1_XX_RalRoot: { Url: `${xrd.url}/`, AccessMethod: 'RAL-Reader', DumpUrl: `${xrd.url}//store/accounting/T1_XX_Ral-{date}.tsv` },
        // No Url: a RAL-Reader site whose dump is named needs no door.
        T1_XX_RalHttps: { AccessMethod: 'RAL-Reader', DumpUrl: `${nginx.httpsUrl}/store/accounting/T1_XX_Ral-{date}.tsv`, CaFile: nginx.caFile },
        T1_XX_RalLate: { AccessMethod: 'RAL-Reader', DumpUrl: `${nginx.httpsUrl}/store/accounting/late/T1_XX_Ral-{date}.tsv?access_token=${TOKEN}`, CaFile: nginx.caFile },
        T1_XX_RalLocal: { Url: `${xrd.url}/`, AccessMethod: 'RAL-Reader', DumpPath: join(local, 'copy-{date}.tsv') },
      },
    });
    for (const s of SITES) {
      const imp = await runCli(['import', '--site', s, join(work, 'inv.txt'), '--config', cfg], { cwd: work });
      assert.equal(imp.code, 0, imp.stderr);
    }
  });
  after(async () => {
    await xrd?.stop();
    await nginx?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const check = (site: string, extra: string[] = []) => runCli(['check', '--site', `^${site}$`, '--json', '--config', cfg, ...extra], { cwd: work, timeoutMs: 180_000 });
  const v = (f: string) => join(work, 'var', f);

  it('checks the local copy of the dump (the reference)', async () => {
    const r = await check('T1_XX_RalLocal');
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    assert.equal(s.listing.files, 120_003);
    assert.deepEqual(lines(v('T1_XX_RalLocal_compare_missing.txt')), [`${A}/missing.root`]);
    assert.equal(lines(v('T1_XX_RalLocal_compare_orphan.txt')).length, 120_001);
  });

  it('fetches today\'s dump over root:// with the native client and finds the same as the local copy', async () => {
    const r = await check('T1_XX_RalRoot');
    assert.equal(r.code, 0, `${r.stderr}\n${xrd.log().slice(-2000)}`);
    assert.equal(JSON.parse(r.stdout).listing.files, 120_003);
    for (const list of ['compare_missing', 'compare_orphan', 'size_mismatch', 'unlisted']) {
      assert.deepEqual(lines(v(`T1_XX_RalRoot_${list}.txt`)), lines(v(`T1_XX_RalLocal_${list}.txt`)), list);
    }
  });

  it('fetches the dump of --date-string over https and finds the same', async () => {
    const r = await check('T1_XX_RalHttps', ['--date-string', YESTERDAY]);
    assert.equal(r.code, 0, `${r.stderr}\n${nginx.log().slice(-2000)}`);
    for (const list of ['compare_missing', 'compare_orphan', 'size_mismatch', 'unlisted']) {
      assert.deepEqual(lines(v(`T1_XX_RalHttps_${list}.txt`)), lines(v(`T1_XX_RalLocal_${list}.txt`)), list);
    }
  });

  it('without --date-string reads yesterday\'s dump when today\'s is not published yet, says so, and never prints the URL\'s token', async () => {
    const r = await check('T1_XX_RalLate');
    assert.equal(r.code, 0, `${r.stderr}\n${nginx.log().slice(-2000)}`);
    const s = JSON.parse(r.stdout);
    assert.equal(s.listedFrom, `dump of ${YESTERDAY} from ${nginx.httpsUrl}/store/accounting/late/T1_XX_Ral-${YESTERDAY}.tsv?access_token=***`);
    for (const list of ['compare_missing', 'compare_orphan', 'size_mismatch', 'unlisted']) {
      assert.deepEqual(lines(v(`T1_XX_RalLate_${list}.txt`)), lines(v(`T1_XX_RalLocal_${list}.txt`)), list);
    }
    const store = await HistoryStore.open(`sqlite:${join(work, 'var/history.sqlite')}`);
    let recorded: string;
    try {
      const [last] = await store.runs.collect('T1_XX_RalLate', 1);
      recorded = JSON.stringify(last);
    } finally {
      await store.close();
    }
    for (const [where, text] of [['stdout', r.stdout], ['stderr', r.stderr], ['history', recorded], ['summary file', readFileSync(v('T1_XX_RalLate_summary.json'), 'utf8')]]) {
      assert.ok(!text.includes(TOKEN), `the token is in the ${where}`);
    }
    assert.ok(r.stderr.includes('access_token=***'), 'the log names the dump read');
  });

  it('dump --remote of a RAL-Reader site writes the fetched dump as a sorted list', async () => {
    const out = join(work, 'remote.txt');
    const r = await runCli(['dump', '--site', 'T1_XX_RalRoot', '-o', out, '--date-string', TODAY, '--config', cfg], { cwd: work, timeoutMs: 180_000 });
    assert.equal(r.code, 0, r.stderr);
    const got = lines(out);
    assert.equal(got.length, 1 + 120_003);
    const mtime = Math.floor(Number(OLD_DAYS) * 86400);
    assert.equal(got[1], `${B}/orphan.root 12 ${mtime}`);
    assert.deepEqual([...got.slice(1)].sort(), got.slice(1), 'sorted');
  });

  it('refuses a dump whose day is older than MaxDumpAge: the run fails, nothing is listed or acted on', async () => {
    const site = 'T1_XX_RalHttps';
    rmSync(v(`${site}_compare_orphan.txt`), { force: true });
    const store = await HistoryStore.open(`sqlite:${join(work, 'var/history.sqlite')}`);
    const doneBefore = await store.runs.lastDone(site);
    await store.close();
    const r = await check(site, ['--date-string', OLD_DAY]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`the dump of ${OLD_DAY} is 10 days old, more than MaxDumpAge 3`));
    assert.ok(!existsSync(v(`${site}_compare_orphan.txt`)), 'no lists written');
    const after = await HistoryStore.open(`sqlite:${join(work, 'var/history.sqlite')}`);
    try {
      assert.deepEqual(await after.runs.lastDone(site), doneBefore, 'the failed run is not done');
      const [last] = await after.runs.collect(site, 1);
      assert.equal(last.status, 'failed');
    } finally {
      await after.close();
    }
  });

  it('fails clearly when the site has no dump for the day (root://), recording no run as done', async () => {
    const site = 'T1_XX_RalRoot';
    const missingDay = utcDay(Date.now() - 2 * DAY);
    const cfg2 = join(work, 'fresh.json');
    const c = JSON.parse(readFileSync(cfg, 'utf8'));
    c.History = { Url: 'sqlite:var/history-fresh.sqlite' };
    writeFileSync(cfg2, JSON.stringify(c));
    const r = await runCli(['check', '--site', `^${site}$`, '--config', cfg2, '--date-string', missingDay], { cwd: work, timeoutMs: 120_000 });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`there is no dump at root://[^ ]+/store/accounting/T1_XX_Ral-${missingDay}\\.tsv`));
    const store = await HistoryStore.open(`sqlite:${join(work, 'var/history-fresh.sqlite')}`);
    try {
      assert.equal(await store.runs.lastDone(site), undefined);
    } finally {
      await store.close();
    }
  });

  it('fails clearly when the https server has no dump for the day', async () => {
    const missingDay = utcDay(Date.now() - 2 * DAY);
    const r = await runCli(['list', 'T1_XX_RalHttps', '--date-string', missingDay, '--config', cfg], { cwd: work });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /there is no dump at https:[^ ]+T1_XX_Ral-\d{8}\.tsv: HTTP 404/);
    assert.equal(r.stdout, '');
  });

  it('refuses a --date-string that is no day (exit 2)', async () => {
    const r = await runCli(['check', '--site', 'T1_XX_RalRoot', '--date-string', '20261340', '--config', cfg], { cwd: work });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--date-string \\"20261340\\" is not a day/);
  });
});
