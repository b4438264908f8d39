import { readFileSync } from 'node:fs';
import { DcError } from '../core/errors.ts';
import type { SiteEnv } from '../protocols/protocol-site.ts';
import { redactUrl } from '../core/redact-url.ts';

/**
 * The database password of an SQL inventory: the environment variable INVENTORY_PASSWORD wins
 * (any key can be overridden from the environment), then `Inventory.PasswordFile` (first line,
 * trailing newline dropped), then whatever the URL itself carries. `env` is the environment the
 * configuration layer captured (Config.env). Never logged: every message about the connection
 * uses redactUrl().
 */
export function resolvePassword(passwordFile: string | undefined, env: SiteEnv): string | undefined {
  const fromEnv = env.INVENTORY_PASSWORD;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (!passwordFile) return undefined;
  let text: string;
  try {
    text = readFileSync(passwordFile, 'utf8');
  } catch (err) {
    throw new DcError('CONFIG', `Inventory.PasswordFile ${passwordFile}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return text.split(/\r?\n/)[0];
}

/** The URL with `password` set in it (percent-encoded), for drivers that take one URL. */
export function urlWithPassword(url: string, password: string | undefined): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new DcError('CONFIG', `Inventory.Url is not a valid URL: ${redactUrl(url)}`);
  }
  if (password === undefined) return url;
  if (!u.username) throw new DcError('CONFIG', `Inventory.Url ${redactUrl(url)} names no user for the password`);
  u.password = encodeURIComponent(password);
  return u.toString();
}

/** Names the database engine's error without anything the URL carried but its redacted form. */
export function connectError(engine: string, url: string, err: unknown): DcError {
  const e = err as { code?: unknown; errno?: unknown; message?: string };
  const msg = (e?.message ?? String(err)).split(url).join(redactUrl(url));
  return new DcError('IO', `cannot open ${engine} inventory ${redactUrl(url)}: ${msg}`, { cause: err, detail: { code: e?.code, errno: e?.errno } });
}
