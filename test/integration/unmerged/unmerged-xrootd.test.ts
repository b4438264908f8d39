/**
 * Issue 15, part 1: cleaning a CMS site's unmerged area through a real xrootd, with the protected
 * list served over https (client certificate of the test CA) by a real nginx.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSql } from '../../../src/sql/sql-database.ts';
import { EXPECTED, makeCase, plantTree, SITE, TREE, startUnmergedEnv, type UnmergedEnv } from './unmerged-site.ts';

const lines = (f: string) => readFileSync(f, 'utf8').split('\n').filter(Boolean);
const U = '/store/unmerged';

describe('unmerged cleaning on a real xrootd (issue 15)', () => {
  let env: UnmergedEnv;
  const closers: (() => Promise<void>)[] = [];

  before(async () => {
    env = await startUnmergedEnv('dctest-unmerged-', closers);
  });
  after(async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  });

  /** Which planted files are still on the storage (LFNs; `base` where AlternateRoot put the area). */
  const surviving = (base = '') => Object.keys(TREE.files).filter((l) => existsSync(env.dataDir + (l.startsWith(U) ? base + l : l))).sort();

  it('deletes exactly the listed files, logs and old empty directories; protected paths, DIRS_TO_AVOID, young files and ignored directories survive', async () => {
    plantTree(env.dataDir);
    const c = await makeCase(env, { OrphanConfirmations: 2 });
    try {
      const r1 = await c.run();
      assert.equal(r1.status, 'done', r1.error?.message);
      const u1 = r1.summary!.unmerged!;
      assert.equal(u1.refused, undefined, JSON.stringify(u1));
      assert.deepEqual(lines(join(c.dir, 'var', `${SITE}_unmerged.txt`)), EXPECTED.list);
      assert.deepEqual(lines(join(c.dir, 'var', `${SITE}_unmerged_dirs.txt`)), EXPECTED.dirs);
      assert.deepEqual(u1.deletable, { files: 5, bytes: 50, logs: 2, logArchives: 1, directories: 9, listEntries: 5 });
      assert.equal(u1.ignoredDirectories, 1, 'SKIPME is not listed');
      assert.equal(u1.confirmed.files, 0, 'OrphanConfirmations 2: the first sighting deletes nothing');
      assert.equal(surviving().length, Object.keys(TREE.files).length);
      assert.ok(existsSync(join(c.dir, 'www', `${SITE}_unmerged.txt`)), 'published to WebDir');

      const r2 = await c.run();
      assert.equal(r2.status, 'done', r2.error?.message);
      const u2 = r2.summary!.unmerged!;
      assert.deepEqual(u2.deleted, { files: 5, bytes: 50, logArchives: 1, directories: 9, failed: 0, refused: 0, skipped: 0 }, JSON.stringify(await c.store.actions.collect(SITE, r2.runId)));
      assert.equal(u2.cleaned, 5);
      const gone = new Set(EXPECTED.list);
      assert.deepEqual(surviving(), Object.keys(TREE.files).filter((l) => !gone.has(l)).sort());
      for (const d of EXPECTED.dirs) assert.ok(!existsSync(env.dataDir + d), `${d} removed`);
      for (const d of [`${U}/Era1/PrimA/AODSIM/procA/0001`, `${U}/Era3/Ign/SKIPME`, `${U}/logs/prod/2020`, U]) assert.ok(existsSync(env.dataDir + d), `${d} kept`);
      const acts = await c.store.actions.collect(SITE, r2.runId);
      assert.deepEqual([...new Set(acts.map((a) => a.kind))].sort(), ['unmerged-delete', 'unmerged-rmdir']);
      // The history keeps the summary the dashboard reads.
      const run = await c.store.runs.get(r2.runId);
      assert.equal(JSON.parse(run!.summary!).unmerged.cleaned, 5);

      const db = new Database(join(c.dir, 'var', `${SITE}_protected.db`), { readonly: true });
      try {
        assert.deepEqual(db.prepare('SELECT timestamp FROM timestamp').all().length, 1);
        const kept = (db.prepare("SELECT d.dirname || '/' || f.file AS p FROM files f JOIN directories d ON d.id = f.dir ORDER BY 1").all() as { p: string }[]).map((x) => x.p);
        assert.deepEqual(kept, EXPECTED.kept);
      } finally {
        db.close();
      }
      assert.deepEqual(lines(join(c.dir, 'var', `${SITE}_protected_lfns.txt`)).length, 4, 'the list used is kept with the run');
    } finally {
      await c.close();
    }
  });

  it('in dry mode writes the list and deletes nothing', async () => {
    plantTree(env.dataDir);
    const c = await makeCase(env);
    try {
      await c.store.states.set(SITE, 'dry', 'test');
      const r = await c.run();
      const u = r.summary!.unmerged!;
      assert.deepEqual(u.gates.held.map((g) => g.gate), ['DryMode']);
      assert.deepEqual(lines(join(c.dir, 'var', `${SITE}_unmerged.txt`)), EXPECTED.list);
      assert.equal(u.cleaned, 0);
      assert.equal(surviving().length, Object.keys(TREE.files).length);
    } finally {
      await c.close();
    }
  });

  for (const [what, url, why] of [
    ['unreachable', 'https://127.0.0.1:1/protected.json', /could not be read/],
    ['empty', '/empty.json', /is empty/],
    ['not demanding the client certificate it needs', 'NOCERT', /HTTP 400|could not be read/],
  ] as const) {
    it(`deletes nothing and says why when the protected list is ${what}`, async () => {
      plantTree(env.dataDir);
      const keys = url === 'NOCERT' ? { X509UserCert: '', X509UserKey: '' } : { ProtectedLfnsUrl: url.startsWith('/') ? `${env.nginx.httpsUrl}${url}` : url };
      const c = await makeCase(env, keys);
      try {
        const r = await c.run();
        assert.equal(r.status, 'done', r.error?.message);
        const u = r.summary!.unmerged!;
        assert.match(u.refused ?? '', why);
        assert.deepEqual(lines(join(c.dir, 'var', `${SITE}_unmerged.txt`)), []);
        assert.equal(surviving().length, Object.keys(TREE.files).length);
      } finally {
        await c.close();
      }
    });
  }

  it('deletes nothing when the protected list shrank by more than MaxProtectedShrink since the last accepted one', async () => {
    plantTree(env.dataDir);
    const c = await makeCase(env);
    try {
      await c.store.states.set(SITE, 'dry', 'test');
      const r1 = await c.run();
      assert.equal(r1.summary!.unmerged!.protectedList.count, 4);
      await c.store.states.set(SITE, 'act', 'test');
      const shrunk = await makeCase(env, { ProtectedLfnsUrl: `${env.nginx.httpsUrl}/shrunk.json` }, { History: { Url: c.config.historyUrl } });
      try {
        const r2 = await shrunk.run();
        const u = r2.summary!.unmerged!;
        assert.match(u.refused ?? '', /shrank from 4 to 1 entries \(75\.0 % > MaxProtectedShrink 0\.5\)/);
        assert.equal(surviving().length, Object.keys(TREE.files).length);
      } finally {
        await shrunk.close();
      }
    } finally {
      await c.close();
    }
  });

  it('with --more-logs also cleans the AdditionalLogDeletions directories, from a plain JSON list', async () => {
    plantTree(env.dataDir);
    const c = await makeCase(env, { ProtectedLfnsUrl: `${env.nginx.httpsUrl}/plain.json` });
    try {
      const r = await c.run({ moreLogs: true });
      const u = r.summary!.unmerged!;
      assert.deepEqual(lines(join(c.dir, 'var', `${SITE}_unmerged.txt`)), [...EXPECTED.list, '/store/logs/prod/recent/r.tar.gz'].sort());
      assert.equal(u.deleted.logArchives, 2);
      assert.ok(!existsSync(env.dataDir + '/store/logs/prod/recent/r.tar.gz'));
    } finally {
      await c.close();
    }
  });

  it('lists and deletes at AlternateRoot, naming files by their LFN', async () => {
    plantTree(env.dataDir, '/alt');
    const c = await makeCase(env, {}, { ListDeletable: { AlternateRoot: { [SITE]: '/alt/store' } } });
    try {
      const r = await c.run();
      const u = r.summary!.unmerged!;
      assert.equal(u.storagePath, '/alt/store/unmerged');
      assert.deepEqual(lines(join(c.dir, 'var', `${SITE}_unmerged.txt`)), EXPECTED.list);
      assert.equal(u.cleaned, 5);
      const gone = new Set(EXPECTED.list);
      assert.deepEqual(surviving('/alt'), Object.keys(TREE.files).filter((l) => !gone.has(l)).sort());
    } finally {
      await c.close();
    }
  });

  it('with WHICH_LIST directories lists the topmost whole directories and the logs', async () => {
    plantTree(env.dataDir);
    const c = await makeCase(env, {}, { ListDeletable: { WHICH_LIST: 'directories' } });
    try {
      const r = await c.run();
      assert.deepEqual(lines(join(c.dir, 'var', `${SITE}_unmerged.txt`)), [`${U}/Era1/PrimA/AODSIM/procA/0000`, `${U}/Era2`, `${U}/Era4`, `${U}/logs/prod/2020/old1.tar.gz`, `${U}/logs/prod/2020/old2.log`]);
      assert.equal(r.summary!.unmerged!.cleaned, 5);
      assert.ok(!existsSync(env.dataDir + `${U}/Era2`));
      assert.ok(existsSync(env.dataDir + `${U}/Era1/PrimA/AODSIM/procA/0001/young.root`));
    } finally {
      await c.close();
    }
  });

  for (const [gate, keys] of [
    ['MaxUnmergedDeletions', { MaxUnmergedDeletions: 13 }],
    ['MaxUnmergedFraction', { MaxUnmergedFraction: 0.3 }],
  ] as const) {
    it(`holds every unmerged deletion above ${gate}`, async () => {
      plantTree(env.dataDir);
      const c = await makeCase(env, keys);
      try {
        const r = await c.run();
        const u = r.summary!.unmerged!;
        assert.deepEqual(u.gates.held.map((g) => g.gate), [gate]);
        assert.equal(u.deletable.files, 5);
        assert.equal(u.cleaned, 0);
        assert.equal(surviving().length, Object.keys(TREE.files).length);
      } finally {
        await c.close();
      }
    });
  }

  it('queues the deletions in the registry\'s deletion_queue with Actions registry, deleting nothing itself', async () => {
    plantTree(env.dataDir);
    const c = await makeCase(env, { Actions: ['registry'], RegistryUrl: `sqlite:${join(env.work, `registry-${process.pid}.sqlite`)}` });
    try {
      const r = await c.run();
      const u = r.summary!.unmerged!;
      assert.deepEqual({ files: u.deleted.files, dirs: u.deleted.directories }, { files: 5, dirs: 9 });
      const reg = await openSql<any>(`sqlite:${join(env.work, `registry-${process.pid}.sqlite`)}`);
      try {
        const rows = await reg.db.selectFrom('deletion_queue').select(['file', 'site', 'status']).orderBy('file').execute();
        assert.deepEqual(rows.map((x: { file: string }) => x.file), [...EXPECTED.list, ...EXPECTED.dirs].sort());
        assert.ok(rows.every((x: { site: string; status: string }) => x.site === SITE && x.status === 'new'));
      } finally {
        await reg.close();
      }
      assert.equal(surviving().length, Object.keys(TREE.files).length, 'the registry deletes later, not this tool');
    } finally {
      await c.close();
    }
  });

  it('reads the protected list with a bearer token, or from ProtectedLfnsFile', async () => {
    const { startNginx: start } = await import('../../servers/nginx-server.ts');
    const www = join(env.work, 'lists');
    const ng = await start({ dataDir: www, bearerTokens: ['tok-unmerged-123'] });
    try {
      const tokenFile = join(env.work, 'token');
      writeFileSync(tokenFile, 'tok-unmerged-123\n', { mode: 0o600 });
      const wrongFile = join(env.work, 'wrong-token');
      writeFileSync(wrongFile, 'tok-other\n', { mode: 0o600 });
      const viaToken = { ProtectedLfnsUrl: `${ng.httpsUrl}/protected.json`, CaFile: ng.caFile, X509UserCert: '', X509UserKey: '' };
      plantTree(env.dataDir);
      const wrong = await makeCase(env, { ...viaToken, BearerTokenFile: wrongFile });
      try {
        const r = await wrong.run();
        assert.match(r.summary!.unmerged!.refused ?? '', /HTTP 401/);
        assert.equal(surviving().length, Object.keys(TREE.files).length);
      } finally {
        await wrong.close();
      }
      const good = await makeCase(env, { ...viaToken, BearerTokenFile: tokenFile });
      try {
        const r = await good.run();
        assert.equal(r.summary!.unmerged!.refused, undefined);
        assert.equal(r.summary!.unmerged!.cleaned, 5);
      } finally {
        await good.close();
      }
      plantTree(env.dataDir);
      const file = await makeCase(env, { ProtectedLfnsUrl: '', ProtectedLfnsFile: join(www, 'protected.json') });
      try {
        const r = await file.run();
        assert.equal(r.summary!.unmerged!.protectedList.source, join(www, 'protected.json'));
        assert.equal(r.summary!.unmerged!.cleaned, 5);
      } finally {
        await file.close();
      }
    } finally {
      await ng.stop();
    }
  });

  it('a SITE_protected.db that cannot be written stops the phase before any deletion; the check stands', async () => {
    plantTree(env.dataDir);
    const c = await makeCase(env);
    try {
      mkdirSync(join(c.dir, 'var', `${SITE}_protected.db`, 'in-the-way'), { recursive: true });
      const r = await c.run();
      assert.equal(r.status, 'done', r.error?.message);
      assert.match(r.summary!.unmerged!.refused ?? '', /the unmerged phase failed/);
      assert.equal(surviving().length, Object.keys(TREE.files).length);
      assert.equal(readdirSync(join(c.dir, 'var')).filter((n) => n.includes('.tmp-')).length, 0, 'no temporary file left');
    } finally {
      await c.close();
    }
  });

  it('--no-inventory runs the unmerged phase alone: no inventory is opened, nothing compared', async () => {
    plantTree(env.dataDir);
    const c = await makeCase(env, {}, { Inventory: { Type: 'dump', Path: '/nonexistent/inventory.txt', Format: 'lfn-size' } });
    try {
      const r = await c.run({ noInventory: true });
      assert.equal(r.status, 'cleaned', r.error?.message);
      assert.equal(await c.store.runs.lastDone(SITE), undefined, 'no check ran: the site has no done run');
      assert.equal(r.summary!.unmergedOnly, true);
      assert.equal(r.summary!.inventoryKind, 'none');
      assert.equal(r.summary!.unmerged!.cleaned, 5);
      assert.ok(!existsSync(join(c.dir, 'var', `${SITE}_compare_missing.txt`)), 'no check lists');
      assert.ok(existsSync(join(c.dir, 'var', `${SITE}_summary.json`)));
    } finally {
      await c.close();
    }
  });
});
