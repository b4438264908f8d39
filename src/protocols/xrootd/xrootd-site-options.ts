import { BearerTokenSource } from '../credentials/credentials-bearer-token.ts';
import type { CredentialSettings } from '../credentials/credentials-settings.ts';
import { loadCaDir, xrootdCaDirOf } from '../credentials/credentials-x509.ts';
import type { BackendSite, SiteBasics } from '../protocol-site.ts';
import type { XrootdClientOptions } from './xrootd-client.ts';
import { parseXrootdUrl } from './xrootd-url.ts';
import { domainMatcher, type DomainMatcher } from './xrootd-domain.ts';
import type { XrootdEndpoint } from './xrootd-pool.ts';
import type { XrootdSettings } from './xrootd-settings.ts';

/** The site keys an XRootD client of a site is configured from. */
export type XrootdSiteSettings = XrootdSettings & CredentialSettings & Pick<SiteBasics, 'name' | 'RootPath' | 'PathPrefix'>;

/** Client options of a site, with what the lister adds on top of one client (the deleter uses the entry point only). */
export interface XrootdSiteOptions extends XrootdClientOptions {
  /** Entry points to use instead of the URL's host (the seed's `Redirectors`). */
  redirectors?: XrootdEndpoint[];
  /** false: find data servers with kXR_locate and spread listings over them. */
  useLoadBalancer?: boolean;
  /** Storage path located for door discovery, below the URL's path (PathPrefix + RootPath + "/"); default the URL's path. */
  locatePath?: string;
  /** Located data servers outside the site's Domain are not used. */
  inDomain?: DomainMatcher;
}

/**
 * The XRootD settings of a site, for its lister and its storage deleter alike: `Redirectors`,
 * `UseLoadBalancer`, the CA directory (`CaDir`, `X509CertDir`, X509_CERT_DIR), and the bearer token
 * (`BearerTokenFile`, else the usual BEARER_TOKEN… discovery in `env`) sent when a server asks for ztn.
 */
export function xrootdOptionsFromSite(site: BackendSite<XrootdSiteSettings>): XrootdSiteOptions {
  const s = site.settings;
  const opts: XrootdSiteOptions = {
    requestTimeoutMs: Math.max(1, site.timeoutSeconds) * 1000,
    connectTimeoutMs: Math.min(Math.max(1, site.timeoutSeconds) * 1000, 30_000),
    // One connection carries many requests; a few more spread the server's work over threads. The
    // pool opens them only as the walker's level grows past `spreadAt` per connection.
    connectionsPerHost: Math.min(4, Math.max(1, Math.ceil(site.concurrency / 16))),
    spreadAt: 16,
  };
  const tlsMode = site.url.startsWith('roots:') || site.url.startsWith('xroots:') ? 'want' : 'off';
  if (s.Redirectors.length) {
    opts.redirectors = s.Redirectors.map((r) => (r.includes('://') ? parseXrootdUrl(r).endpoint : { ...parseXrootdUrl(`root://${r}`).endpoint, tlsMode }));
  }
  opts.useLoadBalancer = s.UseLoadBalancer;
  opts.locatePath = `${s.PathPrefix}${s.RootPath.replace(/\/+$/, '')}/`;
  if (s.Domain.trim()) opts.inDomain = domainMatcher(s.Domain, `site ${s.name}`);
  const caDir = xrootdCaDirOf(s, site.env);
  if (caDir) opts.tlsOptions = { ca: loadCaDir(caDir) };
  // The reference client refuses token files others can read; so does this one, for XRootD.
  opts.bearerToken = new BearerTokenSource({ tokenFile: s.BearerTokenFile || undefined, env: site.env, ownerOnly: true });
  return opts;
}
