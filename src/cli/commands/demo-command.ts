import { relative } from 'node:path';
import { EXIT } from '../exit-codes.ts';
import type { CommandRegistrar } from '../cli-command.ts';

export const registerDemo: CommandRegistrar = (program, run) => {
  program
    .command('demo')
    .description('generate a local demo site with a matching SQLite inventory and known problems, check it, and print where everything is')
    .option('--dir <dir>', 'where to create the demo', 'dc-demo')
    .option('--files-per-dataset <n>', 'files in each of the 4 demo datasets', '40')
    .action((opts: { dir: string; filesPerDataset: string }) =>
      run(async (ctx) => {
        const { loadConfig } = await import('../../config/config-loader.ts');
        const { createDemoSite, DEMO_SITE } = await import('../../demo/demo-site.ts');
        const { HistoryStore } = await import('../../store/history-store.ts');
        const { runSite } = await import('../../run/run-site.ts');
        const { progressReporter } = await import('../progress-line.ts');
        const { summaryText } = await import('../summary-text.ts');
        const plan = await createDemoSite(opts.dir, { filesPerDataset: Math.max(30, Number(opts.filesPerDataset) || 40) });
        ctx.log.info('demo-site', { dir: plan.dir, files: plan.files, config: plan.configFile });
        const config = loadConfig(plan.configFile);
        const store = await HistoryStore.open(config.historyUrl);
        let outcome;
        try {
          outcome = await runSite(config, DEMO_SITE, store, { signal: ctx.signal, retryDelayMs: 50, onProgress: progressReporter(ctx.log, DEMO_SITE), log: (e, f) => ctx.log.debug(e, f) });
        } finally {
          await store.close();
        }
        ctx.log.endStatus();
        if (outcome.status !== 'done' || !outcome.summary) {
          ctx.log.error('demo-check-failed', { message: outcome.error?.message });
          return EXIT.RUN_FAILED;
        }
        const s = outcome.summary;
        ctx.out.write(summaryText(s, outcome.files ?? {}));
        const expect = { missing: plan.missing.length, orphan: plan.orphan.length, sizeMismatch: plan.sizeMismatch.length, empty: plan.empty.length, protectedOrphans: plan.protectedFiles.length };
        const got = { missing: s.missing.count, orphan: s.orphan.count, sizeMismatch: s.sizeMismatch.count, empty: s.empty, protectedOrphans: s.skipped.protectedOrphans };
        const ok = JSON.stringify(expect) === JSON.stringify(got) && s.unlisted.count >= 1;
        const rel = relative(process.cwd(), plan.configFile) || plan.configFile;
        ctx.out.write(
          [
            '',
            ok
              ? `The check found exactly the planted problems: ${expect.missing} missing, ${expect.orphan} orphan, ${expect.sizeMismatch} size mismatches, ${expect.empty} empty directories, ${expect.protectedOrphans} unregistered file of a dataset held here protected, 1 new file left alone, and an unlisted directory whose settled file was not called missing.`
              : `The check's counts differ from the planted problems: expected ${JSON.stringify(expect)}, got ${JSON.stringify(got)}.`,
            `Configuration: ${rel}  (check again: npx dynamo-consistency check --config ${rel})`,
            `Dashboard:     npx dynamo-consistency serve --config ${rel}   then open http://127.0.0.1:8080/`,
            '',
          ].join('\n'),
        );
        return ok ? EXIT.OK : EXIT.RUN_FAILED;
      }),
    );
};
