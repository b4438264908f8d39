import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve, dirname } from 'node:path';
import type { Config } from '../config/config-loader.ts';
import { DcError } from '../core/errors.ts';

export const SESSION_COOKIE = 'dc_session';
const SESSION_SECONDS = 12 * 3600;

/**
 * The dashboard's one secret (Web.Token, or the first line of Web.TokenFile). It is read once,
 * never logged and never put in an error message; a token file that cannot be read is a CONFIG
 * error naming the file only.
 */
export function readWebToken(config: Config): string | undefined {
  const web = config.raw.Web;
  if (web?.Token) return web.Token;
  if (!web?.TokenFile) return undefined;
  const path = isAbsolute(web.TokenFile) ? web.TokenFile : resolve(dirname(config.file), web.TokenFile);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new DcError('CONFIG', `${config.file}: key "Web.TokenFile": cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const token = text.split(/\r?\n/)[0].trim();
  if (token.length < 16) throw new DcError('CONFIG', `${config.file}: key "Web.TokenFile": the token in ${path} must have at least 16 characters`);
  return token;
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * Token checks and login sessions. Comparisons run on SHA-256 digests with timingSafeEqual, so
 * their time depends neither on where a guess first differs nor on its length. A session is a
 * signed issue time and random nonce under a key drawn at start: restarting the server logs
 * everyone out. The nonce makes two logins in the same second distinct sessions with distinct
 * CSRF values (drill D6 found them identical without it).
 */
export class WebAuth {
  private readonly tokenDigest: Buffer | undefined;
  private readonly key = randomBytes(32);

  constructor(token: string | undefined, private readonly now: () => number = Date.now) {
    this.tokenDigest = token ? digest(token) : undefined;
  }

  get configured(): boolean {
    return this.tokenDigest !== undefined;
  }

  checkToken(candidate: unknown): boolean {
    if (!this.tokenDigest || typeof candidate !== 'string') return false;
    return timingSafeEqual(digest(candidate), this.tokenDigest);
  }

  private sign(text: string): string {
    return createHmac('sha256', this.key).update(text).digest('base64url');
  }

  newSession(): { value: string; maxAge: number } {
    const issued = `${Math.floor(this.now() / 1000)}.${randomBytes(16).toString('base64url')}`;
    return { value: `${issued}.${this.sign(`session:${issued}`)}`, maxAge: SESSION_SECONDS };
  }

  checkSession(value: string | undefined): boolean {
    if (!this.configured || !value) return false;
    const dot = value.lastIndexOf('.');
    if (dot <= 0) return false;
    const issued = value.slice(0, dot);
    if (!/^[0-9]{1,12}\.[A-Za-z0-9_-]{22}$/.test(issued)) return false;
    const age = this.now() / 1000 - Number(issued.slice(0, issued.indexOf('.')));
    if (age < -60 || age > SESSION_SECONDS) return false;
    const want = Buffer.from(this.sign(`session:${issued}`));
    const got = Buffer.from(value.slice(dot + 1));
    return got.length === want.length && timingSafeEqual(got, want);
  }

  /** The form token that proves a POST came from our own page for this session. */
  csrfFor(session: string | undefined): string {
    return session ? this.sign(`csrf:${session}`) : '';
  }

  checkCsrf(session: string | undefined, candidate: unknown): boolean {
    if (!session || typeof candidate !== 'string') return false;
    return timingSafeEqual(digest(candidate), digest(this.csrfFor(session)));
  }
}

/** Only a local path may be a redirect target after login (no `//host`, no scheme). */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || next.includes('\\') || /[\r\n]/.test(next)) return '/';
  return next;
}
