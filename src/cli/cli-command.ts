import type { Command } from 'commander';
import type { CliContext } from './cli-context.ts';

/**
 * Each command module adds itself to the program through one of these; its action returns the
 * exit code. Registering must stay light: a command's action loads its implementation with
 * import(), so that --help loads no SDK, web server, database driver or logger. The type lives
 * apart from main.ts so that the command modules main.ts imports do not import it back.
 */
export type CommandRegistrar = (program: Command, run: (fn: (ctx: CliContext) => Promise<number>, opts?: { json?: boolean }) => Promise<void>) => void;
