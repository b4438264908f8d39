/**
 * Drill D5 (issue 16): hostile names end to end. One tree of files named with newline, tab,
 * backslash, %, #, ?, quotes, markup, 255 bytes, NFC/NFD twins and bytes that are not UTF-8 is
 * created on POSIX and served by a real xrootd (root://) and a real nginx WebDAV (dav://). For each
 * protocol: `import` an inventory of it (one planted orphan, one planted missing file, both with
 * hostile names), `check` it, and assert the lists hold exactly the two planted names, escaped as
 * README "Outputs" says (no false orphan or missing); `list` + `compare` give the same back; the
 * history (/api) gives names back unchanged; the dashboard, in a real browser, shows every list
 * without running any script. Where a protocol cannot carry a name, the declared behaviour
 * (README "Reliability") is asserted instead: the directory or file is never judged.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { chromium, type BrowserContext } from 'playwright-core';
import { escapeName } from '../../src/core/escape.ts';
import { decodeName, encodeName } from '../../src/core/name-bytes.ts';
import { loadConfig } from '../../src/config/config-loader.ts';
import { HistoryStore } from '../../src/store/history-store.ts';
import { createWebServer } from '../../src/web/web-server.ts';
import { runCli } from '../helpers/run-cli.ts';
import { writeCliConfig } from '../helpers/cli-fixture.ts';
import { startNginx, type NginxServer } from '../servers/nginx-server.ts';
import { startXrootd, type XrootdServer } from '../servers/xrootd-server.ts';
import { reportFigures } from './drill-mode.ts';

const CHROMIUM = '/usr/bin/chromium';
const OLD = Math.floor(Date.now() / 1000 - 5 * 86400);
const DIR = '/store/mc/Hostile/AODSIM/v1/0000';
const raw = (latin1: string) => decodeName(Buffer.from(latin1, 'latin1'));

/** File names (each in DIR). The markup ones would run script if a page put them in as HTML. */
const NAMES = [
  'new\nline.root', 'tab\tname.root', 'back\\slash.root', 'cr\rreturn.root', '100%.root', 'pct%2Fslash.root', 'pct%20space.root', 'hash#frag.root',
  'question?mark.root', `quote'single".root`, '<img src=x onerror=alert(1)>.root', '<svg onload=window.__d5=1>.root', '&amp;&lt;.root',
  'caf\u00e9.root', 'cafe\u0301.root', '日本語-' + 'é'.repeat(60) + '.root', raw('bad\xff\xfe.root'), raw('latin1-caf\xe9.root'), ' lead and trail .root',
];
/** A directory XRootD cannot address ("?" starts CGI in a request path), with a file inside. */
const Q_DIR = `${DIR}/dir?x#y`;
/** A 255-byte name (NAME_MAX) alone in its directory: xrootd 5.5 cuts it to 254 bytes in kXR_dirlist. */
const LONG_DIR = `${DIR}/long`;
const LONG = `${LONG_DIR}/${'L'.repeat(250)}.root`;
const ORPHAN = `${DIR}/orphan\t<img src=x onerror=alert(2)>${raw('\xfe')}.root`;
const MISSING = `${DIR}/missing\n<svg onload=window.__d5=2>${raw('\xe9')}.root`;

const FILES = [...NAMES.map((n) => `${DIR}/${n}`), `${Q_DIR}/inside.root`, LONG];
const byteLength = (s: string) => encodeName(s).length;

