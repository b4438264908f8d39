/** Bearer token discovery for ztn (issue 3) and HTTP (issue 12): order, site key, permissions, rotation, secrecy. */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DcError } from '../../../../src/core/errors.ts';
import { BearerTokenSource } from '../../../../src/protocols/credentials/credentials-bearer-token.ts';

/** A uid no /tmp/bt_u<uid> file exists for, so the machine's own tokens never interfere. */
const UID = 4_000_000_002;
const MAX = 4095;

describe('bearer token discovery', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync('/tmp/dctest-bt-');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const file = (name: string, text: string, mode = 0o600) => {
    const p = join(dir, name);
    writeFileSync(p, text, { mode });
    chmodSync(p, mode);
    return p;
  };
  const xdg = (token: string) => {
    const d = mkdtempSync(join(dir, 'xdg-'));
    writeFileSync(join(d, `bt_u${UID}`), token, { mode: 0o600 });
    return d;
  };

  it('follows BEARER_TOKEN, BEARER_TOKEN_FILE, XDG_RUNTIME_DIR/bt_u<uid>, then /tmp/bt_u<uid>', () => {
    const env = { BEARER_TOKEN: 'from-env', BEARER_TOKEN_FILE: file('f1', 'from-file'), XDG_RUNTIME_DIR: xdg('from-xdg') };
    assert.deepEqual(new BearerTokenSource({ env, uid: UID }).read(MAX), { token: 'from-env', source: 'BEARER_TOKEN' });
    assert.equal(new BearerTokenSource({ env: { ...env, BEARER_TOKEN: ' \n' }, uid: UID }).read(MAX)?.token, 'from-file');
    assert.equal(new BearerTokenSource({ env: { ...env, BEARER_TOKEN: undefined, BEARER_TOKEN_FILE: join(dir, 'absent') }, uid: UID }).read(MAX)?.token, 'from-xdg');
    const none = new BearerTokenSource({ env: { XDG_RUNTIME_DIR: join(dir, 'absent-dir') }, uid: UID });
    assert.equal(none.read(MAX), undefined);
    assert.match(none.describe(), new RegExp(`XDG_RUNTIME_DIR .*absent-dir/bt_u${UID}, default /tmp/bt_u${UID}$`));
  });

  it('takes the site key BearerTokenFile as the only source; a missing one is a CONFIG error', () => {
    const env = { BEARER_TOKEN: 'from-env' };
    assert.deepEqual(new BearerTokenSource({ tokenFile: file('site', '\t site-token \r\n'), env, uid: UID }).read(MAX), {
      token: 'site-token',
      source: `BearerTokenFile ${join(dir, 'site')}`,
    });
    assert.throws(() => new BearerTokenSource({ tokenFile: join(dir, 'nope'), env, uid: UID }).read(MAX), (e: unknown) => e instanceof DcError && e.code === 'CONFIG' && /nope.*ENOENT/.test(e.message));
    assert.equal(new BearerTokenSource({ tokenFile: file('blank', ' \n\n'), env, uid: UID }).read(MAX), undefined);
  });

  it('refuses a token file readable by group or others when owner-only (XRootD), without quoting the token', () => {
    const p = file('loose', 'secret-loose-token', 0o644);
    assert.equal(new BearerTokenSource({ tokenFile: p, uid: UID }).read(MAX)?.token, 'secret-loose-token', 'HTTP clients do not demand it');
    assert.throws(
      () => new BearerTokenSource({ tokenFile: p, uid: UID, ownerOnly: true }).read(MAX),
      (e: unknown) => e instanceof DcError && e.code === 'CONFIG' && /group or others/.test(e.message) && !e.message.includes('secret-loose-token') && e.detail?.mode === '644',
    );
  });

  it('refuses a file far larger than the server accepts, and a directory', () => {
    assert.throws(() => new BearerTokenSource({ tokenFile: file('huge', 'x'.repeat(MAX + 5000)), uid: UID }).read(MAX), (e: unknown) => e instanceof DcError && e.code === 'CONFIG' && /bytes/.test(e.message));
    const d = join(dir, 'adir');
    mkdirSync(d, { mode: 0o700 });
    assert.throws(() => new BearerTokenSource({ tokenFile: d, uid: UID }).read(MAX), (e: unknown) => e instanceof DcError && e.code === 'CONFIG');
  });

  it('reads a rotated token: rewritten in place (same size) or replaced by rename', () => {
    const p = file('rot', 'token-AAAA');
    const src = new BearerTokenSource({ tokenFile: p, uid: UID });
    assert.equal(src.read(MAX)?.token, 'token-AAAA');
    writeFileSync(p, 'token-BBBB');
    assert.equal(src.read(MAX)?.token, 'token-BBBB');
    renameSync(file('rot.new', 'token-CCCCCC\n'), p);
    assert.equal(src.read(MAX)?.token, 'token-CCCCCC');
  });

  it('gives HTTP an Authorization value from the same discovery order, or none when no source holds a token', async () => {
    const env = { BEARER_TOKEN_FILE: file('http-env', 'env-token\n'), XDG_RUNTIME_DIR: xdg('xdg-token') };
    assert.equal(await new BearerTokenSource({ env, uid: UID }).header(), 'Bearer env-token');
    assert.equal(await new BearerTokenSource({ env: { XDG_RUNTIME_DIR: env.XDG_RUNTIME_DIR }, uid: UID }).header(), 'Bearer xdg-token');
    assert.equal(await new BearerTokenSource({ env: {}, uid: UID }).header(), undefined);
  });

  it('keeps the last good token while the file is being replaced, and refuses a named file that is empty or holds two words', async () => {
    let now = 0;
    const p = file('http-rot', 'tok-1');
    const src = new BearerTokenSource({ tokenFile: p, uid: UID, now: () => now });
    assert.equal(await src.header(), 'Bearer tok-1');
    rmSync(p);
    now += 2_000;
    assert.equal(await src.header(), 'Bearer tok-1');
    file('http-rot', 'tok-2');
    assert.equal(await src.header(), 'Bearer tok-1', 'looked again less than a second ago');
    assert.equal(await src.header(true), 'Bearer tok-2');
    assert.equal(src.current, 'tok-2');
    await assert.rejects(new BearerTokenSource({ tokenFile: file('http-blank', '\n'), uid: UID }).header(), (e: unknown) => e instanceof DcError && e.code === 'CONFIG' && /empty/.test(e.message));
    await assert.rejects(
      new BearerTokenSource({ tokenFile: file('http-two', 'one SECRET-two'), uid: UID }).header(),
      (e: unknown) => e instanceof DcError && e.code === 'CONFIG' && /more than one word/.test(e.message) && !e.message.includes('SECRET'),
    );
  });
});
