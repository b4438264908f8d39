import { accessSync, constants, existsSync, mkdtempSync, rmdirSync, statSync, statfsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Config } from '../config/config-loader.ts';
import { siteConfig } from '../config/config-loader.ts';
import { DcError } from '../core/errors.ts';
import { listerProblem } from '../listers/registry.ts';
import { sqlEngineOfUrl as storeEngineOf } from '../sql/sql-engine.ts';
import { redactUrl } from '../core/redact-url.ts';

/** What a command is about to use; each part is checked before anything is written. */
export interface PreflightNeeds {
  /** Sites the command will run on: their Url/AccessMethod, VarLocation and WebDir. */
  sites?: readonly string[];
  /** The history database (history URL engine; a SQLite file's directory). */
  history?: boolean;
  /**
   * The inventory: engine and URL agree; a SQLite or dump file's directory exists; to `read`, a
   * SQLite inventory must exist (`import` makes one).
   */
  inventory?: 'read' | 'write';
}

/** Magic numbers (statfs f_type) of Linux pseudo-filesystems, where a work directory never belongs. */
const PSEUDO_FS: ReadonlyMap<number, string> = new Map([
  [0x9fa0, 'proc'], [0x62656572, 'sysfs'], [0x1cd1, 'devpts'], [0x27e0eb, 'cgroup'], [0x63677270, 'cgroup2'],
  [0x64626720, 'debugfs'], [0x73636673, 'securityfs'], [0x74726163, 'tracefs'], [0xcafe4a11, 'bpf'],
  [0x6165676c, 'pstore'], [0x62656570, 'configfs'], [0x65735543, 'fusectl'], [0x42494e4d, 'binfmt_misc'],
]);

/**
 * Checks a configuration against the machine before a command records a run or writes a file
 * (issue: configuration checked completely before anything runs). Every problem is a CONFIG error
 * (exit 2) naming the key, the value and the configuration file.
 */
export function preflight(config: Config, needs: PreflightNeeds): void {
  const fail = (key: string, message: string) => {
    throw new DcError('CONFIG', `${config.file}: key "${key}": ${message}`, { detail: { file: config.file, key } });
  };
  if (needs.sites) {
    const dirs = new Map<string, string>();
    for (const name of needs.sites) {
      const site = siteConfig(config, name);
      const key = config.raw.Sites?.[name] ? `Sites.${name}` : name;
      if (site.Url) {
        const problem = listerProblem(site.Url, site.AccessMethod);
        if (problem) fail(`${key}.${problem.startsWith('AccessMethod') ? 'AccessMethod' : 'Url'}`, problem);
      }
      dirs.set(site.VarLocation, 'VarLocation');
      dirs.set(site.WebDir, 'WebDir');
    }
    for (const [dir, key] of dirs) {
      const why = unusableDirectory(dir);
      if (why) fail(key, `${dir} ${why}`);
    }
  }
  if (needs.history) {
    const url = config.historyUrl;
    const engine = storeEngineOf(url);
    if (engine === 'sqlite') {
      const why = unusableDirectory(dirname(url.slice('sqlite:'.length)));
      if (why) fail('History.Url', `the directory of ${url.slice('sqlite:'.length)} ${why}`);
    } else if (!engine) {
      fail('History.Url', `unknown database engine in ${JSON.stringify(redactUrl(url))} (use sqlite:FILE, postgres:// or mysql://)`);
    }
  }
  if (needs.inventory) {
    const inv = config.inventory;
    const explicit = config.raw.Inventory !== undefined;
    if ((inv.Type === 'sqlite' || inv.Type === 'dump') && inv.Path && explicit) {
      const dir = dirname(inv.Path.replaceAll('{site}', 'x'));
      const varLocation = config.raw.VarLocation ?? '';
      const made = varLocation !== '' && (dir === varLocation || dir.startsWith(varLocation + '/')); // the tool creates VarLocation
      if (made) {
        const why = unusableDirectory(dir);
        if (why) fail('Inventory.Path', `the directory ${dir} ${why}`);
      } else if (!existsSync(dir)) fail('Inventory.Path', `the directory ${dir} does not exist`);
      else if (!statSync(dir).isDirectory()) fail('Inventory.Path', `${dir} is not a directory`);
    }
    if (needs.inventory === 'read' && inv.Type === 'sqlite' && inv.Path && !existsSync(inv.Path)) {
      const none = config.siteNames.length === 0 ? 'no site is configured (Sites is empty) and ' : '';
      fail('Inventory.Path', `${none}no inventory at ${inv.Path}: load one with \`import --site SITE FILE\`, or configure Inventory`);
    }
    if (inv.Type === 'mysql' && storeEngineOf(inv.Url ?? '') !== 'mysql') fail('Inventory.Url', 'Type mysql needs a mysql:// URL');
    if (inv.Type === 'postgres' && storeEngineOf(inv.Url ?? '') !== 'postgres') fail('Inventory.Url', 'Type postgres needs a postgres:// URL');
  }
}

/**
 * Why `dir` cannot hold the tool's files, or undefined when it can. A directory that does not exist
 * yet is judged by its nearest existing ancestor (it will be created there).
 */
export function unusableDirectory(dir: string): string | undefined {
  let probe = dir;
  while (!existsSync(probe)) {
    const up = dirname(probe);
    if (up === probe) return 'cannot be created: no existing parent';
    probe = up;
  }
  const st = statSync(probe);
  const where = probe === dir ? '' : ` (its existing parent ${probe})`;
  if (!st.isDirectory()) return `is not a directory${where}`;
  const fsType = PSEUDO_FS.get(Number(statfsSync(probe).type));
  if (fsType) return `is on a pseudo-filesystem (${fsType})${where}: use a directory on a real disk`;
  try {
    accessSync(probe, constants.W_OK | constants.X_OK);
    // access() passes for root on a directory it may not really write (read-only mount): try it.
    rmdirSync(mkdtempSync(join(probe, '.dc-probe-')));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return `is not writable${where}: ${code === 'EROFS' ? 'read-only file system' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code ?? (err as Error).message}`;
  }
  return undefined;
}
