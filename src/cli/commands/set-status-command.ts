import type { Command } from 'commander';
import { userInfo } from 'node:os';
import { DcError } from '../../core/errors.ts';
import { HistoryStore } from '../../store/history-store.ts';
import { EXIT } from '../cli-context.ts';
import { withInventorySites } from '../cli-sites.ts';
import type { CommandRegistrar } from '../main.ts';

const VALUES = ['ready', 'halt', 'disable', 'act', 'dry'] as const;

export const registerSetStatus: CommandRegistrar = (program, run) => {
  program
    .command('set-status')
    .description('set a site ready|halt|disable (scheduling) or act|dry (reporting mode)')
    .argument('<site>')
    .argument('<value>', VALUES.join('|'))
    .action((site: string, value: string) =>
      run(async (ctx) => {
        if (!(VALUES as readonly string[]).includes(value)) throw new DcError('CONFIG', `set-status: value must be one of ${VALUES.join(', ')}, got ${JSON.stringify(value)}`);
        const { config } = await withInventorySites(ctx.config(), ctx.log);
        if (!config.siteNames.includes(site)) throw new DcError('CONFIG', `${config.file}: no site "${site}": not under Sites, not named by Redirectors, PathPrefix or AccessMethod, not known to the inventory`);
        const store = await HistoryStore.open(config.historyUrl);
        try {
          const st = await store.setState(site, value as (typeof VALUES)[number], `cli:${userInfo().username}`);
          ctx.out.write(`${st.site}: status ${st.status}, mode ${st.mode}\n`);
          return EXIT.OK;
        } finally {
          await store.close();
        }
      }),
    );
};
