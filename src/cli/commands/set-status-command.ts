import { userInfo } from 'node:os';
import { EXIT } from '../exit-codes.ts';
import type { CommandRegistrar } from '../cli-command.ts';

const VALUES = ['ready', 'halt', 'disable', 'act', 'dry', 'accept'] as const;

export const registerSetStatus: CommandRegistrar = (program, run) => {
  program
    .command('set-status')
    .description('set a site ready|halt|disable (scheduling), act|dry (reporting mode), or accept its last run\'s size as the baseline of the shrink gates')
    .argument('<site>')
    .argument('<value>', VALUES.join('|'))
    .action((site: string, value: string) =>
      run(async (ctx) => {
        const { DcError } = await import('../../core/errors.ts');
        const { HistoryStore } = await import('../../store/history-store.ts');
        const { preflight } = await import('../../run/run-preflight.ts');
        const { withInventorySites } = await import('../cli-sites.ts');
        if (!(VALUES as readonly string[]).includes(value)) throw new DcError('CONFIG', `set-status: value must be one of ${VALUES.join(', ')}, got ${JSON.stringify(value)}`);
        preflight(ctx.config(), { history: true });
        const { config } = await withInventorySites(ctx.config(), ctx.log);
        if (!config.siteNames.includes(site)) throw new DcError('CONFIG', `${config.file}: no site "${site}": not under Sites, not named by Redirectors, PathPrefix or AccessMethod, not known to the inventory`);
        const store = await HistoryStore.open(config.historyUrl);
        try {
          const by = `cli:${userInfo().username}`;
          if (value === 'accept') {
            const b = await store.baselines.acceptLatestRun(site, by);
            await store.states.recordChange(site, 'accept', by);
            ctx.out.write(`${site}: baseline is now run ${b.runId}: ${b.settled} settled inventory files, ${b.listed} listed files\n`);
            return EXIT.OK;
          }
          const st = await store.states.set(site, value as Exclude<(typeof VALUES)[number], 'accept'>, by);
          ctx.out.write(`${st.site}: status ${st.status}, mode ${st.mode}\n`);
          return EXIT.OK;
        } finally {
          await store.close();
        }
      }),
    );
};
