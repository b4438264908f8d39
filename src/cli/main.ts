import { packageVersion } from '../core/package-version.ts';
import { Command, CommanderError } from 'commander';
import type { CliContext, GlobalOptions } from './cli-context.ts';
import type { CommandRegistrar } from './cli-command.ts';
import { EXIT } from './exit-codes.ts';
import { registerCheck } from './commands/check-command.ts';
import { registerCompare } from './commands/compare-command.ts';
import { registerCompare3 } from './commands/compare3-command.ts';
import { registerDaemon } from './commands/daemon-command.ts';
import { registerDemo } from './commands/demo-command.ts';
import { registerDump } from './commands/dump-command.ts';
import { registerImport } from './commands/import-command.ts';
import { registerInvalidate } from './commands/invalidate-command.ts';
import { registerList } from './commands/list-command.ts';
import { registerServe } from './commands/serve-command.ts';
import { registerSetStatus } from './commands/set-status-command.ts';
import { registerWorker } from './commands/worker-command.ts';

const registrars: CommandRegistrar[] = [registerCheck, registerList, registerCompare, registerImport, registerSetStatus, registerDemo, registerServe, registerInvalidate, registerCompare3, registerDaemon, registerWorker, registerDump];

export async function main(argv: string[]): Promise<number> {
  let exitCode: number = EXIT.OK;
  const program = new Command('dynamo-consistency')
    .description('Compare what a storage site holds with what the data-management inventory believes it holds.')
    .version(packageVersion(), '--version', 'print the version')
    .option('--config <file>', 'configuration file (JSON or YAML)', 'consistency_config.json')
    .option('--info', 'log down to info level (over LogLevel)')
    .option('--debug', 'log down to debug level (over LogLevel)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .showHelpAfterError();
  const run = async (fn: (ctx: CliContext) => Promise<number>, opts: { json?: boolean } = {}) => {
    const { makeContext, reportError } = await import('./cli-context.ts');
    const ctx = makeContext({ ...program.opts<GlobalOptions>(), ...opts });
    try {
      exitCode = await fn(ctx);
    } catch (err) {
      ctx.log.endStatus();
      exitCode = reportError(ctx.log, err);
    }
  };
  for (const r of registrars) r(program, run);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT.OK : EXIT.CONFIG;
    }
    throw err;
  }
  return exitCode;
}
