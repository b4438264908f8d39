import type { Command } from 'commander';
import { DEFAULT_WEB_HOST, DEFAULT_WEB_PORT } from '../../web/web-defaults.ts';
import { EXIT } from '../exit-codes.ts';
import type { CommandRegistrar } from '../cli-command.ts';

export const registerServe: CommandRegistrar = (program: Command, run) => {
  program
    .command('serve')
    .description('serve the dashboard: summary of every site, history, runs, lists, controls, /api and /metrics')
    .option('--host <host>', 'address to listen on', DEFAULT_WEB_HOST)
    .option('--port <port>', 'port to listen on', String(DEFAULT_WEB_PORT))
    .action((opts: { host: string; port: string }) =>
      run(async (ctx) => {
        const { DcError } = await import('../../core/errors.ts');
        const { HistoryStore } = await import('../../store/history-store.ts');
        const { preflight } = await import('../../run/run-preflight.ts');
        const { createWebServer } = await import('../../web/web-server.ts');
        const { withInventorySites } = await import('../cli-sites.ts');
        const port = Number(opts.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new DcError('CONFIG', `--port must be a port number, got ${JSON.stringify(opts.port)}`);
        preflight(ctx.config(), { history: true });
        const { config } = await withInventorySites(ctx.config(), ctx.log);
        const store = await HistoryStore.open(config.historyUrl);
        try {
          const { app, ctx: web } = await createWebServer({ config, store, log: (e, f) => ctx.log.info(e, f) });
          let address: string;
          try {
            address = await app.listen({ host: opts.host, port });
          } catch (err) {
            throw new DcError('CONFIG', `cannot listen on ${opts.host}:${port}: ${(err as Error).message}`, { cause: err });
          }
          ctx.log.info('serving', { url: `${address}/`, sites: config.siteNames.length, controls: web.auth.configured ? 'token required' : 'read-only (no Web.Token)' });
          await new Promise<void>((resolve) => {
            if (ctx.signal.aborted) resolve();
            else ctx.signal.addEventListener('abort', () => resolve(), { once: true });
          });
          await app.close();
          return EXIT.OK;
        } finally {
          await store.close();
        }
      }),
    );
};
