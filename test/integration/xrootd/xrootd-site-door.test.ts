/**
 * Issue 10 §4, the seed's door discovery, on real xrootd 5.5 clusters (manager + cmsd + data
 * server), each in its own test namespace so the two answer with different addresses:
 * kXR_locate on the global redirectors, the site's Domain, the RedirectorAge cache, errors that say
 * what each redirector answered, the `/cms` prefix fallback, and a whole check of a site named only
 * by GlobalRedirectors + Domain.
 *
 * Domain here is an address block: inside a namespace the servers run without reverse DNS and the
 * manager names its data servers by IP address (it does so even for kXR_prefname), and an IP answer
 * is never looked up to place it in a DNS domain. Name domains are covered by the unit tests.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Config } from '../../../src/config/config-loader.ts';
import { DcError } from '../../../src/core/errors.ts';
import { createXrootdLister, type XrootdLister } from '../../../src/listers/xrootd/xrootd-lister.ts';
import { resolveSiteDoor, type DoorSite } from '../../../src/listers/xrootd/xrootd-site-door.ts';
import type { DoorCacheFile } from '../../../src/listers/xrootd/xrootd-door-cache.ts';
import { runSite } from '../../../src/run/run-site.ts';
import { backendSite, loadConfig, siteFromKeys } from '../../../src/config/config-loader.ts';
import { remoteListing } from '../../../src/api/library.ts';
import { runCli } from '../../helpers/run-cli.ts';
import { startXrootdCluster, type XrootdCluster } from '../../servers/xrootd-cluster.ts';
import { startXrootd, type XrootdServer } from '../../servers/xrootd-server.ts';
import { makeActionSite, PLANTED, SITE, type ActionSite } from '../actions/actions-site.ts';

const DAY = 86400;
const T0 = 1_900_000_000;

/** The /30 of a test namespace address, as a Domain. */
function blockOf(addr: string): string {
  const p = addr.split('.').map(Number);
  return `${p[0]}.${p[1]}.${p[2]}.${p[3] & 0xfc}/30`;
}

function chownTo(dir: string, top: string): void {
  chmodSync(top, 0o755);
  const r = spawnSync('chown', ['-R', 'xrootd:', dir]);
  assert.equal(r.status, 0, `chown: ${r.stderr}`);
}

