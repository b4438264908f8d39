import type { Command } from 'commander';
import { DcError } from '../../core/errors.ts';
import { HistoryStore, defaultOwner } from '../../store/history-store.ts';
import { runSite } from '../../worker/run-site.ts';
import { EXIT } from '../cli-context.ts';
import type { CommandRegistrar } from '../main.ts';
import { progressReporter } from '../progress-line.ts';
import { summaryText } from '../summary-text.ts';

/** Sites whose name matches PATTERN: a regular expression anchored at both ends (`T2_US_.*`). */
export function matchSites(names: readonly string[], pattern: string | undefined): string[] {
  if (!pattern) return [...names];
  let re: RegExp;
  try {
    re = new RegExp(`^(?:${pattern})$`);
  } catch {
    throw new DcError('CONFIG', `--site ${JSON.stringify(pattern)} is not a valid regular expression`);
  }
  return names.filter((n) => re.test(n));
}

export const registerCheck: CommandRegistrar = (program, run) => {
  program
    .command('check')
    .description('check one site: the ready site matching --site checked least recently')
    .option('--site <pattern>', 'site name or regular expression')
    .option('--dry-run', 'write lists and history, never act')
    .option('--json', 'print the run summary as JSON on stdout and log JSON lines on stderr')
    .action((opts: { site?: string; dryRun?: boolean; json?: boolean }) =>
      run(async (ctx) => {
        const config = ctx.config();
        const candidates = matchSites(config.siteNames, opts.site);
        if (candidates.length === 0) throw new DcError('CONFIG', `${config.file}: no configured site matches ${JSON.stringify(opts.site)}`);
        const store = await HistoryStore.open(config.historyUrl);
        try {
          // Picked with its lock taken: a site another process is checking is skipped for the next.
          const owner = defaultOwner();
          const site = await store.pickSite(candidates, owner);
          if (!site) {
            ctx.log.warn('no-ready-site', { candidates, message: 'every matching site is disabled or being checked by another process' });
            return EXIT.STATE;
          }
          const outcome = await runSite(config, site, store, {
            dryRun: opts.dryRun,
            signal: ctx.signal,
            onProgress: progressReporter(ctx.log, site),
            log: (e, f) => ctx.log.info(e, f),
          }).finally(() => store.releaseLock(site, owner));
          ctx.log.endStatus();
          if (outcome.status !== 'done' || !outcome.summary) {
            ctx.log.error(`check-${outcome.status}`, { site, runId: outcome.runId, message: outcome.error?.message });
            return EXIT.RUN_FAILED;
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
