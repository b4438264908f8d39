import { EXIT } from '../exit-codes.ts';
import type { CommandRegistrar } from '../cli-command.ts';
import type { ImportOptions } from './import-action.ts';

export const registerImport: CommandRegistrar = (program, run) => {
  program
    .command('import')
    .description(
      "replace a site's inventory in the embedded SQLite inventory with a list file (gz accepted): \"lfn size [settled|flux]\" lines or a Rucio replica dump. " +
        'Every line is checked first; an empty file, or one that would shrink the inventory by more than MaxImportShrink, is refused.',
    )
    .requiredOption('--site <site>', 'site name')
    .option('--format <format>', 'lfn-size or rucio-dump (default: detected from the first 1000 lines and printed)')
    .option('--allow-empty', 'accept a file without entries (empties the site)')
    .option('--force', 'accept a file that shrinks the site by more than MaxImportShrink')
    .argument('<file>')
    .action((file: string, opts: ImportOptions) =>
      run(async (ctx) => {
        const { runImport } = await import('./import-action.ts');
        await runImport(ctx, file, opts);
        return EXIT.OK;
      }),
    );
};
