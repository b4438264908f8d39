/** Token authentication (ztn over TLS, issue 3) against a real xrootd 5.5 server. */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DcError } from '../../../src/core/errors.ts';
import type { Lister } from '../../../src/listers/lister.ts';
import { createXrootdLister, XrootdLister } from '../../../src/listers/xrootd/xrootd-lister.ts';
import { createLister } from '../../../src/listers/registry.ts';
import { BearerTokenSource } from '../../../src/protocols/credentials/credentials-bearer-token.ts';
import { loadCaDir } from '../../../src/protocols/credentials/credentials-x509.ts';
import type { SiteEnv } from '../../../src/protocols/protocol-site.ts';
import { xrootdOptionsFromSite } from '../../../src/protocols/xrootd/xrootd-site-options.ts';
import { siteBackend } from '../../helpers/backend-site.ts';
import { startXrootd, type XrootdServer } from '../../servers/xrootd-server.ts';
import { ACCEPTED_PREFIX, REFUSAL_TEXT, buildZtnValidator, ztnServerConfig, type ZtnValidator } from '../../servers/xrootd-ztn-validator.ts';
import { startRecordingProxy } from './xrootd-recording-proxy.ts';

const GOOD = `${ACCEPTED_PREFIX}eyJhbGciOiJFUzI1NiJ9.c2VjcmV0LXBheWxvYWQ.sig-${process.pid}`;
const BAD = `not-accepted.secret-${process.pid}`;

async function names(l: Lister, path: string): Promise<string[]> {
  const out: string[] = [];
  for await (const b of l.listDir(path, new AbortController().signal)) out.push(...b.map((e) => `${e.name}:${e.size}`));
  return out.sort();
}

const settings = (url: string, keys: Record<string, unknown>, env: SiteEnv = {}) => siteBackend({ Url: url, NumThreads: 2, Timeout: 10, ...keys }, env);

