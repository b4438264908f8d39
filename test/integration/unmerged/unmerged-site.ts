/**
 * An unmerged area for issue 15's tests: a tree of aged files and directories (ages set with
 * utimes) on a real xrootd, a protected list served over https by a real nginx that demands the
 * test CA's client certificate, and a configuration and history per test.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../../src/config/config-loader.ts';
import { HistoryStore } from '../../../src/store/history-store.ts';
import { runSite, type RunOptions, type RunOutcome } from '../../../src/run/run-site.ts';
import { startNginx, type NginxServer } from '../../servers/nginx-server.ts';
import { startXrootd, type XrootdServer } from '../../servers/xrootd-server.ts';

export const SITE = 'T2_XX_Unmerged';
const DAY = 86400;
export const NOW = Math.floor(Date.now() / 1000);
const OLD = NOW - 40 * DAY;
const LOG_OLD = NOW - 90 * DAY;
const YOUNG = NOW - DAY;
const U = '/store/unmerged';

/** The planted tree: LFN → mtime (files), and directories that must exist (empty ones). */
export const TREE = {
  files: {
    [`${U}/Era1/PrimA/AODSIM/procA/0000/a1.root`]: OLD,
    [`${U}/Era1/PrimA/AODSIM/procA/0000/a2.root`]: OLD,
    [`${U}/Era1/PrimA/AODSIM/procA/0001/young.root`]: YOUNG,
    [`${U}/Era1/PrimB/RAW/procB/0000/prot.root`]: OLD,
    [`${U}/Era1/PrimB/RAW/procB2/0000/prefix.root`]: OLD,
    [`${U}/Era2/PrimC/AODSIM/procC/0000/c.root`]: OLD,
    [`${U}/data/Run1/avoid.root`]: OLD,
    [`${U}/tier0_harvest/avoid2.root`]: OLD,
    [`${U}/logs/prod/2020/old1.tar.gz`]: LOG_OLD,
    [`${U}/logs/prod/2020/old2.log`]: LOG_OLD,
    [`${U}/logs/prod/2020/new.tar.gz`]: OLD,
    [`${U}/Era3/Ign/SKIPME/hidden.root`]: OLD,
    ['/store/logs/prod/recent/r.tar.gz']: LOG_OLD,
    ['/store/mc/Era/Prim/AODSIM/proc/0000/good.root']: OLD,
  } as Record<string, number>,
  emptyDirs: [`${U}/Era4/empty/sub`],
};

/** What the default rules delete (files mode), sorted. */
export const EXPECTED = {
  list: [`${U}/Era1/PrimA/AODSIM/procA/0000/a1.root`, `${U}/Era1/PrimA/AODSIM/procA/0000/a2.root`, `${U}/Era2/PrimC/AODSIM/procC/0000/c.root`, `${U}/logs/prod/2020/old1.tar.gz`, `${U}/logs/prod/2020/old2.log`],
  /** Leaves first: deeper before shallower, then by name. */
  dirs: [`${U}/Era1/PrimA/AODSIM/procA/0000`, `${U}/Era2/PrimC/AODSIM/procC/0000`, `${U}/Era2/PrimC/AODSIM/procC`, `${U}/Era2/PrimC/AODSIM`, `${U}/Era4/empty/sub`, `${U}/Era2/PrimC`, `${U}/Era4/empty`, `${U}/Era2`, `${U}/Era4`],
  kept: [`${U}/Era1/PrimA/AODSIM/procA/0001/young.root`, `${U}/Era1/PrimB/RAW/procB/0000/prot.root`, `${U}/Era1/PrimB/RAW/procB2/0000/prefix.root`, `${U}/data/Run1/avoid.root`, `${U}/logs/prod/2020/new.tar.gz`, `${U}/tier0_harvest/avoid2.root`],
};

export const PROTECTED = ['/store/unmerged/Era1/PrimB/RAW/procB', '/store/unmerged/Other/a', '/store/unmerged/Other/b', '/store/unmerged/Other/c'];

/** The protected lists nginx serves. */
export function writeProtectedLists(dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'protected.json'), JSON.stringify({ result: PROTECTED }));
  writeFileSync(join(dir, 'plain.json'), JSON.stringify(PROTECTED));
  writeFileSync(join(dir, 'shrunk.json'), JSON.stringify({ result: PROTECTED.slice(0, 1) }));
  writeFileSync(join(dir, 'empty.json'), JSON.stringify({ result: [] }));
}

