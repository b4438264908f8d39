/**
 * How a WebDAV site is reached — its HTTP base URL, TLS material and bearer token — resolved once
 * from the site's keys and the captured environment, for the WebDAV lister and deleter alike.
 */
import { DcError } from '../../core/errors.ts';
import { BearerTokenSource } from '../credentials/credentials-bearer-token.ts';
import type { CredentialSettings } from '../credentials/credentials-settings.ts';
import { loadTlsOptions, x509FilesOf, type TlsFiles, type TlsOptions } from '../credentials/credentials-x509.ts';
import type { BackendSite, SiteEnv } from '../protocol-site.ts';
import type { WebdavSettings } from './webdav-settings.ts';

const SCHEMES: Readonly<Record<string, 'http:' | 'https:'>> = { 'davs:': 'https:', 'https:': 'https:', 'dav:': 'http:', 'http:': 'http:' };

export type WebdavSiteSettings = WebdavSettings & CredentialSettings;

export interface WebdavAccessOptions {
  /** Site URL: davs://host:port/base, https://…, dav://…, http://… */
  url: string;
  /** File holding the bearer token; when absent, WLCG discovery (BEARER_TOKEN, BEARER_TOKEN_FILE, …) in `env`. */
  bearerTokenFile?: string;
  tls?: TlsFiles;
  /** The environment captured by the configuration layer (default: none). */
  env?: SiteEnv;
  /** Redirects followed per request (default 5). */
  maxRedirects?: number;
}

export interface WebdavAccess {
  /** http: or https: URL of the site's base path. */
  base: URL;
  tls?: TlsOptions;
  token: BearerTokenSource;
  maxRedirects: number;
}

/** The access options of a site: `BearerTokenFile`, the X.509 keys, `MaxRedirects`, and its env. */
export function webdavAccessOptions(site: BackendSite<WebdavSiteSettings>): WebdavAccessOptions {
  const s = site.settings;
  return { url: site.url, bearerTokenFile: s.BearerTokenFile || undefined, tls: x509FilesOf(s, site.env), env: site.env, maxRedirects: s.MaxRedirects };
}

/**
 * Checks the URL, reads the TLS material and looks for the token now: a missing file or an
 * unusable token fails at start, naming the file, rather than once per request. `who` names the
 * backend in messages.
 */
export async function openWebdavAccess(o: WebdavAccessOptions, who: string): Promise<WebdavAccess> {
  let url: URL;
  try {
    url = new URL(o.url);
  } catch {
    throw new DcError('CONFIG', `WebDAV site URL is not a URL: ${JSON.stringify(o.url)}`);
  }
  const protocol = SCHEMES[url.protocol];
  if (!protocol) throw new DcError('UNSUPPORTED', `${who} does not speak ${url.protocol}//`);
  if (url.username || url.password) throw new DcError('CONFIG', 'credentials in the WebDAV URL are not supported; use a token file or X.509');
  // WHATWG URL refuses to switch a non-special scheme to a special one, so rebuild the URL.
  const base = new URL(`${protocol}//${url.host}${url.pathname}`);
  const tls = o.tls ? await loadTlsOptions(o.tls) : undefined;
  const token = new BearerTokenSource({ tokenFile: o.bearerTokenFile, env: o.env ?? {} });
  await token.header();
  return { base, tls, token, maxRedirects: o.maxRedirects ?? 5 };
}
