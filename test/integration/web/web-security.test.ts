import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_SITE } from '../../../src/demo/demo-site.ts';
import { escapeHtml } from '../../../src/web/web-html.ts';
import { WebAuth } from '../../../src/web/web-auth.ts';
import { createWebFixture, EVIL, EVIL_DIR, SITES, TOKEN, type WebFixture } from './web-fixture.ts';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describe('dashboard security', () => {
  let fx: WebFixture;
  const logged: string[] = [];
  before(async () => {
    fx = await createWebFixture({ token: TOKEN, tokenFile: true });
    const inner = fx.ctx.log;
    fx.ctx.log = (event, fields) => {
      logged.push(JSON.stringify({ event, ...fields }));
      inner(event, fields);
    };
  });
  after(async () => {
    await fx?.close();
  });

  const get = (url: string, headers: Record<string, string> = {}) => fx.app.inject({ method: 'GET', url, headers });

  /** No name from storage may reach the page as markup: only its escaped text may appear. */
  function assertInert(html: string, where: string): void {
    assert.ok(!html.includes('<script>window.__pwned'), `${where}: raw <script> from a name`);
    assert.ok(!html.includes('<img src=x'), `${where}: raw <img> from a name`);
    assert.ok(!html.includes('<b>bold</b>'), `${where}: raw <b> from a directory name`);
    assert.equal([...html.matchAll(/<script/g)].length, 1, `${where}: only our own script tag`);
  }

  it('renders every file name, directory and error message as text', async () => {
    const evilRun = fx.runIds[SITES.evil][0];
    const demoRun = fx.runIds[DEMO_SITE][1];
    const pages = [
      '/', '/?order=site', `/sites/${SITES.evil}`, `/runs/${evilRun}`, `/runs/${evilRun}/lists/orphan`,
      `/runs/${evilRun}/lists/orphan?dir=${encodeURIComponent('/store/mc/Evil')}`, `/runs/${evilRun}/lists/orphan?dir=${encodeURIComponent(EVIL_DIR)}`,
      `/runs/${evilRun}/lists/unlisted?dir=${encodeURIComponent('/store/mc')}`, `/runs/${demoRun}/lists/orphan?dir=${encodeURIComponent('/store/mc/RunIIFall17/Evil/AODSIM/v1/0000')}`,
      `/runs/${fx.runIds[SITES.failed][1]}`, `/sites/${SITES.failed}`, `/login?next=${encodeURIComponent('/"><script>x</script>')}`,
    ];
    for (const url of pages) {
      const res = await get(url);
      assert.equal(res.statusCode, 200, url);
      assertInert(res.body, url);
    }
    // The names are there, escaped.
    const run = (await get(`/runs/${evilRun}`)).body;
    assert.ok(run.includes(escapeHtml(EVIL_DIR)), 'unlisted directory shown as text');
    assert.ok(run.includes(escapeHtml(`denied: ${EVIL}`)), 'error message shown as text');
    assert.ok(run.includes(escapeHtml(`listing ${EVIL}`)), 'log shown as text');
    const tree = (await get(`/runs/${demoRun}/lists/orphan?dir=${encodeURIComponent('/store/mc/RunIIFall17/Evil/AODSIM/v1/0000')}`)).body;
    assert.ok(tree.includes(escapeHtml(`${EVIL}.root`)), 'the real orphan named with markup is listed');
    const api = (await get(`/api/runs/${evilRun}`)).json() as { summary: { unlisted: { dirs: { lfn: string }[] } } };
    assert.equal(api.summary.unlisted.dirs[0].lfn, EVIL_DIR, 'the API gives names back unchanged');
  });

  it('sends a strict content security policy and no sniffing', async () => {
    const res = await get('/');
    assert.match(res.headers['content-security-policy'] as string, /script-src 'self'/);
    assert.doesNotMatch(res.headers['content-security-policy'] as string, /unsafe-inline/);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
  });

  it('downloads a list as an attachment in plain text', async () => {
    const res = await get(`/files/${SITES.evil}/${SITES.evil}_compare_orphan.txt`);
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /^text\/plain; charset=utf-8/);
    assert.match(res.headers['content-disposition'] as string, /^attachment; filename="T2_IT_Evil_compare_orphan.txt"$/);
    assert.ok(res.body.includes(EVIL));
  });

  it('never serves a file outside the site data directory', async () => {
    mkdirSync(join(fx.dir, 'outside'), { recursive: true });
    writeFileSync(join(fx.dir, 'outside', 'secret.txt'), 'secret');
    // A link planted in the data directory under a name the dashboard would serve.
    symlinkSync(join(fx.dir, 'outside', 'secret.txt'), join(fx.webDir, `${SITES.never}_compare_orphan.txt`));
    symlinkSync('/etc/passwd', join(fx.webDir, `${SITES.never}_unlisted.txt`));
    const urls = [
      `/files/${SITES.evil}/..%2Fconsistency_config.json`,
      `/files/${SITES.evil}/..%2F..%2F..%2F..%2Fetc%2Fpasswd`,
      `/files/${SITES.evil}/%2E%2E`,
      `/files/${SITES.evil}/..`,
      `/files/${SITES.evil}/../consistency_config.json`,
      `/files/${SITES.evil}/../../etc/passwd`,
      `/files/..%2F${SITES.evil}/${SITES.evil}_compare_orphan.txt`,
      `/files/${SITES.evil}/%00${SITES.evil}_compare_orphan.txt`,
      `/files/${SITES.evil}/${SITES.evil}_compare_orphan.txt%00.png`,
      `/files/${SITES.evil}/history.sqlite`,
      `/files/${SITES.evil}/..%5Cconsistency_config.json`,
      `/files/${DEMO_SITE}/${SITES.evil}_compare_orphan.txt`,
      `/files/T9_NO_Such/T9_NO_Such_compare_orphan.txt`,
      `/files/${SITES.never}/${SITES.never}_compare_orphan.txt`,
      `/files/${SITES.never}/${SITES.never}_unlisted.txt`,
      `/files/${SITES.evil}/${encodeURIComponent(join(fx.dir, 'outside', 'secret.txt'))}`,
    ];
    for (const url of urls) {
      const res = await get(url);
      assert.ok(res.statusCode === 404 || res.statusCode === 400, `${url} gave ${res.statusCode}`);
      assert.ok(!res.body.includes('secret') && !res.body.includes('root:x:0'), `${url} leaked`);
    }
  });

  it('changes a state through the API only with the right bearer token, recording the origin', async () => {
    const post = (auth: string | undefined, value: string, site: string = SITES.evil) =>
      fx.app.inject({ method: 'POST', url: `/api/sites/${site}/state`, headers: auth ? { authorization: auth } : {}, payload: { value } });
    assert.equal((await post(undefined, 'halt')).statusCode, 401);
    assert.equal((await post('Bearer wrong', 'halt')).statusCode, 401);
    assert.equal((await post(`Bearer ${TOKEN}x`, 'halt')).statusCode, 401);
    assert.equal((await post(`Bearer ${TOKEN.slice(0, -1)}`, 'halt')).statusCode, 401);
    assert.equal((await post(`Basic ${TOKEN}`, 'halt')).statusCode, 401);
    assert.equal((await fx.store.states.get(SITES.evil)).status, 'ready');
    assert.equal((await post(`Bearer ${TOKEN}`, 'nonsense')).statusCode, 400);
    assert.equal((await post(`Bearer ${TOKEN}`, 'halt', 'T9_NO_Such')).statusCode, 404);
    const ok = await post(`Bearer ${TOKEN}`, 'halt');
    assert.equal(ok.statusCode, 200);
    const st = await fx.store.states.get(SITES.evil);
    assert.equal(st.status, 'halt');
    assert.equal(st.updatedBy, 'api:127.0.0.1');
    const site = (await get(`/api/sites/${SITES.evil}`)).json() as { stateChanges: { value: string; by: string; at: string }[] };
    assert.equal(site.stateChanges[0].value, 'halt');
    assert.equal(site.stateChanges[0].by, 'api:127.0.0.1');
    assert.ok(Date.now() - Date.parse(site.stateChanges[0].at) < 60_000);
    await post(`Bearer ${TOKEN}`, 'ready');
  });

  it('changes a state from the page only after login and with the form token', async () => {
    const url = `/sites/${SITES.never}/state`;
    assert.equal((await fx.app.inject({ method: 'POST', url, headers: FORM, payload: 'value=disable' })).statusCode, 403);
    const bad = await fx.app.inject({ method: 'POST', url: '/login', headers: FORM, payload: `token=wrong&next=/` });
    assert.equal(bad.statusCode, 303);
    assert.match(bad.headers.location as string, /^\/login\?failed=1/);
    assert.equal(bad.headers['set-cookie'], undefined);
    const good = await fx.app.inject({ method: 'POST', url: '/login', headers: FORM, payload: `token=${encodeURIComponent(TOKEN)}&next=${encodeURIComponent('//evil.example/')}` });
    assert.equal(good.statusCode, 303);
    assert.equal(good.headers.location, '/', 'no redirect off the site');
    const setCookie = String(good.headers['set-cookie']);
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Strict/);
    assert.ok(!setCookie.includes(TOKEN), 'the cookie is not the token');
    const cookie = setCookie.split(';')[0];
    const page = (await get(`/sites/${SITES.never}`, { cookie })).body;
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1];
    assert.ok(csrf, 'the logged-in page has controls');
    assert.equal((await fx.app.inject({ method: 'POST', url, headers: { ...FORM, cookie }, payload: 'value=disable' })).statusCode, 403, 'no form token');
    assert.equal((await fx.app.inject({ method: 'POST', url, headers: { ...FORM, cookie }, payload: `value=disable&csrf=${csrf}x` })).statusCode, 403, 'wrong form token');
    const forged = `${Math.floor(Date.now() / 1000)}.AAAA`;
    assert.equal((await fx.app.inject({ method: 'POST', url, headers: { ...FORM, cookie: `dc_session=${forged}` }, payload: `value=disable&csrf=${csrf}` })).statusCode, 403, 'forged session');
    const ok = await fx.app.inject({ method: 'POST', url, headers: { ...FORM, cookie }, payload: `value=disable&csrf=${csrf}` });
    assert.equal(ok.statusCode, 303);
    const st = await fx.store.states.get(SITES.never);
    assert.equal(st.status, 'disable');
    assert.equal(st.updatedBy, 'web:127.0.0.1');
    await fx.store.states.set(SITES.never, 'ready', 'test');
  });

  it('never logs or echoes the token', async () => {
    await fx.app.inject({ method: 'POST', url: '/login', headers: FORM, payload: `token=${encodeURIComponent(TOKEN)}&next=/` });
    await fx.app.inject({ method: 'POST', url: '/login', headers: FORM, payload: `token=${encodeURIComponent(TOKEN + 'x')}&next=/` });
    await fx.app.inject({ method: 'POST', url: `/api/sites/${SITES.evil}/state`, headers: { authorization: `Bearer ${TOKEN}x` }, payload: { value: 'dry' } });
    const failed = await get('/login?failed=1');
    assert.ok(logged.some((l) => l.includes('web-login')), 'logins are logged');
    for (const l of logged) assert.ok(!l.includes(TOKEN), `log line holds the token: ${l}`);
    assert.ok(!failed.body.includes(TOKEN));
  });

  it('compares tokens of any length without throwing', () => {
    const auth = new WebAuth(TOKEN);
    assert.equal(auth.checkToken(TOKEN), true);
    for (const t of ['', 'a', TOKEN + TOKEN, TOKEN.toUpperCase(), '\u0000'.repeat(64), undefined, 42]) assert.equal(auth.checkToken(t), false);
    assert.equal(new WebAuth(undefined).checkToken(TOKEN), false);
    assert.equal(auth.checkSession(auth.newSession().value), true);
    assert.equal(new WebAuth(TOKEN).checkSession(auth.newSession().value), false, 'a session from another server start');
    // Issue 16 (drill D6): two logins in the same second were one session with one CSRF value.
    const fixed = new WebAuth(TOKEN, () => 1_700_000_000_000);
    const [a, b] = [fixed.newSession().value, fixed.newSession().value];
    assert.notEqual(a, b, 'two logins in the same second are two sessions');
    assert.notEqual(fixed.csrfFor(a), fixed.csrfFor(b));
    assert.equal(fixed.checkCsrf(a, fixed.csrfFor(b)), false, "one session's form token does not serve another");
    let clock = Date.now();
    const timed = new WebAuth(TOKEN, () => clock);
    const session = timed.newSession().value;
    assert.equal(timed.checkSession(session), true);
    clock += 13 * 3600_000;
    assert.equal(timed.checkSession(session), false, 'an expired session');
  });
});
