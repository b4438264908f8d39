/**
 * The original tool's configuration files load unchanged (issue 10 §4): per-site dictionaries,
 * UseLoadBalancer as a site list, 0/1 booleans, ListDeletable as the seed's object, seed keys
 * without effect (one notice each), the retired DeleteOnStorage, and the keys listers read.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { doorProblem, loadConfig, siteConfig, withKnownSites, withOverrides, type Config } from '../../../src/config/config-loader.ts';
import { ACCESS_METHODS } from '../../../src/config/config-schema.ts';
import { NO_EFFECT_KEYS } from '../../../src/config/config-seed-shapes.ts';
import { DcError } from '../../../src/core/errors.ts';
import { LISTER_NAMES } from '../../../src/listers/registry.ts';

const FIXTURES = fileURLToPath(new URL('../../fixtures/seed-format/', import.meta.url));
const UNMERGED = ['Unmerged', 'UnmergedLogsAge', 'ListDeletable', 'AdditionalLogDeletions'];
const LIST_DELETABLE = {
  LFN_TO_CLEAN: '/store/unmerged',
  UNMERGED_DIR_LOCATION: '/store/unmerged',
  WHICH_LIST: 'files',
  DELETION_FILE: '_unmerged.txt',
  DIRS_TO_AVOID: ['logs', 'tier0_harvest', 'express', 'data'],
  MIN_AGE: 2419200,
};

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'dc-seedcfg-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function load(body: unknown, env: NodeJS.ProcessEnv = {}): Config {
  const p = join(dir, `c${n++}.json`);
  writeFileSync(p, typeof body === 'string' ? body : JSON.stringify(body));
  return loadConfig(p, env);
}

function rejects(body: unknown, re: RegExp) {
  const p = join(dir, `bad${n++}.json`);
  writeFileSync(p, JSON.stringify(body));
  assert.throws(
    () => loadConfig(p, {}),
    (e: unknown) => e instanceof DcError && e.code === 'CONFIG' && re.test(e.message) && e.message.includes(p),
    `expected ${re} naming ${p}`,
  );
}

const site = (c: Config, name: string) => siteConfig(c, name, {});

describe("the seed's packaged consistency_config.json", () => {
  const c = loadConfig(join(FIXTURES, 'consistency_config.json'), {});

  it('loads unchanged: Redirectors names a configured site whose door is root://<host>/', () => {
    assert.deepEqual(c.siteNames, ['T3_US_MIT']);
    const s = site(c, 'T3_US_MIT');
    assert.equal(s.Url, 'root://t3serv006.mit.edu/');
    assert.deepEqual(s.Redirectors, ['t3serv006.mit.edu']);
    assert.equal(s.PathPrefix, '');
    assert.equal(s.AccessMethod, '');
    assert.equal(s.UseLoadBalancer, false, 'UseLoadBalancer: [] lists no site');
    assert.equal(s.DeleteOrphans, true, 'DeleteOrphans: 1');
    assert.deepEqual(s.ListDeletable, LIST_DELETABLE);
    assert.deepEqual(s.GlobalRedirectors, ['cms-xrd-global.cern.ch']);
    assert.deepEqual(s.DirectoryList, ['mc', 'data', 'hidata']);
    assert.equal(s.MaxMissing, 100);
    assert.equal(s.MaxOrphan, 1000);
    assert.deepEqual(s.Unmerged, ['T2_US_MIT', 'TEST_SITE']);
  });

  it('gives AdditionalLogDeletions to its site without making the site configured', () => {
    assert.ok(!c.siteNames.includes('TEST_SITE'));
    const k = withKnownSites(c, ['TEST_SITE']);
    assert.deepEqual(site(k, 'TEST_SITE').AdditionalLogDeletions, ['logs/prod/recent']);
    assert.deepEqual(site(k, 'T3_US_MIT').AdditionalLogDeletions, []);
  });

  it('says once what each key without effect is replaced by (the unmerged keys have effect: issue 15)', () => {
    for (const k of UNMERGED) assert.ok(!c.notices.some((x) => x.key === k), k);
    assert.deepEqual(
      c.notices.map((x) => x.key),
      ['InventoryAge', 'ListAge', 'SaveCache', 'GFALThreads', 'UseTransferQueue'],
    );
    for (const x of c.notices) assert.ok(x.message.length > 20, x.key);
    assert.match(c.notices.find((x) => x.key === 'UseTransferQueue')!.message, /Actions/);
  });
});

describe("the seed's production-like config.yml", () => {
  const c = loadConfig(join(FIXTURES, 'config.yml'), {});

  it('loads unchanged: every site named by Redirectors, PathPrefix or AccessMethod is configured', () => {
    assert.deepEqual(c.siteNames, ['T1_UK_RAL_Disk', 'T1_US_FNAL_Disk', 'T2_CH_CERN', 'T2_FR_GRIF_LLR', 'T2_FR_IPHC', 'T2_UK_London_Brunel', 'T3_CH_PSI', 'T3_US_MIT']);
  });

  it('normalises the per-site dictionaries into each site', () => {
    const want: Record<string, { Url: string; PathPrefix: string; AccessMethod: string; Redirectors: string[] }> = {
      T3_US_MIT: { Url: 'root://t3serv006.mit.edu/', PathPrefix: '', AccessMethod: '', Redirectors: ['t3serv006.mit.edu'] },
      T3_CH_PSI: { Url: 'root://t3se01.psi.ch/', PathPrefix: '', AccessMethod: '', Redirectors: ['t3se01.psi.ch'] },
      T2_CH_CERN: { Url: 'root://eoscms.cern.ch:1094/', PathPrefix: '', AccessMethod: '', Redirectors: ['eoscms.cern.ch:1094'] },
      T2_UK_London_Brunel: { Url: '', PathPrefix: '/cms', AccessMethod: '', Redirectors: [] },
      T2_FR_IPHC: { Url: '', PathPrefix: '/cms/phedex', AccessMethod: '', Redirectors: [] },
      T2_FR_GRIF_LLR: { Url: '', PathPrefix: '', AccessMethod: 'SRM', Redirectors: [] },
      T1_US_FNAL_Disk: { Url: '', PathPrefix: '', AccessMethod: 'directx', Redirectors: [] },
      T1_UK_RAL_Disk: { Url: '', PathPrefix: '', AccessMethod: 'RAL-Reader', Redirectors: [] },
    };
    for (const [name, w] of Object.entries(want)) {
      const s = site(c, name);
      assert.deepEqual({ Url: s.Url, PathPrefix: s.PathPrefix, AccessMethod: s.AccessMethod, Redirectors: s.Redirectors }, w, name);
      assert.equal(doorProblem(c, s), undefined, `${name}: GlobalRedirectors locate its door`);
      assert.equal(s.UseLoadBalancer, false, `${name} is not in the UseLoadBalancer list`);
      assert.equal(s.DeleteOrphans, true);
      assert.equal(s.IgnoreAge, 5);
      assert.deepEqual(s.DirectoryList, ['mc', 'data', 'generator', 'results', 'hidata', 'himc']);
      assert.deepEqual(s.ListDeletable, { ...LIST_DELETABLE, AlternateRoot: { T2_UK_London_Brunel: '/cms/store' } });
    }
  });

  it('turns the UseLoadBalancer list into true for the sites listed', () => {
    const k = withKnownSites(c, ['T2_US_Vanderbilt', 'T2_US_MIT']);
    assert.equal(site(k, 'T2_US_Vanderbilt').UseLoadBalancer, true);
    assert.equal(site(k, 'T2_US_MIT').UseLoadBalancer, false);
    assert.deepEqual(site(k, 'T2_US_MIT').AdditionalLogDeletions, ['logs/prod/recent']);
  });

  it('notices InventoryAge, ListAge, SaveCache, GFALThreads and UseTransferQueue once each (Email has its effect: the failure notice)', () => {
    assert.deepEqual(
      c.notices.map((x) => x.key),
      ['InventoryAge', 'ListAge', 'SaveCache', 'GFALThreads', 'UseTransferQueue'],
    );
  });
});

describe('seed shapes, one at a time', () => {
  it('reads 0 and 1 as false and true for every boolean key, top level and per site', () => {
    const c = load({ DeleteOrphans: 0, ListOnlyInventoryDirs: 0, S3ForcePathStyle: 0, CmsDatasets: 1, Sites: { T2_A: { Url: 'file:///x', DeleteOrphans: 1, UseLoadBalancer: 0 } } });
    const s = site(c, 'T2_A');
    assert.equal(s.DeleteOrphans, true);
    assert.equal(s.ListOnlyInventoryDirs, false);
    assert.equal(s.S3ForcePathStyle, false);
    assert.equal(s.CmsDatasets, true);
    assert.equal(s.UseLoadBalancer, false);
    rejects({ DeleteOrphans: 2, Sites: {} }, /key "DeleteOrphans"/);
    rejects({ Sites: { T2_A: { Url: 'file:///x', CmsDatasets: 'yes' } } }, /key "Sites\.T2_A\.CmsDatasets"/);
  });

  it('keeps UseLoadBalancer a boolean too', () => {
    assert.equal(site(load({ UseLoadBalancer: false, Sites: { T2_A: { Url: 'root://h/' } } }), 'T2_A').UseLoadBalancer, false);
    assert.equal(site(load({ Sites: { T2_A: { Url: 'root://h/' } } }), 'T2_A').UseLoadBalancer, true, 'default');
    rejects({ UseLoadBalancer: ['T2_A', 3] }, /key "UseLoadBalancer\.1": expected a site name/);
    rejects({ UseLoadBalancer: ['bad name'] }, /key "UseLoadBalancer\.bad name"/);
  });

  it('validates the per-site dictionaries, naming the seed key and site', () => {
    rejects({ AccessMethod: { T2_A: 'FTP' } }, /key "AccessMethod\.T2_A"/);
    rejects({ PathPrefix: { T2_A: 7 } }, /key "PathPrefix\.T2_A"/);
    rejects({ Redirectors: { T2_A: 'has blank' } }, /key "Redirectors\.T2_A"/);
    rejects({ Redirectors: { 'T2/A': 'h' } }, /key "Redirectors\.T2\/A": site names/);
    rejects({ AdditionalLogDeletions: { T2_A: 'logs' } }, /key "AdditionalLogDeletions\.T2_A"/);
  });

  it('accepts the seed AccessMethod values and every lister name, nothing else', () => {
    assert.deepEqual([...ACCESS_METHODS].filter(Boolean).sort(), [...LISTER_NAMES].sort());
    for (const m of ['SRM', 'directx', 'RAL-Reader']) assert.equal(site(load({ AccessMethod: { T2_A: m } }), 'T2_A').AccessMethod, m);
    rejects({ Sites: { T2_A: { Url: 'root://h/', AccessMethod: 'XRootD' } } }, /key "Sites\.T2_A\.AccessMethod"/);
  });

  it('lets Sites.<NAME> win over the per-site dictionaries, which win over top-level keys', () => {
    const c = load({ PathPrefix: { T2_A: '/cms', T2_B: '/cms' }, Redirectors: { T2_A: 'a.example:1095' }, Sites: { T2_B: { Url: 'file:///b', PathPrefix: '/own' } } });
    assert.deepEqual(c.siteNames, ['T2_A', 'T2_B']);
    assert.equal(site(c, 'T2_A').PathPrefix, '/cms');
    assert.equal(site(c, 'T2_A').Url, 'root://a.example:1095/', 'port as given');
    assert.equal(site(c, 'T2_B').PathPrefix, '/own');
    assert.equal(site(c, 'T2_B').Url, 'file:///b', 'an explicit Url wins over Redirectors');
  });

  it('takes a root:// redirector URL as the door as written', () => {
    assert.equal(site(load({ Redirectors: { T2_A: 'roots://a.example:1094' } }), 'T2_A').Url, 'roots://a.example:1094/');
    assert.equal(site(load({ Sites: { T2_A: { Redirectors: 'b.example' } } }), 'T2_A').Url, 'root://b.example/', 'a single redirector as a string');
  });

  it('validates ListDeletable as the seed object and still takes a boolean', () => {
    assert.equal(site(load({ ListDeletable: true, Sites: { T2_A: { Url: 'file:///x' } } }), 'T2_A').ListDeletable, true);
    assert.equal(site(load({ ListDeletable: 0, Sites: { T2_A: { Url: 'file:///x' } } }), 'T2_A').ListDeletable, false);
    rejects({ ListDeletable: { ...LIST_DELETABLE, WHICH_LIST: 'both' } }, /key "ListDeletable/);
    rejects({ ListDeletable: { ...LIST_DELETABLE, MIN_AGE: -1 } }, /key "ListDeletable/);
    rejects({ ListDeletable: { ...LIST_DELETABLE, LFN_TO_CLEAN: 'store/unmerged' } }, /key "ListDeletable/);
    rejects({ ListDeletable: { Placeholder: 0 } }, /unknown key "ListDeletable\.Placeholder"/);
    rejects({ ListDeletable: { AlternateRoot: { T2_A: 'relative' } } }, /key "ListDeletable/);
  });

  it('reads the old LFNRoot as RootPath, with a notice, and refuses both', () => {
    const c = load({ LFNRoot: '/store/user', Sites: { T2_A: { Url: 'file:///x' } } });
    assert.equal(site(c, 'T2_A').RootPath, '/store/user');
    assert.deepEqual(c.notices.map((x) => x.key), ['LFNRoot']);
    rejects({ LFNRoot: '/a', RootPath: '/b' }, /keys "LFNRoot" and "RootPath"/);
  });

  it('accepts every seed key without effect at the top level, with a notice each', () => {
    const body: Record<string, unknown> = { Sites: { T2_A: { Url: 'file:///x' } } };
    for (const k of Object.keys(NO_EFFECT_KEYS)) body[k] = 1;
    const c = load(body);
    assert.deepEqual(c.notices.map((x) => x.key), Object.keys(NO_EFFECT_KEYS));
    for (const k of ['InventoryAge', 'ListAge', 'SaveCache', 'GFALThreads', 'MinThreads', 'UseTransferQueue', 'DBConfig']) assert.ok(k in NO_EFFECT_KEYS, k);
    assert.ok(!('Email' in NO_EFFECT_KEYS), 'Email sends the failure notice (issue 14)');
    rejects({ Sites: { T2_A: { Url: 'file:///x', ListAge: 1 } } }, /unknown key "Sites\.T2_A\.ListAge"/);
  });

  it('has no notice for a file without seed keys', () => {
    assert.deepEqual(load({ Sites: { T2_A: { Url: 'file:///x' } } }).notices, []);
  });

  it('fails on DeleteOnStorage, top level or per site, saying to use Actions ["storage"]', () => {
    rejects({ DeleteOnStorage: true, Sites: {} }, /key "DeleteOnStorage" was removed: .*Actions: \["storage"\]/);
    rejects({ Sites: { T2_A: { Url: 'file:///x', DeleteOnStorage: false } } }, /key "Sites\.T2_A\.DeleteOnStorage" was removed: .*Actions: \["storage"\]/);
  });

  it('keeps unknown keys errors, naming key and file', () => {
    rejects({ InventoryAgee: 1 }, /unknown key "InventoryAgee"/);
    rejects({ Sites: { T2_A: { Url: 'file:///x', S3PageSise: 5 } } }, /unknown key "Sites\.T2_A\.S3PageSise"/);
  });
});

describe('keys the listers, deleters and sinks read', () => {
  it('accepts them with defaults and their types', () => {
    const c = load({
      Sites: {
        T2_A: { Url: 'davs://h/', X509UserCert: '/c.pem', X509UserKey: '/k.pem', CaFile: '/ca.pem', CaDir: '/ca', MaxRedirects: 2 },
        T2_S: { Url: 's3://bucket/', S3Profile: 'ops', S3PageSize: 250 },
        T2_D: { Url: 'dump:///d.txt', DumpFormat: 'csv', DumpTempDir: '/scratch' },
        T2_X: { Url: 'root://h/', AccessMethod: 'directx', XrdfsCommand: ['ip', 'netns', 'exec', 'n', 'xrdfs'], GfalCommand: 'gfal-ls -v' },
      },
    });
    const a = site(c, 'T2_A');
    assert.deepEqual([a.X509UserCert, a.X509UserKey, a.CaFile, a.CaDir, a.MaxRedirects], ['/c.pem', '/k.pem', '/ca.pem', '/ca', 2]);
    const s = site(c, 'T2_S');
    assert.deepEqual([s.S3Profile, s.S3PageSize, s.MaxRedirects], ['ops', 250, 5]);
    assert.deepEqual([site(c, 'T2_D').DumpFormat, site(c, 'T2_D').DumpTempDir, a.DumpFormat], ['csv', '/scratch', 'auto']);
    assert.deepEqual(site(c, 'T2_X').XrdfsCommand, ['ip', 'netns', 'exec', 'n', 'xrdfs']);
  });

  it('rejects values out of bounds', () => {
    rejects({ S3PageSize: 5000 }, /key "S3PageSize"/);
    rejects({ S3PageSize: 0 }, /key "S3PageSize"/);
    rejects({ MaxRedirects: -1 }, /key "MaxRedirects"/);
    rejects({ DumpFormat: 'xml' }, /key "DumpFormat"/);
    rejects({ XrdfsCommand: [] }, /key "XrdfsCommand"/);
    rejects({ X509UserCert: 5 }, /key "X509UserCert"/);
  });

  it('reads them from the environment too', () => {
    const c = load({ Sites: { T2_A: { Url: 'file:///x' } } }, { S3PageSize: '100', ListDeletable: '{"WHICH_LIST":"directories"}', XrdfsCommand: '["xrdfs","-d"]' });
    const s = siteConfig(c, 'T2_A', {});
    assert.equal(s.S3PageSize, 100);
    assert.deepEqual(s.ListDeletable, { WHICH_LIST: 'directories' });
    assert.deepEqual(s.XrdfsCommand, ['xrdfs', '-d']);
    assert.equal(site(load({ Sites: { T2_A: { Url: 'file:///x' } } }, { ListDeletable: '1' }), 'T2_A').ListDeletable, true);
  });
});

describe('where a site comes from and how its door is found', () => {
  it('takes a site without Sites, Url or dictionaries from the inventory', () => {
    const c = load({ GlobalRedirectors: ['global.example'], Sites: { T2_A: { Url: 'file:///x' } } });
    assert.throws(() => site(c, 'T2_INV'), /no site "T2_INV"/);
    const k = withKnownSites(c, ['T2_INV', 'bad name', 'T2_A']);
    assert.deepEqual(k.siteNames, ['T2_A', 'T2_INV'], 'names that cannot be file names are left out');
    const s = site(k, 'T2_INV');
    assert.equal(s.Url, '', 'located at run time');
    assert.equal(doorProblem(k, s), undefined);
  });

  it('makes a site with no Url, no Redirectors and no GlobalRedirectors a problem naming the site and file', () => {
    const c = load({ PathPrefix: { T2_B: '/cms' }, Sites: { T2_A: {} } });
    for (const name of ['T2_A', 'T2_B']) {
      const p = doorProblem(c, site(c, name));
      assert.ok(p?.includes(`site "${name}"`) && p.includes(c.file), p);
    }
  });

  it('puts command-line settings of the run over every layer', () => {
    const c = load({ CmsDatasets: false, Sites: { T2_A: { Url: 'file:///x', CmsDatasets: false, ListOrphans: true } } });
    const o = withOverrides(c, { CmsDatasets: true, ListOrphans: false });
    assert.equal(site(o, 'T2_A').CmsDatasets, true);
    assert.equal(site(o, 'T2_A').ListOrphans, false);
    assert.equal(site(c, 'T2_A').CmsDatasets, false, 'the loaded configuration is unchanged');
    assert.ok(Object.isFrozen(o) && Object.isFrozen(o.overrides));
  });
});
