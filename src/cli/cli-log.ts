import pino from 'pino';
import { scrubSecrets } from '../core/redact-url.ts';

export interface Logger {
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
  debug(event: string, fields?: Record<string, unknown>): void;
  /** A live one-line status on a terminal; nothing when logging JSON. */
  status(line: string): void;
  /** Ends the live status line. */
  endStatus(): void;
  readonly json: boolean;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<LogLevel, number> = { debug: 20, info: 30, warn: 40, error: 50 };


/**
 * JSON lines on stderr (pino) when not on a terminal or with --json; short human lines plus a
 * live progress line on a terminal. `level` is asked at each line, so the configuration's LogLevel
 * can apply once the file is read (--info and --debug win over it).
 */
export function createLogger(opts: { json: boolean; level?: () => LogLevel }): Logger {
  const level = opts.level ?? (() => 'info');
  const on = (l: LogLevel) => RANK[l] >= RANK[level()];
  if (opts.json) {
    // Credentials are hidden by scrubSecrets on every line (credential-named fields, URLs in any string).
    const p = pino({ level: 'debug', base: undefined }, pino.destination(2));
    return {
      json: true,
      info: (e, f) => on('info') && p.info({ event: e, ...scrubSecrets(f) }),
      warn: (e, f) => on('warn') && p.warn({ event: e, ...scrubSecrets(f) }),
      error: (e, f) => p.error({ event: e, ...scrubSecrets(f) }),
      debug: (e, f) => on('debug') && p.debug({ event: e, ...scrubSecrets(f) }),
      status: () => undefined,
      endStatus: () => undefined,
    };
  }
  let live = false;
  const line = (level: string, e: string, f?: Record<string, unknown>) => {
    if (live) process.stderr.write('\r\x1b[2K');
    live = false;
    const rest = f ? Object.entries(scrubSecrets(f)).filter(([k]) => !/password|token|secret|authorization/i.test(k)).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ') : '';
    process.stderr.write(`${level}${e}${rest ? ' ' + rest : ''}\n`);
  };
  return {
    json: false,
    info: (e, f) => on('info') && line('', e, f),
    warn: (e, f) => on('warn') && line('warning: ', e, f),
    error: (e, f) => line('error: ', e, f),
    debug: (e, f) => on('debug') && line('debug: ', e, f),
    status: (s) => {
      process.stderr.write(`\r\x1b[2K${s}`);
      live = true;
    },
    endStatus: () => {
      if (live) process.stderr.write('\n');
      live = false;
    },
  };
}