describe('drill D5: hostile names end to end', { timeout: 900_000 }, () => {
  let root: string;
  let site: string;
  let xrootd: XrootdServer;
  let nginx: NginxServer;
  let configFile: string;
  const SITES = { posix: 'T2_D5_Posix', xrootd: 'T2_D5_Xrootd', webdav: 'T2_D5_Webdav' } as const;

  const put = (lfn: string, size: number) => {
    const p = encodeName(site + lfn);
    mkdirSync(encodeName(join(site + lfn, '..')), { recursive: true });
    writeFileSync(p, Buffer.alloc(size, 7));
    utimesSync(p, OLD, OLD);
  };

  before(async () => {
    for (const n of NAMES) assert.ok(byteLength(n) <= 255, `${JSON.stringify(n)} is ${byteLength(n)} bytes`);
    assert.equal(byteLength(LONG.slice(LONG_DIR.length + 1)), 255);
    root = mkdtempSync(join(tmpdir(), 'dc-d5-'));
    chmodSync(root, 0o755); // the servers' workers run as nobody / xrootd
    site = join(root, 'site');
    FILES.forEach((f, i) => put(f, 100 + i));
    put(ORPHAN, 77);
    for (let d = LONG_DIR; d.length > '/store'.length; d = d.slice(0, d.lastIndexOf('/'))) utimesSync(encodeName(site + d), OLD, OLD);
    for (let d = Q_DIR; d.length > '/store'.length; d = d.slice(0, d.lastIndexOf('/'))) utimesSync(encodeName(site + d), OLD, OLD);
    const inventory = [...FILES.map((f, i) => `${escapeName(f)} ${100 + i} settled`), `${escapeName(MISSING)} 55 settled`];
    writeFileSync(join(root, 'inv.txt'), inventory.join('\n') + '\n');
    xrootd = await startXrootd({ dataDir: site });
    nginx = await startNginx({ dataDir: site });
    configFile = writeCliConfig(root, {
      RootPath: '/store',
      Sites: { [SITES.posix]: { Url: pathToFileURL(site).href }, [SITES.xrootd]: { Url: `${xrootd.url}/` }, [SITES.webdav]: { Url: nginx.httpUrl.replace(/^http:/, 'dav:') } },
    });
    for (const s of Object.values(SITES)) {
      const imp = await runCli(['import', '--site', s, join(root, 'inv.txt'), '--config', configFile], { cwd: root });
      assert.equal(imp.code, 0, imp.stderr);
    }
  });
  after(async () => {
    await xrootd?.stop();
    await nginx?.stop();
    // rm(1): names that are not UTF-8 defeat Node's string-path removal.
    if (root) execFileSync('rm', ['-rf', root]);
  });

  const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);
  const figures: Record<string, number | string> = { files: FILES.length + 1, inventory_only: 1, longest_name_bytes: Math.max(...[...FILES, ORPHAN].map((f) => byteLength(f.slice(f.lastIndexOf('/') + 1)))) };
  const runIds: Record<string, number> = {};

  /** What each protocol is declared to do with the tree (README "Reliability"). */
  const declared = {
    posix: { unlisted: [] as string[] },
    webdav: { unlisted: [] as string[] },
    // "?" starts CGI in an XRootD request path: that directory answers kXR_NotFound. A 255-byte name
    // comes back cut to 254 bytes: the lister refuses the directory rather than invent two names.
    xrootd: { unlisted: [Q_DIR, LONG_DIR].sort() },
  };

  for (const proto of ['posix', 'xrootd', 'webdav'] as const) {
    it(`${proto}: check lists exactly the planted orphan and missing file, escaped, and nothing else`, async () => {
      const s = SITES[proto];
      const r = await runCli(['check', '--dry-run', '--json', '--site', `^${s}$`, '--config', configFile], { cwd: root, timeoutMs: 180_000 });
      assert.equal(r.code, 0, r.stderr.slice(-3000));
      const summary = JSON.parse(r.stdout) as { runId: number; unlisted: { dirs: { lfn: string }[] }; skipped: Record<string, number> };
      runIds[proto] = summary.runId;
      const v = (k: string) => join(root, 'var', `${s}_${k}.txt`);
      assert.deepEqual(lines(v('compare_orphan')), [escapeName(ORPHAN)], `${proto}: orphans`);
      assert.deepEqual(lines(v('compare_missing')), [escapeName(MISSING)], `${proto}: missing`);
      assert.deepEqual(lines(v('size_mismatch')), [], `${proto}: size mismatches`);
      assert.deepEqual(lines(v('unlisted')).sort(), declared[proto].unlisted.map(escapeName), `${proto}: unlisted`);
      assert.deepEqual(summary.unlisted.dirs.map((d) => d.lfn).sort(), declared[proto].unlisted, `${proto}: unlisted in the summary, unescaped`);
      // Every line of every list is valid UTF-8, one name a line.
      for (const k of ['compare_orphan', 'compare_missing', 'unlisted']) assert.ok(Buffer.from(readFileSync(v(k))).equals(Buffer.from(readFileSync(v(k), 'utf8'), 'utf8')), `${k} is UTF-8`);
      figures[`${proto}_orphan`] = lines(v('compare_orphan')).length;
      figures[`${proto}_missing`] = lines(v('compare_missing')).length;
      figures[`${proto}_unlisted`] = lines(v('unlisted')).length;
      figures[`${proto}_undecodable`] = summary.skipped.undecodableNames ?? 0;
    });

    it(`${proto}: list + compare give the same names back, byte for byte`, async () => {
      const s = SITES[proto];
      const l = await runCli(['list', s, '--config', configFile], { cwd: root, timeoutMs: 180_000 });
      // `list` exits 1 when a directory stayed unlisted, naming it on stderr.
      assert.equal(l.code, declared[proto].unlisted.length ? 1 : 0, l.stderr.slice(-2000));
      for (const u of declared[proto].unlisted) assert.ok(l.stderr.includes(JSON.stringify(u).slice(1, -1)) || l.stderr.includes(u), `${proto}: ${u} named as unlisted`);
      const listing = l.stdout.split('\n').filter(Boolean);
      const names = listing.map((x) => x.replace(/ \d+ \d+$/, ''));
      const expected = [...FILES, ORPHAN].filter((f) => !declared[proto].unlisted.some((u) => f.startsWith(u + '/'))).map(escapeName).sort();
      assert.deepEqual([...names].sort(), expected, `${proto}: listing`);
      writeFileSync(join(root, `${proto}-listing.txt`), listing.map((x) => x.replace(/ (\d+) \d+$/, ' $1')).join('\n') + '\n');
      const c = await runCli(['compare', join(root, 'inv.txt'), join(root, `${proto}-listing.txt`), join(root, `${proto}-cmp`)], { cwd: root });
      assert.equal(c.code, 0, c.stderr);
      assert.deepEqual(lines(join(root, `${proto}-cmp_orphan.txt`)), [escapeName(ORPHAN)]);
      const missing = [MISSING, ...FILES.filter((f) => declared[proto].unlisted.some((u) => f.startsWith(u + '/')))].map(escapeName).sort();
      assert.deepEqual([...lines(join(root, `${proto}-cmp_missing.txt`))].sort(), missing, `${proto}: compare knows nothing of unlisted directories`);
    });
  }

  it('the history gives names back unchanged, and the dashboard runs no script from them (real browser)', async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install it with "apt-get install -y chromium" (scripts/setup-system.sh lists it)`);
    const config = loadConfig(configFile, {});
    const store = await HistoryStore.open(config.historyUrl);
    const { app } = await createWebServer({ config, store });
    const base = (await app.listen({ host: '127.0.0.1', port: 0 })).replace(/\/$/, '');
    const profile = mkdtempSync(join(tmpdir(), 'dc-d5-chromium-'));
    let browser: BrowserContext | undefined;
    try {
      const api = (await (await fetch(`${base}/api/runs/${runIds.xrootd}`)).json()) as { summary: { unlisted: { dirs: { lfn: string }[] } } };
      assert.deepEqual(api.summary.unlisted.dirs.map((d) => d.lfn).sort(), declared.xrootd.unlisted, 'the API gives the unlisted names back unchanged');
      browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
      const page = browser.pages()[0] ?? (await browser.newPage());
      const dialogs: string[] = [];
      page.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      const urls = ['/', ...Object.values(SITES).map((s) => `/sites/${s}`)];
      for (const id of Object.values(runIds)) {
        urls.push(`/runs/${id}`, `/runs/${id}/log`);
        for (const list of ['orphan', 'missing', 'unlisted']) urls.push(`/runs/${id}/lists/${list}`, `/runs/${id}/lists/${list}?dir=${encodeURIComponent(DIR)}`);
      }
      let shown = 0;
      for (const u of urls) {
        const res = await page.goto(base + u);
        assert.equal(res?.status(), 200, u);
        const text = await page.locator('body').innerText();
        if (u.includes('lists/orphan?') && text.includes('<img src=x onerror=alert(2)>')) shown++;
        if (u.includes('lists/missing?') && text.includes('<svg onload=window.__d5=2>')) shown++;
        assert.equal(await page.evaluate(() => (window as unknown as { __d5?: number }).__d5), undefined, `${u}: a name ran script`);
      }
      assert.deepEqual(dialogs, [], 'no alert() from a name');
      assert.deepEqual(errors, []);
      assert.equal(shown, 2 * Object.keys(runIds).length, 'the hostile orphan and missing names are shown as text on every run');
      figures.pages_in_browser = urls.length;
      figures.dialogs = dialogs.length;
      figures.scripts_run = 0;
    } finally {
      await browser?.close();
      await app.close();
      await store.close();
      rmSync(profile, { recursive: true, force: true });
    }
    reportFigures('D5', figures);
  });
});
