/**
 * What the CLI tests set up on disk: a configuration file with the keys most of them share, and
 * old files under a POSIX site's root.
 */
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeName } from '../../src/core/name-bytes.ts';

/** The keys most CLI tests share: paths relative to the configuration file, no retries, an embedded SQLite inventory and history. */
const CLI_CONFIG_DEFAULTS = {
  DirectoryList: ['mc'],
  Retries: 0,
  VarLocation: 'var',
  WebDir: 'www',
  Inventory: { Type: 'sqlite', Path: 'var/inventory.sqlite' },
  History: { Url: 'sqlite:var/history.sqlite' },
};

/**
 * Writes `dir/file`: the shared keys with `body`'s over them, and returns its path. A key given as
 * undefined is left out of the file, so the CLI's own default applies to it.
 */
export function writeCliConfig(dir: string, body: Record<string, unknown>, file = 'consistency_config.json'): string {
  const path = join(dir, file);
  writeFileSync(path, JSON.stringify({ ...CLI_CONFIG_DEFAULTS, ...body }, null, 2));
  return path;
}

/**
 * Puts a file of `size` bytes at `lfn` below `siteRoot` (creating its directories) with the
 * modification time `mtime` (seconds). The name may carry bytes that are not UTF-8 (name-bytes.ts).
 */
export function writeSiteFile(siteRoot: string, lfn: string, size: number, mtime: number): void {
  const path = encodeName(siteRoot + lfn);
  mkdirSync(encodeName(join(siteRoot + lfn, '..')), { recursive: true });
  writeFileSync(path, Buffer.alloc(size, 1));
  utimesSync(path, mtime, mtime);
}
