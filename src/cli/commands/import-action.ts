import { existsSync } from 'node:fs';
import { siteConfig, type Config } from '../../config/config-loader.ts';
import { siteDefaults } from '../../config/config-defaults.ts';
import { DcError } from '../../core/errors.ts';
import { parseListFormat } from '../../core/list-format.ts';
import { describeImportFile, readImportFile } from '../../inventory/inventory-import-file.ts';
import { DynamoInventory } from '../../inventory/sql/dynamo-inventory.ts';
import { createDynamoSchema } from '../../inventory/sql/dynamo-schema.ts';
import { importSiteInventory } from '../../inventory/sql/dynamo-import.ts';
import { openInventoryDatabase } from '../../inventory/sql/sql-inventory.ts';
import { preflight } from '../../run/run-preflight.ts';
import type { CliContext } from '../cli-context.ts';

export interface ImportOptions {
  site: string;
  format?: string;
  allowEmpty?: boolean;
  force?: boolean;
}

/** MaxImportShrink of the site (its own value when configured, else the top level or the default). */
function maxShrink(config: Config, site: string): number {
  if (config.raw.Sites[site]) return siteConfig(config, site).MaxImportShrink;
  return config.raw.MaxImportShrink ?? siteDefaults.MaxImportShrink;
}

/** `import`: every line checked, the shrink guarded, then the site's inventory replaced in one transaction. */
export async function runImport(ctx: CliContext, file: string, opts: ImportOptions): Promise<void> {
  const config = ctx.config();
  if (config.inventory.Type !== 'sqlite') throw new DcError('CONFIG', `${config.file}: import writes the embedded SQLite inventory; Inventory.Type is ${config.inventory.Type}`);
  preflight(config, { inventory: 'write' });
  const limit = maxShrink(config, opts.site);
  const declared = opts.format === undefined ? undefined : parseListFormat(opts.format, '--format');
  const input = await readImportFile(file, declared); // every line is checked before the database is touched
  ctx.out.write(`${file}: ${describeImportFile(input)}\n`);
  const next = input.lines.length;
  if (next === 0 && !opts.allowEmpty) {
    throw new DcError('INPUT', `${file}: no entries (${input.counts.lines} lines read); importing it would empty ${opts.site}'s inventory. Give --allow-empty to do that.`);
  }
  const path = config.inventory.Path!;
  const db = await openInventoryDatabase({ engine: 'sqlite', location: path });
  try {
    let before = 0;
    if (existsSync(path)) {
      await createDynamoSchema(db);
      for await (const batch of new DynamoInventory(db).streamFiles(opts.site)) before += batch.length;
    }
    const shrink = before > 0 ? (before - next) / before : 0;
    if (shrink > limit && !opts.force) {
      throw new DcError(
        'INPUT',
        `${file}: would shrink ${opts.site}'s inventory from ${before} to ${next} files (${(shrink * 100).toFixed(1)} % fewer), more than MaxImportShrink ${limit} allows. Give --force to import it anyway.`,
      );
    }
    await createDynamoSchema(db);
    const r = await importSiteInventory(db, opts.site, input.lines);
    ctx.out.write(`${opts.site}: imported ${r.files} files in ${r.blocks} blocks of ${r.datasets} datasets into ${path} (was ${before} files)\n`);
  } finally {
    await db.close();
  }
}
