import type { Config } from '../../config/config-loader.ts';
import type { SiteSettings } from '../../config/config-schema.ts';
import { EXIT } from '../exit-codes.ts';
import type { CommandRegistrar } from '../cli-command.ts';
import { dateStringOption } from '../date-string-option.ts';

interface CheckOptions {
  site?: string;
  dryRun?: boolean;
  json?: boolean;
  cms?: boolean;
  /** False with --no-orphan. */
  orphan?: boolean;
  dateString?: string;
  unmerged?: boolean;
  moreLogs?: boolean;
  /** False with --no-inventory. */
  inventory?: boolean;
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
    .option('--date-string <YYYYMMDD>', 'RAL-Reader sites: the day of the site\'s dump to read (default today, UTC)')
    .option('--resume', 'continue the listing an earlier run of the site left unfinished (killed, crashed, halted) from its last checkpoint; without it such a checkpoint is discarded')
    .option('--no-orphan', 'list no orphans in this run, every one held back (ListOrphans false, the seed\'s --no-orphan)')
    .option('--unmerged', 'after the check, clean the unmerged area of a site listed in Unmerged (ListDeletable)')
    .option('--more-logs', 'with --unmerged: also clean the AdditionalLogDeletions log directories')
    .option('--no-inventory', 'only the unmerged cleaning of --site (a site in Unmerged): no inventory is read, nothing is compared')
    .action((opts: CheckOptions) =>
      run(async (ctx) => {
        const { siteConfig, withOverrides } = await import('../../config/config-loader.ts');
        const { DcError } = await import('../../core/errors.ts');
        const { HistoryStore } = await import('../../store/history-store.ts');
        const { preflight } = await import('../../run/run-preflight.ts');
        const { runNextSite } = await import('../../run/run-site.ts');
        const { checkCandidates, matchSites } = await import('../cli-sites.ts');
        const { progressReporter } = await import('../progress-line.ts');
        const { summaryText } = await import('../summary-text.ts');
        const overrides: Partial<SiteSettings> = {};
        if (opts.cms) overrides.CmsDatasets = true;
        if (opts.orphan === false) overrides.ListOrphans = false;
        if (opts.dateString !== undefined) overrides.DumpDate = dateStringOption(opts.dateString);
        if (Object.keys(overrides).length) ctx.log.info('run-settings', { ...overrides, message: 'set for this run by --cms / --no-orphan, over the configuration' });
        const noInventory = opts.inventory === false;
        let config: Config;
        let candidates: string[];
        if (noInventory) {
          // The unmerged phase alone: the configured sites in Unmerged matching --site; no inventory at all.
          if (!opts.site) throw new DcError('CONFIG', '--no-inventory needs --site: it runs the unmerged cleaning of one site');
          config = withOverrides(ctx.config(), overrides);
          const matched = matchSites(config.siteNames, opts.site);
          candidates = matched.filter((n) => siteConfig(config, n).Unmerged.includes(n));
          if (candidates.length === 0) throw new DcError('CONFIG', `${config.file}: --no-inventory: no site matching ${JSON.stringify(opts.site)} is in Unmerged (matched: ${matched.join(', ') || 'none'})`);
          preflight(config, { sites: candidates, history: true });
        } else {
          // The configured sites, the history and the inventory are checked before the inventory is
          // asked for the sites it knows; those are checked in turn.
          preflight(ctx.config(), { sites: matchSites(ctx.config().siteNames, opts.site), history: true, inventory: 'read' });
          ({ config, sites: candidates } = await checkCandidates(withOverrides(ctx.config(), overrides), opts.site, ctx.log));
          preflight(config, { sites: candidates });
        }
        const store = await HistoryStore.open(config.historyUrl);
        let report: ReturnType<typeof progressReporter> | undefined;
        try {
          // The site is picked with its lease taken: a site another process is checking is skipped for the next.
          const picked = await runNextSite(config, candidates, store, {
            dryRun: opts.dryRun,
            unmerged: opts.unmerged || noInventory,
            moreLogs: opts.moreLogs,
            noInventory,
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
          // `cleaned`: the unmerged phase alone (--no-inventory) finished.
          if ((outcome.status !== 'done' && outcome.status !== 'cleaned') || !outcome.summary) {
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
