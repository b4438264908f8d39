import { EXIT } from '../exit-codes.ts';
import type { CommandRegistrar } from '../cli-command.ts';

export const registerDaemon: CommandRegistrar = (program, run) => {
  program
    .command('daemon')
    .description('the scheduler: checks every site each CheckEvery hours, oldest first, within MaxConcurrentChecks and lock groups; in this process, or on workers when Queue is configured')
    .option('--unmerged', 'every run also cleans the unmerged area of a site listed in Unmerged, as check --unmerged (on the workers too)')
    .option('--more-logs', 'with --unmerged: also clean the AdditionalLogDeletions log directories')
    .action((opts: { unmerged?: boolean; moreLogs?: boolean }) =>
      run(async (ctx) => {
        const { HistoryStore } = await import('../../store/history-store.ts');
        const { preflight } = await import('../../run/run-preflight.ts');
        const { fleetSettings } = await import('../../fleet/fleet-settings.ts');
        const { runDaemon } = await import('../../fleet/fleet-daemon.ts');
        const { checkCandidates } = await import('../cli-sites.ts');
        const { DcError } = await import('../../core/errors.ts');
        if (opts.moreLogs && !opts.unmerged) throw new DcError('CONFIG', '--more-logs cleans more of the unmerged phase: give it with --unmerged');
        const settings = fleetSettings(ctx.config());
        preflight(ctx.config(), { sites: ctx.config().siteNames, history: true, inventory: 'read' });
        // The sites are asked for again each round (the inventory's change); a configuration that
        // cannot work is an error now, before the daemon runs.
        const first = await checkCandidates(ctx.config(), undefined, ctx.log);
        preflight(first.config, { sites: first.sites });
        if (opts.unmerged && !first.config.raw.Unmerged?.length) ctx.log.warn('unmerged-no-site', { message: '--unmerged given but Unmerged lists no site: no unmerged area is cleaned' });
        const store = await HistoryStore.open(first.config.historyUrl);
        try {
          await runDaemon({
            settings,
            store,
            candidates: () => checkCandidates(ctx.config(), undefined, ctx.log),
            signal: ctx.signal,
            log: (e, f) => ctx.log.info(e, f),
            phases: { unmerged: opts.unmerged === true, moreLogs: opts.moreLogs === true },
          });
        } finally {
          await store.close();
        }
        // Stopped by SIGTERM/SIGINT as a service is: running checks were halted and recorded.
        return EXIT.OK;
      }),
    );
};
