import type { Command } from 'commander';
import { once } from 'node:events';
import { EXIT } from '../exit-codes.ts';
import type { CommandRegistrar } from '../cli-command.ts';

export const registerList: CommandRegistrar = (program, run) => {
  program
    .command('list')
    .description('print the listing of a site: "LFN size mtime" per file (names escaped as in the lists); unlisted directories on stderr')
    .argument('<site>')
    .option('--dirs', 'also print directories, as "LFN/ - mtime"')
    .action((siteName: string, opts: { dirs?: boolean }) =>
      run(async (ctx) => {
        const { backendSite, siteConfig } = await import('../../config/config-loader.ts');
        const { escapeName } = await import('../../core/escape.ts');
        const { candidateTops } = await import('../../check/check-filters.ts');
        const { createLister } = await import('../../listers/registry.ts');
        const { resolveSiteDoor } = await import('../../listers/xrootd/xrootd-site-door.ts');
        const { walk } = await import('../../listers/walker.ts');
        const config = ctx.config();
        const site = await resolveSiteDoor(siteConfig(config, siteName), { signal: ctx.signal, env: config.env });
        const lister = await createLister(backendSite(site, config.env));
        let unlisted = 0;
        try {
          for await (const ev of walk(lister, { tops: candidateTops(site), pathPrefix: site.PathPrefix, concurrency: site.NumThreads, retries: site.Retries, timeoutMs: site.Timeout * 1000, signal: ctx.signal })) {
            let chunk = '';
            if (ev.type === 'files') for (const f of ev.files) chunk += `${escapeName(f.lfn)} ${f.size} ${Math.floor(f.mtime)}\n`;
            else if (ev.type === 'dir' && opts.dirs) chunk = `${escapeName(ev.dir.lfn)}/ - ${Math.floor(ev.dir.mtime)}\n`;
            else if (ev.type === 'unlisted') {
              unlisted++;
              ctx.log.warn('unlisted', { lfn: ev.lfn, code: ev.code, message: ev.message });
            }
            if (chunk && !ctx.out.write(chunk)) await once(ctx.out, 'drain');
          }
        } finally {
          await lister.close();
        }
        return unlisted ? EXIT.RUN_FAILED : EXIT.OK;
      }),
    );
};
