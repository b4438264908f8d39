import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { siteFromKeys } from '../../../src/config/config-loader.ts';
import { DcError } from '../../../src/core/errors.ts';
import { domainMatcher } from '../../../src/protocols/xrootd/xrootd-domain.ts';
import { readDoorCache, type DoorCacheFile } from '../../../src/listers/xrootd/xrootd-door-cache.ts';
import { resolveSiteDoor, type DoorSite } from '../../../src/listers/xrootd/xrootd-site-door.ts';
import * as B from '../protocols/xrootd/xrootd-frame-builder.ts';
import { startFakeServer, type FakeServer } from '../protocols/xrootd/xrootd-fake-server.ts';

const dir = mkdtempSync(join(tmpdir(), 'dc-doors-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function site(over: Partial<DoorSite> & { name: string }): DoorSite {
  // PathPrefix set: these sites' hosts are names that must never be looked up (no /cms probe).
  return { ...siteFromKeys(over.name, {}), Url: '', Redirectors: [], GlobalRedirectors: [], Domain: '', RedirectorAge: 1, RootPath: '/store', PathPrefix: '/p', VarLocation: dir, Timeout: 5, AccessMethod: '', ...over };
}

describe('Domain of a site', () => {
  it('matches DNS names on label boundaries, case and trailing dots aside', () => {
    const m = domainMatcher('.MIT.edu', 'test');
    assert.equal(m('t2srv0001.cmsaf.mit.edu'), true);
    assert.equal(m('MIT.EDU.'), true);
    assert.equal(m('notmit.edu'), false);
    assert.equal(m('mit.edu.example.org'), false);
  });

  it('never places an IP answer in a DNS domain, and matches IP answers against an address block or address', () => {
    assert.equal(domainMatcher('mit.edu', 't')('18.12.1.1'), false);
    const block = domainMatcher('10.231.4.0/30', 't');
    assert.equal(block('10.231.4.2'), true);
    assert.equal(block('10.231.4.6'), false);
    assert.equal(block('door.example'), false);
    assert.equal(domainMatcher('2001:db8::/32', 't')('2001:db8::1'), true);
    assert.equal(domainMatcher('10.0.0.7', 't')('10.0.0.7'), true);
  });

  it('rejects a Domain that is neither, naming the site', () => {
    assert.throws(() => domainMatcher('10.0.0.0/40', 'site T2_X'), (e: unknown) => e instanceof DcError && e.code === 'CONFIG' && /site T2_X: Domain "10\.0\.0\.0\/40"/.test(e.message));
    assert.throws(() => domainMatcher('a b', 'site T2_X'), /neither a DNS domain nor an address block/);
  });
});

describe('door cache', () => {
  const key = { site: 'S', globalRedirectors: ['root://g:1094'], domain: 'x.org', locatePath: '/store/' };
  const file = join(dir, 'S_doors.json');
  const write = (over: Partial<DoorCacheFile> = {}) => writeFileSync(file, JSON.stringify({ version: 1, ...key, locatedAt: 1000, answers: [], doors: ['root://d.x.org:1094'], ...over }));

  it('is used within RedirectorAge days, not after; with 0 it is never refreshed', () => {
    write();
    assert.ok(readDoorCache(file, key, 1000 + 86400, 1));
    assert.equal(readDoorCache(file, key, 1001 + 86400, 1), undefined);
    assert.ok(readDoorCache(file, key, 1000 + 1e9, 0));
  });

  it('is not used for other redirectors, another domain or root, nor when empty or unreadable', () => {
    write();
    assert.equal(readDoorCache(file, { ...key, globalRedirectors: ['root://h:1094'] }, 1000, 1), undefined);
    assert.equal(readDoorCache(file, { ...key, domain: 'y.org' }, 1000, 1), undefined);
    assert.equal(readDoorCache(file, { ...key, locatePath: '/other/' }, 1000, 1), undefined);
    write({ doors: [] });
    assert.equal(readDoorCache(file, key, 1000, 0), undefined);
    writeFileSync(file, '{"version":1,');
    assert.equal(readDoorCache(file, key, 1000, 0), undefined);
  });
});

describe('resolveSiteDoor', () => {
  let fake: FakeServer | undefined;
  after(async () => fake?.close());

  it('keeps the answers named in the Domain, managers and servers alike, in the order given', async () => {
    fake = await startFakeServer((r, c) => {
      if (r.requestId === 3027) c.send(B.response(r.streamId, 0, [...B.ascii('Mrredir.site-a.example:1094 Srds.site-b.example:1095 Sr10.0.0.9:1094 Swds2.SITE-A.example:1096'), 0]));
      else c.send(B.errorReply(r.streamId, 3013, 'unexpected'));
    });
    const s = site({ name: 'T2_NAMES', GlobalRedirectors: [`${fake.host}:${fake.port}`], Domain: 'site-a.example' });
    const r = await resolveSiteDoor(s, { now: 5000 });
    assert.equal(r.Url, 'root://redir.site-a.example:1094/');
    assert.deepEqual(r.Redirectors, ['root://redir.site-a.example:1094', 'root://ds2.SITE-A.example:1096']);
    assert.deepEqual(fake.seen.map((x) => [x.requestId, x.path]), [[3027, '/store/']]);
    assert.equal(Object.isFrozen(r), true);
  });

  it('takes the door from Redirectors when the site has no Url, and leaves a site with a Url alone', async () => {
    const r = await resolveSiteDoor(site({ name: 'T2_R', Redirectors: ['xrootd.example:1095'] }));
    assert.equal(r.Url, 'root://xrootd.example:1095/');
    const given = site({ name: 'T2_U', Url: 'davs://dav.example/' });
    assert.equal(await resolveSiteDoor(given), given);
  });

  it('says what is missing for a site with no way to find its door', async () => {
    await assert.rejects(resolveSiteDoor(site({ name: 'T2_N' })), /site T2_N: no Url and no Redirectors, and GlobalRedirectors and Domain are not set/);
    await assert.rejects(resolveSiteDoor(site({ name: 'T2_N', GlobalRedirectors: ['g.example'] })), /and Domain is not set/);
    await assert.rejects(resolveSiteDoor(site({ name: 'T2_N', AccessMethod: 'SRM' })), /site T2_N: no Url, and AccessMethod SRM does not go through an XRootD door/);
    await assert.rejects(resolveSiteDoor(site({ name: 'T2_N', GlobalRedirectors: ['http://g'], Domain: 'x.org' })), /site T2_N: GlobalRedirectors entry "http:\/\/g"/);
  });
});