/** Plants TREE below `root + base` (AlternateRoot moves the storage root), every directory old. */
export function plantTree(dataDir: string, base = ''): void {
  rmSync(join(dataDir, 'store'), { recursive: true, force: true });
  rmSync(join(dataDir, 'alt'), { recursive: true, force: true });
  const dirs = new Set<string>();
  const addDirs = (p: string) => {
    for (let d = p; d !== '/' && d !== ''; d = d.slice(0, d.lastIndexOf('/')) || '/') dirs.add(d);
  };
  for (const [lfn, mtime] of Object.entries(TREE.files)) {
    const path = dataDir + (lfn.startsWith(U) ? base + lfn : lfn);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, 'x'.repeat(10));
    utimesSync(path, mtime, mtime);
    addDirs((lfn.startsWith(U) ? base + lfn : lfn).slice(0, (lfn.startsWith(U) ? base + lfn : lfn).lastIndexOf('/')));
  }
  for (const d of TREE.emptyDirs) {
    mkdirSync(dataDir + base + d, { recursive: true });
    addDirs(base + d);
  }
  const r = spawnSync('chown', ['-R', 'xrootd:', dataDir]);
  if (r.status !== 0) throw new Error(`chown xrootd: ${r.stderr}`);
  // Deepest first, so setting a child's time does not touch the parent's afterwards.
  for (const d of [...dirs].sort((a, b) => b.length - a.length)) {
    const t = d.endsWith('/0001') ? YOUNG : OLD;
    utimesSync(dataDir + d, t, t);
  }
}

export interface UnmergedEnv {
  xrootd: XrootdServer;
  nginx: NginxServer;
  dataDir: string;
  work: string;
}

/**
 * Starts the real xrootd (serving `dataDir`) and the nginx serving the protected lists over https
 * with client certificates, in a fresh work directory under /tmp named by `prefix`. What must be
 * stopped or removed is pushed on `closers`, to run in reverse order.
 */
export async function startUnmergedEnv(prefix: string, closers: (() => Promise<void>)[]): Promise<UnmergedEnv> {
  const work = mkdtempSync(`/tmp/${prefix}`);
  chmodSync(work, 0o755);
  const dataDir = join(work, 'data');
  const www = join(work, 'lists');
  mkdirSync(dataDir);
  chmodSync(dataDir, 0o755);
  writeProtectedLists(www);
  chmodSync(www, 0o755);
  const xrootd = await startXrootd({ dataDir });
  closers.push(() => xrootd.stop());
  const nginx = await startNginx({ dataDir: www, requireClientCert: true });
  closers.push(() => nginx.stop());
  closers.push(async () => rmSync(work, { recursive: true, force: true }));
  return { xrootd, nginx, dataDir, work };
}

export interface UnmergedCase {
  dir: string;
  configFile: string;
  config: Config;
  store: HistoryStore;
  run(opts?: RunOptions): Promise<RunOutcome>;
  close(): Promise<void>;
}

/** A fresh configuration, history and work directory for one test; `keys` are the site's extra keys. */
export async function makeCase(env: UnmergedEnv, keys: Record<string, unknown> = {}, top: Record<string, unknown> = {}): Promise<UnmergedCase> {
  const dir = mkdtempSync(join(env.work, 'case-'));
  chmodSync(dir, 0o755);
  const inv = join(dir, 'inventory.txt');
  writeFileSync(inv, '/store/mc/Era/Prim/AODSIM/proc/0000/good.root 10\n');
  const cfg = {
    RootPath: '/store',
    DirectoryList: ['mc'],
    IgnoreDirectories: ['SKIPME'],
    IgnoreAge: 1,
    Retries: 0,
    Timeout: 30,
    VarLocation: join(dir, 'var'),
    WebDir: join(dir, 'www'),
    Unmerged: [SITE],
    UnmergedLogsAge: 60,
    AdditionalLogDeletions: { [SITE]: ['logs/prod/recent'] },
    OrphanConfirmations: 1,
    Inventory: { Type: 'dump', Path: inv, Format: 'lfn-size' },
    History: { Url: `sqlite:${join(dir, 'history.sqlite')}` },
    ...top,
    Sites: {
      [SITE]: {
        Url: `${env.xrootd.url}/`,
        Actions: ['storage'],
        ProtectedLfnsUrl: `${env.nginx.httpsUrl}/protected.json`,
        CaFile: env.nginx.caFile,
        X509UserCert: env.nginx.clientCert,
        X509UserKey: env.nginx.clientKey,
        ...keys,
      },
    },
  };
  const configFile = join(dir, 'consistency_config.json');
  writeFileSync(configFile, JSON.stringify(cfg, null, 2));
  const config = loadConfig(configFile, {});
  const store = await HistoryStore.open(config.historyUrl);
  await store.states.ensure([SITE]);
  await store.states.set(SITE, 'act', 'test');
  return {
    dir,
    configFile,
    config,
    store,
    run: (opts = {}) => runSite(config, SITE, store, { unmerged: true, retryDelayMs: 10, heartbeatSeconds: 1, ...opts }),
    close: async () => {
      await store.close();
    },
  };
}