describe('XRootD doors of a site (issue 10 §4)', () => {
  let a: XrootdCluster;
  let b: XrootdCluster;
  let siteA: ActionSite;
  let cmsSite: ActionSite;
  let cmsServer: XrootdServer;
  let bData = '';
  let work = '';

  before(async () => {
    // Cluster A serves a whole test site; cluster B only has /store/b, in another namespace.
    siteA = await makeActionSite({ url: () => 'root://127.0.0.1:1/' });
    chownTo(siteA.siteRoot, siteA.dir);
    bData = mkdtempSync('/tmp/dctest-doors-b-');
    mkdirSync(join(bData, 'store/b'), { recursive: true });
    chownTo(bData, bData);
    [a, b] = await Promise.all([startXrootdCluster({ dataDir: siteA.siteRoot }), startXrootdCluster({ dataDir: bData })]);
    // A site whose namespace is under /cms: the same tree moved below /cms, on a plain server.
    cmsSite = await makeActionSite({ url: () => 'root://127.0.0.1:1/' });
    mkdirSync(join(cmsSite.siteRoot, 'cms'));
    renameSync(join(cmsSite.siteRoot, 'store'), join(cmsSite.siteRoot, 'cms/store'));
    chownTo(cmsSite.siteRoot, cmsSite.dir);
    cmsServer = await startXrootd({ netns: a.netns, port: 1096, httpPort: 8445, dataDir: cmsSite.siteRoot });
    work = mkdtempSync('/tmp/dctest-doors-var-');
  });

  after(async () => {
    await cmsServer?.stop();
    await Promise.all([a?.stop(), b?.stop()]);
    await siteA?.close();
    await cmsSite?.close();
    if (bData) rmSync(bData, { recursive: true, force: true });
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const quick = { requestTimeoutMs: 10_000, connectTimeoutMs: 5_000, maxWaitSeconds: 1 };
  const site = (over: Partial<DoorSite> & { name: string }): DoorSite => ({
    ...siteFromKeys(over.name, {}),
    Url: '',
    Redirectors: [],
    GlobalRedirectors: [a.manager, b.manager],
    Domain: blockOf(a.serverHost),
    RedirectorAge: 1,
    RootPath: '/store',
    PathPrefix: '',
    VarLocation: work,
    Timeout: 10,
    AccessMethod: '',
    ...over,
  });
  const cacheFile = (name: string) => join(work, 'redirectors', `${name}_doors.json`);
  const doorA = () => `root://${a.serverHost}:${a.serverPort}`;

  it('finds the door with kXR_locate on the global redirectors and keeps only the answers in the Domain', async () => {
    const events: string[] = [];
    const r = await resolveSiteDoor(site({ name: 'T2_DOOR_A' }), { now: T0, clientOptions: quick, log: (e) => events.push(e) });
    assert.equal(r.Url, `${doorA()}/`);
    assert.deepEqual(r.Redirectors, [doorA()]);
    assert.deepEqual(events, ['door-located']);
    const cache = JSON.parse(readFileSync(cacheFile('T2_DOOR_A'), 'utf8')) as DoorCacheFile;
    assert.equal(cache.locatedAt, T0);
    assert.deepEqual(cache.doors, [doorA()]);
    // Cluster B answered too, with its own data server: outside the domain, so dropped.
    const fromB = cache.answers.find((x) => x.redirector === `root://${b.manager}`);
    assert.deepEqual(fromB?.named, [`${b.serverHost}:${b.serverPort}`]);
    assert.notEqual(b.serverHost, a.serverHost);
    assert.ok(!cache.doors.some((d) => d.includes(b.serverHost)));
    // Swap the domain: now only B's answer is kept.
    const rb = await resolveSiteDoor(site({ name: 'T2_DOOR_B', Domain: blockOf(b.serverHost) }), { now: T0, clientOptions: quick });
    assert.equal(rb.Url, `root://${b.serverHost}:${b.serverPort}/`);
  });

  it('reuses the cached doors within RedirectorAge, locates again after it, and never refreshes with RedirectorAge 0', async () => {
    const name = 'T2_DOOR_CACHE';
    await resolveSiteDoor(site({ name }), { now: T0, clientOptions: quick });
    // A planted door no redirector would name: seen only when the cache is read.
    const planted = `root://${a.serverHost}:1099`;
    const plant = () => {
      const c = JSON.parse(readFileSync(cacheFile(name), 'utf8')) as DoorCacheFile;
      writeFileSync(cacheFile(name), JSON.stringify({ ...c, doors: [planted] }));
    };
    plant();
    const within = await resolveSiteDoor(site({ name }), { now: T0 + 0.9 * DAY, clientOptions: quick });
    assert.equal(within.Url, `${planted}/`, 'cache used within a day');
    const refreshed = await resolveSiteDoor(site({ name }), { now: T0 + 1.1 * DAY, clientOptions: quick });
    assert.equal(refreshed.Url, `${doorA()}/`, 'located again after RedirectorAge');
    const c2 = JSON.parse(readFileSync(cacheFile(name), 'utf8')) as DoorCacheFile;
    assert.equal(c2.locatedAt, Math.floor(T0 + 1.1 * DAY));
    plant();
    const never = await resolveSiteDoor(site({ name, RedirectorAge: 0 }), { now: T0 + 1000 * DAY, clientOptions: quick });
    assert.equal(never.Url, `${planted}/`, 'RedirectorAge 0: the seed never refreshed a cached answer');
    // A cache made for other redirectors is not this configuration's answer.
    const other = await resolveSiteDoor(site({ name, RedirectorAge: 0, GlobalRedirectors: [a.manager] }), { now: T0, clientOptions: quick });
    assert.equal(other.Url, `${doorA()}/`);
  });

  it('fails naming the site, every redirector asked and what it answered when no door is in the Domain', async () => {
    const dead = `${a.netns.nsAddr}:1999`;
    const name = 'T2_DOOR_NONE';
    await assert.rejects(
      resolveSiteDoor(site({ name, GlobalRedirectors: [dead, b.manager] }), { now: T0, clientOptions: quick }),
      (err: unknown) => {
        assert.ok(err instanceof DcError);
        const m = err.message;
        assert.match(m, /site T2_DOOR_NONE: no XRootD door in Domain /);
        assert.ok(m.includes(`root://${dead} failed: `), m);
        assert.ok(m.includes(`root://${b.manager} answered kXR_locate /store/ with ${b.serverHost}:${b.serverPort} (none in the domain)`), m);
        return true;
      },
    );
    assert.equal(existsSync(cacheFile(name)), false, 'a failed discovery is not cached');
    await assert.rejects(resolveSiteDoor(site({ name, GlobalRedirectors: [] }), { now: T0 }), /site T2_DOOR_NONE: no Url and no Redirectors, and GlobalRedirectors is not set/);
  });

  it('falls back to the /cms prefix when RootPath is not on the door and /cms + RootPath is (the seed)', async () => {
    const events: Record<string, unknown>[] = [];
    const url = `${cmsServer.url}/`;
    const r = await resolveSiteDoor(site({ name: 'T2_CMS', Url: url }), { clientOptions: quick, log: (e, f) => events.push({ e, ...f }) });
    assert.equal(r.PathPrefix, '/cms');
    assert.equal(r.Url, url);
    assert.equal(events[0]?.e, 'path-prefix-fallback');
    // Not when /store is there, nor when the site sets its own prefix, nor for deep roots.
    assert.equal((await resolveSiteDoor(site({ name: 'T2_A', Url: `${doorA()}/` }), { clientOptions: quick })).PathPrefix, '');
    assert.equal((await resolveSiteDoor(site({ name: 'T2_CMS', Url: url, PathPrefix: '/other' }), { clientOptions: quick })).PathPrefix, '/other');
    assert.equal((await resolveSiteDoor(site({ name: 'T2_CMS', Url: url, RootPath: '/store/mc/EraA/PrimA' }), { clientOptions: quick })).PathPrefix, '');
  });

  it('UseLoadBalancer: true sends everything to the redirector; false lists through the located data servers of the Domain', async () => {
    const names = async (useLoadBalancer: boolean, domain: string) => {
      const lister = createXrootdLister(
        backendSite(siteFromKeys('T2_LB', { Url: `root://${a.manager}/`, NumThreads: 2, Timeout: 10, UseLoadBalancer: useLoadBalancer, RootPath: '/store', PathPrefix: '', Domain: domain }), {}),
      ) as XrootdLister;
      try {
        const out: string[] = [];
        for await (const batch of lister.listDir('/store/mc/EraA', new AbortController().signal)) out.push(...batch.map((e) => e.name));
        return { out, doors: lister.knownDoors.map((d) => `${d.host}:${d.port}`) };
      } finally {
        await lister.close();
      }
    };
    assert.deepEqual(await names(true, blockOf(a.serverHost)), { out: ['PrimA'], doors: [] });
    assert.deepEqual(await names(false, blockOf(a.serverHost)), { out: ['PrimA'], doors: [`${a.serverHost}:${a.serverPort}`] });
    // A located server outside the Domain is not used: the redirector itself serves, as in the seed.
    assert.deepEqual(await names(false, blockOf(b.serverHost)), { out: ['PrimA'], doors: [a.manager] });
  });

  it('checks a /cms site end to end: the lister and the lists use the prefix found', async () => {
    const raw = cmsSite.config.raw;
    const config: Config = { ...cmsSite.config, raw: { ...raw, Sites: { [SITE]: { Url: `${cmsServer.url}/` } } } };
    const r = await runSite(config, SITE, cmsSite.store, { retryDelayMs: 1 });
    assert.equal(r.status, 'done', r.error?.message);
    assert.equal(r.summary!.missing.count, PLANTED.missing.length);
    assert.equal(r.summary!.orphan.count, PLANTED.orphans.length);
    assert.equal(r.summary!.unlisted.count, 0);
  });

  it('`list` and remoteListing resolve the door too: the /cms site lists under its LFNs', async () => {
    const raw = JSON.parse(readFileSync(cmsSite.configFile, 'utf8'));
    raw.Sites[SITE].Url = `${cmsServer.url}/`;
    writeFileSync(cmsSite.configFile, JSON.stringify(raw));
    const expected = [...PLANTED.present, ...PLANTED.orphans].sort();
    const cli = await runCli(['list', SITE, '--config', cmsSite.configFile], { cwd: cmsSite.dir });
    assert.equal(cli.code, 0, cli.stderr);
    const lfns = cli.stdout.trim().split('\n').map((l) => l.replace(/ \d+ \d+$/, ''));
    assert.deepEqual(lfns.sort(), expected);
    const listed = await remoteListing(loadConfig(cmsSite.configFile, {}), SITE, { out: join(work, 'remote.txt') });
    assert.equal(listed.files, expected.length);
    assert.deepEqual(listed.unlisted, []);
  });

  it('checks a site named only by GlobalRedirectors + Domain end to end, and fails the run when no door answers', async () => {
    const raw = siteA.config.raw;
    // The loader that accepts a site without Url is the configuration's part; the run sees Url ''.
    const deleting = { Actions: ['storage'], DeleteOrphans: true, DeleteOnStorage: true };
    const only = (g: string[], more: object = {}): Config => ({
      ...siteA.config,
      raw: { ...raw, Sites: { [SITE]: { GlobalRedirectors: g, Domain: blockOf(a.serverHost), Url: '', ...more } as Config['raw']['Sites'][string] } },
    });
    const events: string[] = [];
    const r = await runSite(only([b.manager, a.manager]), SITE, siteA.store, { retryDelayMs: 1, log: (e) => events.push(e) });
    assert.equal(r.status, 'done', r.error?.message);
    assert.ok(events.includes('check-start'));
    assert.equal(r.summary!.missing.count, PLANTED.missing.length);
    assert.equal(r.summary!.orphan.count, PLANTED.orphans.length);
    assert.equal(r.summary!.unlisted.count, 0);
    const cache = JSON.parse(readFileSync(join(siteA.config.raw.VarLocation!, 'redirectors', `${SITE}_doors.json`), 'utf8')) as DoorCacheFile;
    assert.deepEqual(cache.doors, [doorA()]);

    // The storage deleter is made from the same resolved site: the confirmed orphans go through the found door.
    const acted = await runSite(only([b.manager, a.manager], deleting), SITE, siteA.store, { retryDelayMs: 1 });
    assert.equal(acted.status, 'done', acted.error?.message);
    const actions = await siteA.store.actions.collect(SITE, acted.runId);
    assert.deepEqual(actions.filter((x) => x.kind === 'delete').map((x) => [x.target, x.outcome]).sort(), PLANTED.orphans.map((o) => [o, 'ok']).sort());
    for (const o of PLANTED.orphans) assert.equal(existsSync(siteA.siteRoot + o), false, `${o} deleted on the storage`);

    const failed = await runSite(only([`${a.netns.nsAddr}:1999`]), SITE, siteA.store, { retryDelayMs: 1 });
    assert.equal(failed.status, 'failed');
    assert.match(failed.error!.message, new RegExp(`site ${SITE}: no XRootD door in Domain .*root://${a.netns.nsAddr.replace(/\./g, '\\.')}:1999 failed`));
    assert.equal(failed.summary, undefined, 'no listing, empty or otherwise');
  });
});
