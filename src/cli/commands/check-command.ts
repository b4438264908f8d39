import type { Command } from 'commander';
import type { SiteSettings } from '../../config/config-schema.ts';
import { EXIT } from '../exit-codes.ts';
import type { CommandRegistrar } from '../cli-command.ts';

interface CheckOptions {
  site?: string;
  dryRun?: boolean;
  json?: boolean;
  cms?: boolean;
  /** False with --no-orphan. */
  orphan?: boolean;
  resume?: boolean;
}

export const registerCheck: CommandRegistrar = (program, run) => {
  program
    .command('check')
    .description('check one site: the ready site matching --site checked least recently')
    .option('--site <pattern>', 'regular expression searched in the site names, as the seed did: T2_US matches every T2_US_… site, ^T2_US_MIT$ only that one')
    .option('--dry-run', 'write lists and history, never act')
    .option('--json', 'print the run summary as JSON on stdout and log JSON lines on stderr')
    .option('--cms', 'CMS dataset conventions for this run (CmsDatasets true)')
    .option('--resume', 'continue the listing an earlier run of the site left unfinished (killed, crashed, halted) from its last checkpoint; without it such a checkpoint is discarded')
    .option('--no-orphan', 'list no orphans in this run, every one held back (ListOrphans false, the seed\'s --no-orphan)')
    .action((opts: CheckOptions) =>
      run(async (ctx) => {
        const { withOverrides } = await import('../../config/config-loader.ts');
        const { HistoryStore } = await import('../../store/history-store.ts');
        const { preflight } = await import('../../run/run-preflight.ts');
        const { runNextSite } = await import('../../run/run-site.ts');
        const { checkCandidates, matchSites } = await import('../cli-sites.ts');
        const { progressReporter } = await import('../progress-line.ts');
        const { summaryText } = await import('../summary-text.ts');
        const overrides: Partial<SiteSettings> = {};
        if (opts.cms) overrides.CmsDatasets = true;
        if (opts.orphan === false) overrides.ListOrphans = false;
        if (Object.keys(overrides).length) ctx.log.info('run-settings', { ...overrides, message: 'set for this run by --cms / --no-orphan, over the configuration' });
        // The configured sites, the history and the inventory are checked before the inventory is
        // asked for the sites it knows; those are checked in turn.
        preflight(ctx.config(), { sites: matchSites(ctx.config().siteNames, opts.site), history: true, inventory: 'read' });
        const { config, sites: candidates } = await checkCandidates(withOverrides(ctx.config(), overrides), opts.site, ctx.log);
        preflight(config, { sites: candidates });
        const store = await HistoryStore.open(config.historyUrl);
        let report: ReturnType<typeof progressReporter> | undefined;
        try {
          // The site is picked with its lease taken: a site another process is checking is skipped for the next.
          const picked = await runNextSite(config, candidates, store, {
            dryRun: opts.dryRun,
            resume: opts.resume === true,
            signal: ctx.signal,
            onProgress: (p, site) => (report ??= progressReporter(ctx.log, site))(p),
            log: (e, f) => ctx.log.info(e, f),
          });
          if (!picked) {
            ctx.log.warn('no-ready-site', { candidates, message: 'every matching site is disabled or being checked by another process' });
            return EXIT.STATE;
          }
          const { site, outcome } = picked;
          ctx.log.endStatus();
          if (outcome.status !== 'done' || !outcome.summary) {
            ctx.log.error(`check-${outcome.status}`, { site, runId: outcome.runId, message: outcome.error?.message });
            return outcome.error?.code === 'INTERNAL' ? EXIT.INTERNAL : EXIT.RUN_FAILED; // a bug, not the site
          }
          if (opts.json) ctx.out.write(JSON.stringify(outcome.summary, null, 2) + '\n');
          else ctx.out.write(summaryText(outcome.summary, outcome.files ?? {}));
          return EXIT.OK;
        } finally {
          await store.close();
        }
      }, { json: opts.json }),
    );
};
