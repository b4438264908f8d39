import { InvalidArgumentError } from 'commander';
import { EXIT } from '../exit-codes.ts';
import type { CommandRegistrar } from '../cli-command.ts';

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new InvalidArgumentError('a whole number from 1 to 1000');
  return n;
}

export const registerWorker: CommandRegistrar = (program, run) => {
  program
    .command('worker')
    .description('runs the checks a distributed daemon queues (needs Queue and a shared PostgreSQL or MariaDB History)')
    .option('--concurrency <n>', 'checks this process runs at once', positiveInt, 1)
    .action((opts: { concurrency: number }) =>
      run(async (ctx) => {
        const { DcError } = await import('../../core/errors.ts');
        const { HistoryStore } = await import('../../store/history-store.ts');
        const { preflight } = await import('../../run/run-preflight.ts');
        const { fleetSettings } = await import('../../fleet/fleet-settings.ts');
        const { runFleetWorker } = await import('../../fleet/fleet-worker.ts');
        const { withInventorySites } = await import('../cli-sites.ts');
        const config = ctx.config();
        const settings = fleetSettings(config);
        if (!settings.queue) throw new DcError('CONFIG', `${config.file}: key "Queue": a worker takes its checks from a queue: set Queue.Url (redis://host:6379/0), or run \`daemon\` alone to check in its own process`);
        preflight(config, { sites: config.siteNames, history: true, inventory: 'read' });
        const widen = async () => (await withInventorySites(config, ctx.log)).config;
        const store = await HistoryStore.open(config.historyUrl);
        try {
          ctx.log.info('worker-start', { queue: settings.queue.name, concurrency: opts.concurrency });
          await runFleetWorker({ config: await widen(), refreshConfig: widen, store, queue: settings.queue, concurrency: opts.concurrency, signal: ctx.signal, log: (e, f) => ctx.log.info(e, f) });
          ctx.log.info('worker-stopped', {});
        } finally {
          await store.close();
        }
        // BullMQ keeps timers (lock renewal, reconnection) of a worker whose Redis went away even
        // after it is cut off; the process ends with its own code instead of waiting on them
        // (the timer is unref'd: a process that exits by itself is not held by it).
        setTimeout(() => process.exit(EXIT.OK), 1000).unref();
        return EXIT.OK;
      }),
    );
};
