/**
 * Drill D6 (issue 16): the dashboard under attack, over the shared web fixture (a real history store,
 * the demo site checked for real) and, for the slow clients, a real listening socket. Asserted: no
 * state change without the token or the session's CSRF value; no download leaves the data
 * directories; oversized bodies and headers refused with the server still answering; 1 000 slow
 * clients do not starve a normal request (its latency is measured); secrets given to real `check`
 * runs (a password in a storage URL and in the inventory URL, a bearer token file) reach no log
 * line, page, /api answer, /metrics or error message.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REQUEST_TIMEOUT_MS } from '../../src/web/web-server.ts';
import { rawRequest, secretRuns } from './d6-attack-helpers.ts';
import { createWebFixture, SITES, TOKEN, type WebFixture } from '../integration/web/web-fixture.ts';
import { drillSize, LONG, reportFigures } from './drill-mode.ts';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describe('drill D6: the dashboard under attack', { timeout: 900_000 }, () => {
  let fx: WebFixture;
  let base: string;
  const logged: string[] = [];
  before(async () => {
    fx = await createWebFixture({ token: TOKEN });
    const inner = fx.ctx.log;
    fx.ctx.log = (event, fields) => {
      logged.push(JSON.stringify({ event, ...fields }));
      inner(event, fields);
    };
    base = (await fx.app.listen({ host: '127.0.0.1', port: 0 })).replace(/\/$/, '');
  });
  after(async () => {
    await fx?.close();
  });

  const inject = (method: 'GET' | 'POST', url: string, headers: Record<string, string> = {}, payload?: string | object) => fx.app.inject({ method, url, headers, payload });

  it('changes no state without the token, with a wrong one, or cross-site without the CSRF value', async () => {
    const site = SITES.never;
    const login = await inject('POST', '/login', FORM, `token=${encodeURIComponent(TOKEN)}&next=/`);
    const cookie = String(login.headers['set-cookie']).split(';')[0];
    const other = String((await inject('POST', '/login', FORM, `token=${encodeURIComponent(TOKEN)}&next=/`)).headers['set-cookie']).split(';')[0];
    const csrfOf = async (c: string) => /name="csrf" value="([^"]+)"/.exec((await inject('GET', `/sites/${site}`, { cookie: c })).body)?.[1] ?? '';
    const csrf = await csrfOf(cookie);
    const otherCsrf = await csrfOf(other);
    assert.ok(csrf && otherCsrf, 'logged-in pages carry the form token');
    const wrongTokens = ['', 'wrong', TOKEN + 'x', TOKEN.slice(0, -1), TOKEN.toUpperCase(), ` ${TOKEN}x`, '\u0000'.repeat(32), 'x'.repeat(10_000)];
    const attempts: [string, () => ReturnType<typeof inject>][] = [];
    const api = (headers: Record<string, string>, payload: object | string = { value: 'halt' }) => () => inject('POST', `/api/sites/${site}/state`, headers, payload);
    attempts.push(['api, no token', api({})]);
    for (const t of wrongTokens) attempts.push([`api, bearer ${JSON.stringify(t.slice(0, 12))}`, api({ authorization: `Bearer ${t}` })]);
    attempts.push(['api, token as Basic', api({ authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` })]);
    attempts.push(['api, token in the body', api({}, { value: 'halt', token: TOKEN })]);
    attempts.push(['api, token in the query', () => inject('POST', `/api/sites/${site}/state?token=${TOKEN}`, {}, { value: 'halt' })]);
    attempts.push(['api, session cookie instead of bearer', api({ cookie })]);
    const form = (headers: Record<string, string>, body: string) => () => inject('POST', `/sites/${site}/state`, { ...FORM, ...headers }, body);
    attempts.push(['form, not logged in', form({}, 'value=halt')]);
    attempts.push(['form, token instead of a session', form({}, `value=halt&token=${TOKEN}`)]);
    attempts.push(['form, token as cookie', form({ cookie: `dc_session=${TOKEN}` }, 'value=halt')]);
    attempts.push(['form, forged session', form({ cookie: `dc_session=${Math.floor(Date.now() / 1000)}.${'A'.repeat(43)}` }, `value=halt&csrf=${csrf}`)]);
    for (const origin of ['https://evil.example', 'null']) {
      attempts.push([`cross-site from ${origin}, no csrf`, form({ cookie, origin, referer: `${origin}/x` }, 'value=halt')]);
      attempts.push([`cross-site from ${origin}, csrf of another session`, form({ cookie, origin }, `value=halt&csrf=${otherCsrf}`)]);
      attempts.push([`cross-site from ${origin}, empty csrf`, form({ cookie, origin }, 'value=halt&csrf=')]);
    }
    attempts.push(['cross-site text/plain form', () => inject('POST', `/sites/${site}/state`, { 'content-type': 'text/plain', cookie }, 'value=halt')]);
    attempts.push(['cross-site JSON to the form route', () => inject('POST', `/sites/${site}/state`, { 'content-type': 'application/json', cookie }, { value: 'halt' })]);
    attempts.push(['GET with the values', () => inject('GET', `/sites/${site}/state?value=halt&csrf=${csrf}`, { cookie })]);
    attempts.push(['method override header', () => inject('GET', `/api/sites/${site}/state`, { 'x-http-method-override': 'POST', authorization: 'Bearer wrong' })]);
    const statuses: Record<number, number> = {};
    for (const [what, attempt] of attempts) {
      const res = await attempt();
      statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
      assert.ok([400, 401, 403, 404, 413, 415].includes(res.statusCode), `${what}: answered ${res.statusCode}`);
      assert.equal((await fx.store.states.get(site)).status, 'ready', `${what}: the state changed`);
    }
    // The same requests with the right credentials do change it: the refusals above were not for another reason.
    assert.equal((await form({ cookie }, `value=halt&csrf=${csrf}`)()).statusCode, 303);
    assert.equal((await fx.store.states.get(site)).status, 'halt');
    assert.equal((await api({ authorization: `Bearer ${TOKEN}` }, { value: 'ready' })()).statusCode, 200);
    reportFigures('D6 state-changes', { forged_attempts: attempts.length, changed: 0, ...Object.fromEntries(Object.entries(statuses).map(([k, v]) => [`http_${k}`, v])) });
  });

  it('serves no file from outside the data directories, however the name is written', async () => {
    const outside = join(fx.dir, 'outside');
    mkdirSync(outside, { recursive: true });
    writeFileSync(join(outside, 'secret.txt'), 'TOP-SECRET-CONTENT');
    const varDir = join(fx.dir, 'var');
    mkdirSync(varDir, { recursive: true });
    // Links planted under names the dashboard serves, in WebDir and in VarLocation, to a file and to a directory outside.
    symlinkSync(join(outside, 'secret.txt'), join(fx.webDir, `${SITES.never}_compare_orphan.txt`));
    symlinkSync(join(outside, 'secret.txt'), join(varDir, `${SITES.never}_compare_missing.txt`));
    symlinkSync('/etc/passwd', join(varDir, `${SITES.never}_unlisted.txt`));
    symlinkSync(outside, join(varDir, `${SITES.never}_empty.txt`));
    symlinkSync(join(outside, 'secret.txt'), join(varDir, `${SITES.never}.log`));
    const s = SITES.evil;
    const names = [
      '..', '.', '%2E%2E', '%2e%2e%2f', '..%2F..%2Fconsistency_config.json', '..%2f..%2f..%2f..%2fetc%2fpasswd', '..%5C..%5Cconsistency_config.json',
      '%252e%252e%252fconsistency_config.json', '%252E%252E%252F%252E%252E%252Fetc%252Fpasswd', '%25252e%25252e%25252f',
      '%c0%ae%c0%ae%c0%afetc%c0%afpasswd', '%e0%80%ae%e0%80%ae%2f', '..%00.txt', `%00${s}_compare_orphan.txt`, `${s}_compare_orphan.txt%00.png`,
      encodeURIComponent('/etc/passwd'), encodeURIComponent(join(outside, 'secret.txt')), encodeURIComponent('file:///etc/passwd'),
      'history.sqlite', 'consistency_config.json', `${s}_compare_orphan.txt%2F..%2F..%2Fconsistency_config.json`, `.%2F${s}_compare_orphan.txt`,
    ];
    const urls = [
      ...names.map((n) => `/files/${s}/${n}`),
      `/files/${s}/../../consistency_config.json`, `/files/${s}/./../consistency_config.json`, `/files/..%2F${s}/${s}_compare_orphan.txt`, `/files/%2E%2E/consistency_config.json`,
      `/files/${SITES.never}/${SITES.never}_compare_orphan.txt`, `/files/${SITES.never}/${SITES.never}_compare_missing.txt`, `/files/${SITES.never}/${SITES.never}_unlisted.txt`,
      `/files/${SITES.never}/${SITES.never}_empty.txt`, `/files/${SITES.never}/${SITES.never}.log`, `/files/T9_NO_Such/T9_NO_Such_compare_orphan.txt`,
      `/static/..%2F..%2Fconsistency_config.json`, `/static/%2e%2e/%2e%2e/etc/passwd`, `/runs/..%2F..%2Fetc%2Fpasswd/log`, `/runs/1%2F..%2F..%2F/log`,
      `/runs/${fx.runIds[SITES.evil][0]}/lists/..%2F..%2Fconsistency_config.json`, `//etc/passwd`, `/%2e%2e/%2e%2e/etc/passwd`,
    ];
    const statuses: Record<number, number> = {};
    for (const url of urls) {
      const res = await inject('GET', url);
      statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
      assert.ok([400, 404].includes(res.statusCode), `${url} gave ${res.statusCode}`);
      for (const leak of ['TOP-SECRET', 'root:x:0', '"RootPath"', 'SQLite format']) assert.ok(!res.body.includes(leak), `${url} leaked ${leak}`);
    }
    // A raw request line (no URL normalisation by the client) over the real socket.
    const raw = await rawRequest(base, `GET /files/${s}/../../../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    assert.match(raw, /^HTTP\/1\.1 (400|404)/);
    assert.ok(!raw.includes('root:x:0'));
    // The real file is still served: the refusals are not a broken route.
    assert.equal((await inject('GET', `/files/${s}/${s}_compare_orphan.txt`)).statusCode, 200);
    reportFigures('D6 traversal', { urls: urls.length + 1, planted_symlinks: 5, served_outside: 0, ...Object.fromEntries(Object.entries(statuses).map(([k, v]) => [`http_${k}`, v])) });
  });

  it('refuses oversized bodies and headers and keeps answering', async () => {
    const big = (n: number) => 'v'.repeat(n);
    const json = await inject('POST', `/api/sites/${SITES.never}/state`, { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, JSON.stringify({ value: 'halt', pad: big(200_000) }));
    assert.equal(json.statusCode, 413);
    const formBody = await inject('POST', '/login', FORM, `token=${big(20_000)}`);
    assert.equal(formBody.statusCode, 413);
    assert.ok(!formBody.body.includes(big(100)), 'the body is not echoed');
    const header = await rawRequest(base, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${big(64 * 1024)}\r\nConnection: close\r\n\r\n`);
    assert.match(header, /^HTTP\/1\.1 431/);
    const many = await rawRequest(base, `GET / HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 3000 }, (_, i) => `X-H${i}: v\r\n`).join('')}Connection: close\r\n\r\n`);
    assert.match(many, /^HTTP\/1\.1 431/);
    const cookieBomb = await rawRequest(base, `GET / HTTP/1.1\r\nHost: x\r\nCookie: ${Array.from({ length: 2000 }, (_, i) => `c${i}=${'z'.repeat(8)}`).join('; ')}\r\nConnection: close\r\n\r\n`);
    assert.match(cookieBomb, /^HTTP\/1\.1 431/);
    const url = await rawRequest(base, `GET /sites/${big(100_000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    assert.match(url, /^HTTP\/1\.1 (414|431|404)/);
    assert.equal((await fetch(`${base}/`)).status, 200, 'the server still answers');
    assert.equal((await fx.store.states.get(SITES.never)).status, 'ready');
    reportFigures('D6 oversized', { json_body_KiB: 195, form_body_KiB: 19, header_KiB: 64, headers: 3000, cookies: 2000, url_KiB: 98, refused: 6 });
  });

  it('stays responsive for others while 1 000 slow clients hold connections open', async () => {
    // Node drops a request whose headers are not all in by headersTimeout (≤ requestTimeout), checked every 30 s.
    const server = fx.app.server;
    assert.ok(server.requestTimeout > 0 && server.requestTimeout <= REQUEST_TIMEOUT_MS, `requestTimeout ${server.requestTimeout}`);
    assert.ok(server.headersTimeout > 0 && server.headersTimeout <= server.requestTimeout, `headersTimeout ${server.headersTimeout}`);
    const clients = 1000;
    // Both ends of every connection live in this process: it needs two descriptors per slow client.
    const nofile = Number(/Max open files\s+(\d+)/.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1] ?? 0);
    assert.ok(nofile >= 2 * clients + 500, `this drill needs ${2 * clients + 500} open files, the limit is ${nofile}: raise it (ulimit -n 8192)`);
    const holdMs = drillSize(8_000, 75_000);
    const sockets: Socket[] = [];
    let closedByServer = 0;
    const { port } = new URL(base);
    const opened = await Promise.all(
      Array.from({ length: clients }, () => new Promise<boolean>((resolve) => {
        const s = connect({ host: '127.0.0.1', port: Number(port) }, () => {
          s.write('GET / HTTP/1.1\r\nHost: x\r\n');
          resolve(true);
        });
        s.on('error', () => resolve(false));
        s.on('close', () => closedByServer++);
        sockets.push(s);
      })),
    );
    // Each slow client sends one more header byte a second, never finishing its request.
    const drip = setInterval(() => {
      for (const s of sockets) if (!s.destroyed) s.write('X');
    }, 1000);
    const latencies: number[] = [];
    const t0 = Date.now();
    try {
      while (Date.now() - t0 < holdMs) {
        const t = performance.now();
        const res = await fetch(`${base}/api/sites`);
        await res.arrayBuffer();
        latencies.push(performance.now() - t);
        assert.equal(res.status, 200);
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      clearInterval(drip);
    }
    const stillOpen = sockets.filter((s) => !s.destroyed).length;
    for (const s of sockets) s.destroy();
    latencies.sort((a, b) => a - b);
    const p = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
    reportFigures('D6 slow-clients', {
      slow_clients: clients,
      connected: opened.filter(Boolean).length,
      attack_seconds: (holdMs / 1000).toFixed(0),
      normal_requests: latencies.length,
      latency_p50_ms: p(0.5).toFixed(1),
      latency_p95_ms: p(0.95).toFixed(1),
      latency_max_ms: latencies[latencies.length - 1].toFixed(1),
      slow_clients_dropped_by_server: closedByServer,
      slow_clients_still_open: stillOpen,
    });
    assert.equal(opened.filter(Boolean).length, clients, 'every slow client got a connection');
    assert.ok(latencies.length >= 10);
    // Generous (2 cores shared by many processes): a starved server would take seconds, not tens of ms.
    assert.ok(p(0.95) < 3000, `p95 ${p(0.95).toFixed(0)} ms under the attack`);
    // The long run holds past requestTimeout plus Node's 30 s check interval: every slow client is gone by then.
    if (LONG) assert.equal(stillOpen, 0, 'slow clients are dropped once headersTimeout passes');
  });

  it('keeps secrets given to real runs out of logs, pages, /api, /metrics and error messages', async () => {
    const s = await secretRuns(fx.dir);
    try {
      for (const r of s.cli) for (const secret of s.secrets) assert.ok(!r.includes(secret), `check output holds ${secret}: ${r.slice(0, 2000)}`);
      assert.ok(s.cli.some((r) => r.includes('S3cretPw') === false && /credentials in the WebDAV URL|ECONNREFUSED|cannot|refused/i.test(r)), 'the failures are reported');
      const urls = ['/', '/api/sites', '/metrics', '/help', ...s.sites.flatMap((site) => [`/sites/${site}`, `/api/sites/${site}`])];
      for (const id of s.runIds) urls.push(`/runs/${id}`, `/api/runs/${id}`, `/runs/${id}/log`);
      urls.push('/api/runs/999999', '/runs/abc', `/files/${s.sites[0]}/x`);
      let scanned = 0;
      for (const url of urls) {
        const res = await s.app.inject({ method: 'GET', url });
        for (const secret of s.secrets) assert.ok(!res.body.includes(secret), `${url} shows ${secret}`);
        for (const secret of s.secrets) assert.ok(!JSON.stringify(res.headers).includes(secret), `${url} headers hold ${secret}`);
        scanned += res.body.length;
      }
      const files = s.files();
      for (const [f, text] of files) for (const secret of s.secrets) assert.ok(!text.includes(secret), `${f} holds ${secret}`);
      for (const l of [...s.webLog, ...logged]) for (const secret of [...s.secrets, TOKEN]) assert.ok(!l.includes(secret), `log line holds a secret: ${l}`);
      // The runs did fail and were recorded, so the scan above looked at real error messages.
      const failed = (await s.app.inject({ method: 'GET', url: '/api/sites' })).body;
      assert.ok(s.runIds.length >= 3, 'three runs recorded');
      reportFigures('D6 secrets', { secrets: s.secrets.length, runs: s.runIds.length, urls: urls.length, KiB_scanned: (scanned / 1024).toFixed(0), files_scanned: files.length, found: 0, api_bytes: failed.length });
    } finally {
      await s.close();
    }
  });
});
