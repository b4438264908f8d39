import { loadConfig, DEFAULT_CONFIG_FILE, type Config } from '../config/config-loader.ts';
import { DcError, errorMessage } from '../core/errors.ts';
import { createLogger, type Logger, type LogLevel } from './cli-log.ts';

import { EXIT } from './exit-codes.ts';

export { EXIT };

export function exitCodeOf(err: unknown): number {
  if (!(err instanceof DcError)) return EXIT.INTERNAL;
  switch (err.code) {
    case 'CONFIG':
    case 'UNSUPPORTED':
      return EXIT.CONFIG;
    case 'INPUT':
    case 'NOT_FOUND':
      return EXIT.INPUT;
    case 'STATE':
      return EXIT.STATE;
    case 'ABORTED':
      return EXIT.RUN_FAILED;
    default:
      return EXIT.INTERNAL;
  }
}

export interface GlobalOptions {
  config?: string;
  json?: boolean;
  /** The seed's --info and --debug: log down to that level, whatever LogLevel says. */
  info?: boolean;
  debug?: boolean;
}

export interface CliContext {
  log: Logger;
  /** Loads the configuration named by --config (default consistency_config.json). */
  config(): Config;
  /** An AbortSignal that fires on SIGINT/SIGTERM. */
  signal: AbortSignal;
  out: NodeJS.WritableStream;
}

/** Seconds between SIGTERM/SIGINT and a forced exit. */
export const STOP_GRACE_SECONDS = 10;

export function makeContext(opts: GlobalOptions): CliContext {
  const ctrl = new AbortController();
  const onSignal = (sig: string) => {
    if (ctrl.signal.aborted) process.exit(130);
    log.warn('signal', { signal: sig, message: `stopping cleanly; send again to exit at once (forced after ${STOP_GRACE_SECONDS} s)` });
    ctrl.abort();
    // Whatever the command is waiting on, it is gone within the grace period: lists are written
    // atomically and a run left "running" is recovered by the next one.
    setTimeout(() => {
      log.error('signal', { signal: sig, message: `did not stop within ${STOP_GRACE_SECONDS} s; exiting` });
      process.exit(EXIT.RUN_FAILED);
    }, STOP_GRACE_SECONDS * 1000).unref();
  };
  process.once('SIGINT', () => onSignal('SIGINT'));
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  let cached: Config | undefined;
  const flagLevel: LogLevel | undefined = opts.debug ? 'debug' : opts.info ? 'info' : undefined;
  const log = createLogger({ json: opts.json || !process.stderr.isTTY, level: () => flagLevel ?? cached?.logLevel ?? 'info' });
  return {
    log,
    signal: ctrl.signal,
    out: process.stdout,
    config() {
      if (!cached) {
        cached = loadConfig(opts.config ?? DEFAULT_CONFIG_FILE);
        // Once per command: seed keys accepted without effect, renamed keys.
        for (const n of cached.notices) log.warn('config-notice', { key: n.key, message: `${n.key} ${n.message}`, file: cached.file });
      }
      return cached;
    },
  };
}

export function reportError(log: Logger, err: unknown): number {
  const code = exitCodeOf(err);
  log.error('error', { code: err instanceof DcError ? err.code : 'INTERNAL', message: errorMessage(err) });
  return code;
}
