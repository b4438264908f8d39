import { EXIT } from '../exit-codes.ts';
import type { CommandRegistrar } from '../cli-command.ts';

/** The seed's consistency-invalidate: confirmed missing files of sites in act mode → local_invalidations. */
export const registerInvalidate: CommandRegistrar = (program, run) => {
  program
    .command('invalidate')
    .description('write local_invalidations for confirmed missing files of sites in act mode, and mark them acted on')
    .option('--site <pattern>', 'regular expression searched in the site names (not anchored)')
    .option('--dry-run', 'report what would be invalidated, write nothing')
    .action((opts: { site?: string; dryRun?: boolean }) =>
      run(async (ctx) => {
        const { DcError } = await import('../../core/errors.ts');
        const { invalidateMissing } = await import('../../actions/actions-invalidate.ts');
        const { HistoryStore } = await import('../../store/history-store.ts');
        const { preflight } = await import('../../run/run-preflight.ts');
        const { matchSites, withInventorySites } = await import('../cli-sites.ts');
        const { config } = await withInventorySites(ctx.config(), ctx.log);
        const sites = matchSites(config.siteNames, opts.site);
        if (sites.length === 0) throw new DcError('CONFIG', `${config.file}: no configured site matches ${JSON.stringify(opts.site)}`);
        preflight(config, { history: true, inventory: 'read' });
        const store = await HistoryStore.open(config.historyUrl);
        try {
          const reports = await invalidateMissing(config, store, sites, { dryRun: opts.dryRun });
          for (const r of reports) {
            ctx.out.write(`${r.site}: ${r.invalidated} invalidated, ${r.alreadyInvalidated} already${r.runId ? ` (run ${r.runId})` : ''}${r.skipped ? ` — ${r.skipped}` : ''}\n`);
          }
          return EXIT.OK;
        } finally {
          await store.close();
        }
      }),
    );
};
