import { backendSite, siteFromKeys } from '../../src/config/config-loader.ts';
import type { BackendSite } from '../../src/protocols/protocol-site.ts';
import type { SiteConfig } from '../../src/config/config-loader.ts';
import type { SiteEnv } from '../../src/protocols/protocol-site.ts';

/**
 * A backend's input as a check builds it: site keys validated by the configuration schema (an
 * unknown key or a wrong type fails the test), then `backendSite` with the environment given.
 */
export function siteBackend(keys: Readonly<Record<string, unknown>> & { Url: string }, env: SiteEnv = {}, purpose: 'list' | 'delete' = 'list'): BackendSite<SiteConfig> {
  return backendSite(siteFromKeys('T2_TEST', keys), env, purpose);
}
