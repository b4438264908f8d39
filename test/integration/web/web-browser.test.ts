import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { DEMO_SITE } from '../../../src/demo/demo-site.ts';
import { createWebFixture, SITES, TOKEN, type WebFixture } from './web-fixture.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/web/', import.meta.url));

describe('dashboard in a real browser (Debian chromium, headless)', () => {
  let fx: WebFixture;
  let browser: BrowserContext;
  let page: Page;
  let base: string;
  let profile: string;
  const requests: string[] = [];

  before(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install it with "apt-get install -y chromium" (scripts/setup-system.sh lists it)`);
    fx = await createWebFixture({ token: TOKEN });
    base = (await fx.app.listen({ host: '127.0.0.1', port: 0 })).replace(/\/$/, '');
    profile = mkdtempSync(join(tmpdir(), 'dc-web-chromium-'));
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      acceptDownloads: true,
      viewport: { width: 1500, height: 900 },
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    page = browser.pages()[0] ?? (await browser.newPage());
    page.on('request', (r) => requests.push(r.url()));
  });
  after(async () => {
    await browser?.close();
    await fx?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  const columnValues = (col: number) =>
    page.$$eval('#sites tbody tr', (rows, c) => rows.map((r) => Number((r as HTMLTableRowElement).cells[c as number].getAttribute('data-v'))), col);

  it('loads the summary with every site, coloured', async () => {
    await page.goto(`${base}/`);
    assert.equal(await page.locator('#sites tbody tr').count(), Object.keys(SITES).length);
    assert.equal(await page.locator(`tr.c-running[data-site="${SITES.running}"]`).count(), 1);
    assert.equal(await page.locator(`tr.c-alert[data-site="${SITES.alert}"]`).count(), 1);
    assert.equal(await page.locator(`tr.c-stopped[data-site="${SITES.halted}"]`).count(), 1);
    assert.match(await page.locator(`tr[data-site="${SITES.running}"] .progress`).innerText(), /listing · 1,234 dirs · 56,789 files/);
    await shot('summary');
  });

  it('sorts a column both ways by clicking its header', async () => {
    const files = page.locator('#sites th[data-col="4"]');
    await files.click();
    const asc = await columnValues(4);
    assert.deepEqual(asc, [...asc].sort((a, b) => a - b));
    assert.ok(asc[asc.length - 1] > asc[0]);
    await files.click();
    const desc = await columnValues(4);
    assert.deepEqual(desc, [...asc].sort((a, b) => b - a));
    await page.click('#sort-attention');
    assert.equal(await page.locator('#sites tbody tr').first().getAttribute('data-site'), SITES.failed);
    await shot('summary-sorted');
  });

  it('opens a site and sees its charts drawn', async () => {
    await page.click(`#sites a[href="/sites/${SITES.alert}"]`);
    await page.waitForURL(`${base}/sites/${SITES.alert}`);
    const charts = page.locator('figure.chart svg');
    assert.equal(await charts.count(), 6);
    const box = await charts.first().boundingBox();
    assert.ok(box && box.width > 100 && box.height > 50, 'the chart has a size on screen');
    const points = (await page.locator('figure.chart.missing polyline.series').getAttribute('points'))!.trim().split(/\s+/);
    assert.equal(points.length, 10);
    assert.equal(await page.locator('figure.chart.missing circle').count(), 10);
    await shot('site');
  });

  it('logs in with the token and halts a site', async () => {
    await page.goto(`${base}/sites/${SITES.running}`);
    assert.equal(await page.locator('#controls').count(), 0, 'no controls before login');
    await page.click('main a[href^="/login"]');
    await page.fill('#token', 'not the token at all');
    await page.click('#login button[type="submit"]');
    assert.equal(await page.locator('#login-failed').count(), 1);
    await page.fill('#token', TOKEN);
    await page.click('#login button[type="submit"]');
    await page.waitForURL(`${base}/sites/${SITES.running}`);
    await page.click('#controls button[value="halt"]');
    await page.waitForLoadState();
    assert.match(await page.locator('#state').innerText(), /status halt/);
    const st = await fx.store.states.get(SITES.running);
    assert.equal(st.status, 'halt');
    assert.equal(st.updatedBy, 'web:127.0.0.1');
    await shot('site-halted');
  });

  it('shows a run, browses a list as a tree and downloads it', async () => {
    const runId = fx.runIds[DEMO_SITE][1];
    await page.goto(`${base}/runs/${runId}`);
    assert.equal(await page.locator('#timings tr').count(), 5);
    assert.equal(await page.locator('#unlisted tbody tr').count(), 1);
    await shot('run');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('a.download[data-list="missing"]')]);
    const saved = join(profile, 'missing.txt');
    await download.saveAs(saved);
    assert.equal(readFileSync(saved, 'utf8'), readFileSync(join(fx.webDir, `${DEMO_SITE}_compare_missing.txt`), 'utf8'));
    assert.equal(readFileSync(saved, 'utf8').trim().split('\n').length, 4);
    await page.click(`a[href="/runs/${runId}/lists/orphan"]`);
    await page.click('#tree a:has-text("store/")');
    await page.click('#tree a:has-text("mc/")');
    assert.match(await page.locator('#crumbs').innerText(), /store \/ mc/);
    await shot('tree');
  });

  it('keeps names with markup inert and fetches nothing from elsewhere', async () => {
    await page.goto(`${base}/runs/${fx.runIds[SITES.evil][0]}`);
    await page.goto(`${base}/runs/${fx.runIds[DEMO_SITE][1]}/lists/orphan?dir=${encodeURIComponent('/store/mc/RunIIFall17/Evil/AODSIM/v1/0000')}`);
    assert.match(await page.locator('#tree').innerText(), /<script>window.__pwned=1/);
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    await shot('tree-markup-names');
    await page.goto(`${base}/help`);
    await shot('help');
    const foreign = requests.filter((u) => !u.startsWith(base));
    assert.deepEqual(foreign, []);
  });
});
