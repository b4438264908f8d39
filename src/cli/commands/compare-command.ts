import { EXIT } from '../exit-codes.ts';
import { collectFormat, describeInput, formatOptionHelp, parseFormatOptions } from '../list-format-option.ts';
import type { CommandRegistrar } from '../cli-command.ts';

const ROLES = ['inventory', 'remote'] as const;

export const registerCompare: CommandRegistrar = (program, run) => {
  program
    .command('compare')
    .description('compare two lists (plain or gz; paths, lfn-size or rucio-dump): writes PREFIX_missing.txt, PREFIX_orphan.txt, PREFIX_size_mismatch.txt')
    .argument('<inventory>', 'what should be there')
    .argument('<remote>', 'what is there')
    .argument('<prefix>', 'output path prefix')
    .option('--format <format>', formatOptionHelp(ROLES), collectFormat, [])
    .action((inv: string, remote: string, prefix: string, opts: { format: string[] }) =>
      run(async (ctx) => {
        const formats = parseFormatOptions(opts.format, ROLES);
        const { compareFiles } = await import('../../check/compare-files.ts');
        const r = await compareFiles(inv, remote, prefix, { formats });
        ctx.out.write(`${r.missing} missing, ${r.orphan} orphan, ${r.sizeMismatch} size mismatch (${r.inventory} in inventory, ${r.remote} listed, ${r.seconds.toFixed(1)} s)\n`);
        for (const role of ROLES) ctx.out.write(`${describeInput(role, r.inputs[role])}\n`);
        for (const f of Object.values(r.files)) ctx.out.write(`  ${f}\n`);
        return EXIT.OK;
      }),
    );
};