describe('xrootd ztn token authentication (real server, roots://)', () => {
  let validator: ZtnValidator;
  let server: XrootdServer;
  let dataDir = '';
  let tokDir = '';

  before(async () => {
    validator = buildZtnValidator();
    dataDir = mkdtempSync('/tmp/dctest-ztndata-');
    chmodSync(dataDir, 0o755);
    mkdirSync(join(dataDir, 'x/y'), { recursive: true });
    writeFileSync(join(dataDir, 'x/f'), 'abc');
    tokDir = mkdtempSync('/tmp/dctest-ztntok-');
    server = await startXrootd({ dataDir, tls: true, extraConfig: ztnServerConfig(validator) });
  });

  after(async () => {
    await server?.stop();
    validator?.remove();
    for (const d of [dataDir, tokDir]) if (d) rmSync(d, { recursive: true, force: true });
  });

  const tokenFile = (name: string, text: string) => {
    const p = join(tokDir, name);
    writeFileSync(p, text, { mode: 0o600 });
    return p;
  };

  const rejectsWith = async (p: Promise<unknown>, code: string, re: RegExp, secret: string) => {
    await assert.rejects(p, (e: unknown) => {
      assert.ok(e instanceof DcError, String(e));
      assert.equal(e.code, code, e.message);
      assert.match(e.message, re);
      assert.ok(!e.message.includes(secret) && !JSON.stringify(e.detail ?? {}).includes(secret), 'the token leaked into the error');
      return true;
    });
  };

  it('lists with the token of the site key BearerTokenFile (whitespace around it stripped)', async () => {
    const lister = await createLister(settings(server.url, { CaDir: server.caDir, BearerTokenFile: tokenFile('site', `\n  ${GOOD} \n`) }));
    try {
      assert.deepEqual(await names(lister, '/x'), ['f:3', 'y:0']);
    } finally {
      await lister.close();
    }
  });

  it('finds the token the standard way: BEARER_TOKEN, BEARER_TOKEN_FILE, $XDG_RUNTIME_DIR/bt_u<uid>', async () => {
    const runtime = mkdtempSync(join(tokDir, 'xdg-'));
    writeFileSync(join(runtime, `bt_u${process.geteuid!()}`), GOOD + '\n', { mode: 0o600 });
    for (const env of [{ BEARER_TOKEN: ` ${GOOD}\n` }, { BEARER_TOKEN_FILE: tokenFile('env', GOOD) }, { XDG_RUNTIME_DIR: runtime }]) {
      const lister = new XrootdLister(server.url, xrootdOptionsFromSite(settings(server.url, { CaDir: server.caDir }, env)));
      try {
        assert.deepEqual(await names(lister, '/x'), ['f:3', 'y:0'], JSON.stringify(Object.keys(env)));
      } finally {
        await lister.close();
      }
    }
  });

  it('reports the server refusing a token as PERMISSION with the server text, never the token', async () => {
    const lister = createXrootdLister(settings(server.url, { CaDir: server.caDir, BearerTokenFile: tokenFile('bad', BAD) }));
    try {
      await rejectsWith(names(lister, '/x'), 'PERMISSION', new RegExp(REFUSAL_TEXT), BAD);
    } finally {
      await lister.close();
    }
  });

  it('without any token: PERMISSION saying where it looked', async () => {
    const bearerToken = new BearerTokenSource({ env: { XDG_RUNTIME_DIR: tokDir }, uid: 4_000_000_001, ownerOnly: true });
    const lister = new XrootdLister(server.url, { tlsOptions: { ca: loadCaDir(server.caDir!) }, bearerToken, requestTimeoutMs: 5_000 });
    try {
      await rejectsWith(names(lister, '/x'), 'PERMISSION', /no bearer token was found.*bt_u4000000001/, GOOD);
    } finally {
      await lister.close();
    }
  });

  it('re-reads a rotated token file: refused first, accepted once the file holds a good token', async () => {
    const p = tokenFile('rotating', BAD);
    const lister = createXrootdLister(settings(server.url, { CaDir: server.caDir, BearerTokenFile: p }));
    try {
      await rejectsWith(names(lister, '/x'), 'PERMISSION', new RegExp(REFUSAL_TEXT), BAD);
      writeFileSync(p, GOOD);
      assert.deepEqual(await names(lister, '/x'), ['f:3', 'y:0']);
    } finally {
      await lister.close();
    }
  });

  it('sends the token only inside TLS: a relay sees no token bytes while the listing works', async () => {
    const proxy = await startRecordingProxy(server.host, server.port);
    const lister = createXrootdLister(settings(`roots://${proxy.host}:${proxy.port}/`, { CaDir: server.caDir, BearerTokenFile: tokenFile('tls', GOOD) }));
    try {
      assert.deepEqual(await names(lister, '/x'), ['f:3', 'y:0']);
      assert.ok(proxy.sent().length > 0);
      assert.equal(proxy.sent().indexOf(GOOD), -1);
    } finally {
      await lister.close();
      await proxy.close();
    }
  });

  it('over plain root:// refuses to authenticate with the token: CONFIG error, the token never leaves', async () => {
    const proxy = await startRecordingProxy(server.host, server.port);
    const lister = createXrootdLister(settings(`root://${proxy.host}:${proxy.port}/`, { BearerTokenFile: tokenFile('plain', GOOD) }));
    try {
      await assert.rejects(names(lister, '/x'), (e: unknown) => e instanceof DcError && e.code === 'CONFIG' && /TLS/.test(e.message) && e.detail?.reason === 'ztn-needs-tls');
      // The real server did offer ztn on the plain connection: the refusal is the client's.
      assert.notEqual(proxy.received().indexOf('&P=ztn,'), -1);
      assert.equal(proxy.sent().indexOf(GOOD), -1);
      assert.equal(proxy.sent().indexOf(ACCEPTED_PREFIX), -1);
    } finally {
      await lister.close();
      await proxy.close();
    }
  });
});
