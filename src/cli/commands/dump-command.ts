import { DcError } from '../../core/errors.ts';
import { EXIT } from '../exit-codes.ts';
import type { CommandRegistrar } from '../cli-command.ts';
import { dateStringOption } from '../date-string-option.ts';

interface DumpOptions {
  site: string;
  remote?: boolean;
  inventory?: boolean;
  output?: string;
  dateString?: string;
}

export const registerDump: CommandRegistrar = (program, run) => {
  program
    .command('dump')
    .description('write one side of a check as a sorted "lfn size mtime" list (the seed\'s consistency-dump-tree), for compare, compare3 and other tools')
    .requiredOption('--site <site>', 'the site (its exact name)')
    .option('--remote', 'what the site holds, listed as a check lists it (the default); unlisted directories go to FILE.unlisted')
    .option('--inventory', 'what the inventory places at the site: its settled files within the checked directories (mtime "-")')
    .option('-o, --output <file>', 'write here, atomically (gzip when the name ends in .gz); default: standard output')
    .option('--date-string <YYYYMMDD>', 'RAL-Reader sites: the day of the site\'s dump to read (default today, UTC)')
    .action((opts: DumpOptions) =>
      run(async (ctx) => {
        if (opts.remote && opts.inventory) throw new DcError('CONFIG', 'dump: give --remote or --inventory, not both');
        const { siteConfig, backendSite, withOverrides } = await import('../../config/config-loader.ts');
        const { dumpInventory, dumpRemote, fileSink, streamSink, unlistedPathOf, writeUnlisted } = await import('../../check/site-dump.ts');
        const config = opts.dateString === undefined ? ctx.config() : withOverrides(ctx.config(), { DumpDate: dateStringOption(opts.dateString) });
        const site = siteConfig(config, opts.site);
        const sink = opts.output ? fileSink(opts.output) : streamSink(ctx.out);
        if (opts.inventory) {
          const { openInventory } = await import('../../inventory/open-inventory.ts');
          const inventory = await openInventory(config);
          try {
            const r = await dumpInventory(site, inventory, sink, { signal: ctx.signal, tmpRoot: site.VarLocation });
            ctx.log.info('dumped', { site: site.name, side: 'inventory', files: r.files, file: opts.output ?? '-' });
          } finally {
            await inventory.close();
          }
          return EXIT.OK;
        }
        const { createLister } = await import('../../listers/registry.ts');
        const { resolveSiteDoor } = await import('../../listers/xrootd/xrootd-site-door.ts');
        const resolved = await resolveSiteDoor(site, { signal: ctx.signal, env: config.env });
        const lister = await createLister({ ...backendSite(resolved, config.env), signal: ctx.signal });
        try {
          const r = await dumpRemote(resolved, lister, sink, {
            signal: ctx.signal,
            tmpRoot: site.VarLocation,
            onUnlisted: (u) => ctx.log.warn('unlisted', { lfn: u.lfn, code: u.code, message: u.message }),
          });
          let unlistedFile: string | undefined;
          if (opts.output) await writeUnlisted((unlistedFile = unlistedPathOf(opts.output)), r.unlisted, site.VarLocation);
          ctx.log.info('dumped', { site: site.name, side: 'remote', files: r.files, unlisted: r.unlisted.length, file: opts.output ?? '-', unlistedFile });
          if (r.unlisted.length) {
            ctx.log.warn('dump-incomplete', {
              site: site.name,
              unlisted: r.unlisted.length,
              message: `${r.unlisted.length} director${r.unlisted.length === 1 ? 'y' : 'ies'} could not be listed${unlistedFile ? ` (${unlistedFile})` : ''}: nothing below them is in the dump; exit 1`,
            });
            return EXIT.RUN_FAILED;
          }
          return EXIT.OK;
        } finally {
          await lister.close();
        }
      }),
    );
};
