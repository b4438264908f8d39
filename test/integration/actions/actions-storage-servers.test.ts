import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { startNginx } from '../../servers/nginx-server.ts';
import { startXrootd } from '../../servers/xrootd-server.ts';
import { withFileArriving } from './actions-late-file.ts';
import { makeActionSite, PLANTED, SITE, type ActionSite } from './actions-site.ts';

const deleting = { Actions: ['storage'] };

/** Every path below root (files and directories), relative, sorted. */
function tree(root: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(root + rel).sort()) {
    const p = `${rel}/${name}`;
    out.push(p);
    if (statSync(root + p).isDirectory()) out.push(...tree(root, p));
  }
  return out;
}

/** Makes the site tree the server's user's own, since the server process deletes as that user. */
function giveTo(s: ActionSite, user: string): void {
  chmodSync(s.dir, 0o755);
  const r = spawnSync('chown', ['-R', `${user}:`, s.siteRoot]);
  assert.equal(r.status, 0, `chown ${user}: ${r.stderr}`);
}

async function checkRemovesExactlyTheConfirmed(s: ActionSite): Promise<void> {
  const before = tree(s.siteRoot);
  const r1 = await s.run();
  assert.equal(r1.status, 'done', r1.error?.message);
  assert.equal(r1.summary!.orphan.count, 2, `both orphans listed through the server: ${JSON.stringify({ l: r1.summary!.listing, u: r1.summary!.unlisted, m: r1.summary!.missing, g: r1.summary!.gates })}`);
  assert.equal(r1.summary!.empty, 2);
  assert.deepEqual(tree(s.siteRoot), before, 'nothing removed on the first sighting');
  const r2 = await s.run();
  assert.equal(r2.status, 'done', r2.error?.message);
  const acts = await s.store.actions.collect(SITE, r2.runId);
  assert.deepEqual(acts.filter((a) => a.outcome !== 'ok').map((a) => [a.kind, a.target, a.detail]), []);
  assert.equal(acts.length, 4);
  const removed = new Set([...PLANTED.orphans, ...PLANTED.empty]);
  assert.deepEqual(tree(s.siteRoot), before.filter((p) => !removed.has(p)), 'exactly the confirmed files and directories are gone');
}

/**
 * Issue 10: a file written into a confirmed-empty directory after the check listed it (and before
 * the removal) survives, and the removal is recorded as refused — its parent's too.
 */
async function checkRefusesDirectoryThatFilled(s: ActionSite, owner: string): Promise<void> {
  const r1 = await s.run();
  assert.equal(r1.status, 'done', r1.error?.message);
  assert.equal(r1.summary!.empty, 2);
  const late = s.siteRoot + PLANTED.empty[0] + '/late.root';
  const r2 = await s.run({
    onResult: withFileArriving(late, (p) => {
      writeFileSync(p, 'arrived late\n');
      const r = spawnSync('chown', [`${owner}:`, p]);
      assert.equal(r.status, 0, `chown ${owner}: ${r.stderr}`);
    }),
  });
  assert.equal(r2.status, 'done', r2.error?.message);
  const rmdirs = (await s.store.actions.collect(SITE, r2.runId)).filter((a) => a.kind === 'rmdir');
  assert.deepEqual(rmdirs.map((a) => [a.target, a.outcome]), PLANTED.empty.map((d) => [d, 'refused']), JSON.stringify(rmdirs));
  for (const a of rmdirs) assert.match(a.detail ?? '', /not empty/);
  assert.ok(existsSync(late), 'the file survives');
  for (const d of PLANTED.empty) assert.ok(existsSync(s.siteRoot + d));
  assert.ok(r2.summary!.actions.done.some((d) => d.kind === 'rmdir' && d.outcome === 'refused' && d.count === 2));
}

describe('storage deletion through real servers', () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  });

  /** A deleting site served by a real xrootd (its Url set once the server's address is known). */
  const xrootdSite = async () => {
    // UseLoadBalancer: a lone data server in a namespace locates itself at 127.0.0.1, unreachable from here.
    const site = await makeActionSite({ settings: { ...deleting, UseLoadBalancer: true }, url: () => 'root://127.0.0.1:1/' });
    cleanups.push(() => site.close());
    giveTo(site, 'xrootd');
    const srv = await startXrootd({ dataDir: site.siteRoot });
    cleanups.push(() => srv.stop());
    return reopen(site, `${srv.url}/`);
  };
  /** A deleting site served by a real nginx WebDAV. */
  const nginxSite = async () => {
    const site = await makeActionSite({ settings: deleting, url: () => 'http://127.0.0.1:1/' });
    cleanups.push(() => site.close());
    giveTo(site, 'nobody');
    const ng = await startNginx({ dataDir: site.siteRoot, davMethods: ['DELETE'] });
    cleanups.push(() => ng.stop());
    return reopen(site, `${ng.httpUrl}/`);
  };

  it('XRootD (kXR_rm, kXR_rmdir) removes exactly the confirmed orphans and empty directories', async () => {
    const site = await xrootdSite();
    await checkRemovesExactlyTheConfirmed(site);
  });

  it('WebDAV on nginx (DELETE, PROPFIND before removing a directory) removes exactly the confirmed orphans and empty directories', async () => {
    const site = await nginxSite();
    await checkRemovesExactlyTheConfirmed(site);
  });

  it('XRootD refuses (kXR_rmdir) a confirmed-empty directory that received a file after the check (issue 10)', async () => {
    const site = await xrootdSite();
    await checkRefusesDirectoryThatFilled(site, 'xrootd');
  });

  it('WebDAV on nginx refuses (PROPFIND Depth 1 just before DELETE) a confirmed-empty directory that received a file after the check (issue 10)', async () => {
    const site = await nginxSite();
    await checkRefusesDirectoryThatFilled(site, 'nobody');
  });
});

/** The same site (tree, inventory, history) with its Url replaced. */
async function reopen(s: ActionSite, url: string): Promise<ActionSite> {
  const { readFileSync, writeFileSync } = await import('node:fs');
  const { loadConfig } = await import('../../../src/config/config-loader.ts');
  const { runSite } = await import('../../../src/run/run-site.ts');
  const raw = JSON.parse(readFileSync(s.configFile, 'utf8'));
  raw.Sites[SITE].Url = url;
  writeFileSync(s.configFile, JSON.stringify(raw, null, 2));
  const config = loadConfig(s.configFile, {});
  return { ...s, config, run: (opts = {}) => runSite(config, SITE, s.store, { retryDelayMs: 1, ...opts }) };
}
