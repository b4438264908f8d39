import type { Command } from 'commander';
import { EXIT } from '../exit-codes.ts';
import type { CommandRegistrar } from '../main.ts';

export const registerCompare: CommandRegistrar = (program, run) => {
  program
    .command('compare')
    .description('compare two "lfn size" lists (plain or gz): writes PREFIX_missing.txt, PREFIX_orphan.txt, PREFIX_size_mismatch.txt')
    .argument('<inventory>', 'what should be there')
    .argument('<remote>', 'what is there')
    .argument('<prefix>', 'output path prefix')
    .action((inv: string, remote: string, prefix: string) =>
      run(async (ctx) => {
        const { compareFiles } = await import('../../check/compare-files.ts');
        const r = await compareFiles(inv, remote, prefix);
        ctx.out.write(`${r.missing} missing, ${r.orphan} orphan, ${r.sizeMismatch} size mismatch (${r.inventory} in inventory, ${r.remote} listed, ${r.seconds.toFixed(1)} s)\n`);
        for (const f of Object.values(r.files)) ctx.out.write(`  ${f}\n`);
        return EXIT.OK;
      }),
    );
};
