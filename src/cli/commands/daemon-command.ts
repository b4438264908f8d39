import { EXIT } from '../exit-codes.ts';
import type { CommandRegistrar } from '../cli-command.ts';

export const registerDaemon: CommandRegistrar = (program, run) => {
  program
    .command('daemon')
    .description('the scheduler: checks every site each CheckEvery hours, oldest first, within MaxConcurrentChecks and lock groups; in this process, or on workers when Queue is configured')
    .action(() =>
      run(async (ctx) => {
        const { HistoryStore } = await import('../../store/history-store.ts');
        const { preflight } = await import('../../run/run-preflight.ts');
        const { fleetSettings } = await import('../../fleet/fleet-settings.ts');
        const { runDaemon } = await import('../../fleet/fleet-daemon.ts');
        const { checkCandidates } = await import('../cli-sites.ts');
        const settings = fleetSettings(ctx.config());
        preflight(ctx.config(), { sites: ctx.config().siteNames, history: true, inventory: 'read' });
        // The sites are asked for again each round (the inventory's change); a configuration that
        // cannot work is an error now, before the daemon runs.
        const first = await checkCandidates(ctx.config(), undefined, ctx.log);
        preflight(first.config, { sites: first.sites });
        const store = await HistoryStore.open(first.config.historyUrl);
        try {
          await runDaemon({
            settings,
            store,
            candidates: () => checkCandidates(ctx.config(), undefined, ctx.log),
            signal: ctx.signal,
            log: (e, f) => ctx.log.info(e, f),
          });
        } finally {
          await store.close();
        }
        // Stopped by SIGTERM/SIGINT as a service is: running checks were halted and recorded.
        return EXIT.OK;
      }),
    );
};
