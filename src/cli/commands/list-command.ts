import { once } from 'node:events';
import { EXIT } from '../exit-codes.ts';
import type { CommandRegistrar } from '../cli-command.ts';
import type { WalkProgress } from '../../listers/walk-types.ts';
import { dateStringOption } from '../date-string-option.ts';

/** Characters of output gathered before a write. */
const FLUSH_AT = 256 << 10;
/** Longest a listed line waits in the block (ms). */
const FLUSH_MS = 200;

export const registerList: CommandRegistrar = (program, run) => {
  program
    .command('list')
    .description('print the listing of a site: "LFN size mtime" per file (names escaped as in the lists); unlisted directories on stderr')
    .argument('<site>')
    .option('--dirs', 'also print directories, as "LFN/ - mtime"')
    .option('--date-string <YYYYMMDD>', 'RAL-Reader sites: the day of the site\'s dump to read (default today, UTC)')
    .action((siteName: string, opts: { dirs?: boolean; dateString?: string }) =>
      run(async (ctx) => {
        const { backendSite, siteConfig, withOverrides } = await import('../../config/config-loader.ts');
        const { escapeName } = await import('../../core/escape.ts');
        const { candidateTops, siteWalkOptions } = await import('../../check/check-filters.ts');
        const { createLister } = await import('../../listers/registry.ts');
        const { resolveSiteDoor } = await import('../../listers/xrootd/xrootd-site-door.ts');
        const { walk } = await import('../../listers/walker.ts');
        const config = opts.dateString === undefined ? ctx.config() : withOverrides(ctx.config(), { DumpDate: dateStringOption(opts.dateString) });
        const site = await resolveSiteDoor(siteConfig(config, siteName), { signal: ctx.signal, env: config.env });
        const lister = await createLister({ ...backendSite(site, config.env), signal: ctx.signal });
        let unlisted = 0;
        let last: WalkProgress | undefined;
        // Output leaves in blocks, not one write per directory (a write is a syscall on a pipe); on
        // a slow walk a block is written with the first directory that comes FLUSH_MS after the last.
        let pending = '';
        let flushedAt = performance.now();
        const flush = async () => {
          flushedAt = performance.now();
          if (!pending) return;
          const block = pending;
          pending = '';
          if (!ctx.out.write(block)) await once(ctx.out, 'drain');
        };
        try {
          for await (const ev of walk(lister, { ...siteWalkOptions(site, candidateTops(site)), signal: ctx.signal, onProgress: (p) => (last = p) })) {
            if (ev.type === 'files') for (const f of ev.files) pending += `${escapeName(f.lfn)} ${f.size} ${Math.floor(f.mtime)}\n`;
            else if (ev.type === 'dir' && opts.dirs) pending += `${escapeName(ev.dir.lfn)}/ - ${Math.floor(ev.dir.mtime)}\n`;
            else if (ev.type === 'unlisted') {
              unlisted++;
              ctx.log.warn('unlisted', { lfn: ev.lfn, code: ev.code, message: ev.message });
            }
            if (pending.length >= FLUSH_AT || performance.now() - flushedAt >= FLUSH_MS) await flush();
          }
          await flush();
          if (last) {
            const { dirsListed, files, retries, pace } = last;
            ctx.log.info('listed', { site: site.name, dirs: dirsListed, files, retries, inFlight: pace.level, inFlightPeak: pace.peak, inFlightCap: pace.cap, backoffs: pace.backoffs, seconds: last.elapsedMs / 1000 });
          }
        } finally {
          // A walk that stopped (SIGTERM, a lister bug) still prints the lines it had listed, as
          // when they were written one directory at a time; the walk's own error is the one reported.
          if (pending) await flush().catch(() => undefined);
          await lister.close();
        }
        return unlisted ? EXIT.RUN_FAILED : EXIT.OK;
      }),
    );
};
