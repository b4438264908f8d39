import type { Command } from 'commander';
import { EXIT } from '../exit-codes.ts';
import type { CommandRegistrar } from '../main.ts';

export const registerImport: CommandRegistrar = (program, run) => {
  program
    .command('import')
    .description("replace a site's inventory in the embedded SQLite inventory with a file of \"lfn size [settled|flux]\" lines (gz accepted)")
    .requiredOption('--site <site>', 'site name')
    .argument('<file>')
    .action((file: string, opts: { site: string }) =>
      run(async (ctx) => {
        const { DcError } = await import('../../core/errors.ts');
        const { createDynamoSchema } = await import('../../inventory/sql/dynamo-schema.ts');
        const { importSiteInventory, readImportFile } = await import('../../inventory/sql/dynamo-import.ts');
        const { sqliteKysely } = await import('../../inventory/sqlite/sqlite-inventory.ts');
        const { preflight } = await import('../../worker/preflight.ts');
        const config = ctx.config();
        if (config.inventory.Type !== 'sqlite') throw new DcError('CONFIG', `${config.file}: import writes the embedded SQLite inventory; Inventory.Type is ${config.inventory.Type}`);
        preflight(config, { inventory: 'write' });
        const lines = await readImportFile(file); // every line is checked before the database is touched
        const db = sqliteKysely(config.inventory.Path!);
        try {
          await createDynamoSchema(db);
          const r = await importSiteInventory(db, opts.site, lines);
          ctx.out.write(`${opts.site}: imported ${r.files} files in ${r.blocks} blocks of ${r.datasets} datasets into ${config.inventory.Path}\n`);
        } finally {
          await db.destroy();
        }
        return EXIT.OK;
      }),
    );
};
