import { EXIT } from '../exit-codes.ts';
import { collectFormat, describeInput, formatOptionHelp, parseFormatOptions } from '../list-format-option.ts';
import type { CommandRegistrar } from '../cli-command.ts';

const ROLES = ['before', 'scan', 'after'] as const;

export const registerCompare3: CommandRegistrar = (program, run) => {
  program
    .command('compare3')
    .description('race-safe compare of three dumps: inventory BEFORE the scan, the storage SCAN, inventory AFTER; writes PREFIX_missing.txt and PREFIX_orphan.txt')
    .argument('<before>', 'inventory dump taken before the scan')
    .argument('<scan>', 'storage dump')
    .argument('<after>', 'inventory dump taken after the scan')
    .argument('<prefix>', 'output path prefix')
    .option('--format <format>', formatOptionHelp(ROLES), collectFormat, [])
    .action((before: string, scan: string, after: string, prefix: string, opts: { format: string[] }) =>
      run(async (ctx) => {
        const formats = parseFormatOptions(opts.format, ROLES);
        const { runCompare3 } = await import('../../check/compare3.ts');
        const r = await runCompare3(before, scan, after, prefix, { formats });
        ctx.out.write(
          `${r.missing} missing, ${r.orphan} orphan (before ${r.before.entries} entries, ${r.before.settled} settled; scan ${r.scan.entries} entries; after ${r.after.entries} entries, ${r.after.settled} settled)\n`,
        );
        for (const role of ROLES) ctx.out.write(`${describeInput(role, r.inputs[role])}\n`);
        for (const f of Object.values(r.files)) ctx.out.write(`  ${f}\n`);
        return EXIT.OK;
      }),
    );
};
