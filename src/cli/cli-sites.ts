import { doorProblem, siteConfig, withKnownSites, type Config } from '../config/config-loader.ts';
import { DcError, errorMessage } from '../core/errors.ts';
import { collectInventorySites } from '../inventory/inventory-sites.ts';
import type { Logger } from './cli-log.ts';

/**
 * Sites whose name matches PATTERN the way the seed matched `--site`: a regular expression searched
 * in the name, not anchored (`T2_US` matches every T2_US_… site; `^T2_US_MIT$` only that one).
 */
export function matchSites(names: readonly string[], pattern: string | undefined): string[] {
  if (!pattern) return [...names];
  let re: RegExp;
  try {
    re = new RegExp(pattern);
  } catch {
    throw new DcError('CONFIG', `--site ${JSON.stringify(pattern)} is not a valid regular expression`);
  }
  return names.filter((n) => re.test(n));
}

/**
 * The configuration widened to the sites the inventory knows. An inventory that cannot be read
 * adds none (the run itself opens it again and records why); `problem` says what went wrong.
 */
export async function withInventorySites(config: Config, log: Logger): Promise<{ config: Config; known: number; problem?: string }> {
  try {
    const known = await collectInventorySites(config);
    return { config: withKnownSites(config, known), known: known.length };
  } catch (err) {
    const problem = errorMessage(err);
    log.debug('inventory-sites-unknown', { message: problem });
    return { config, known: 0, problem };
  }
}

/**
 * The sites `check` may pick: configured ones (Sites, the seed's per-site dictionaries) and those
 * the inventory knows, matching PATTERN. A selected site with no way to its storage (no Url, no
 * Redirectors, no GlobalRedirectors) is a configuration error; without PATTERN, sites only the
 * inventory knows are left out when they have none. Returns the configuration widened to them.
 */
export async function checkCandidates(config: Config, pattern: string | undefined, log: Logger): Promise<{ config: Config; sites: string[] }> {
  const { config: widened, known, problem: inventoryProblem } = await withInventorySites(config, log);
  if (widened.siteNames.length === 0) {
    throw new DcError('CONFIG', `${config.file}: no site is configured: add one under Sites (name -> {"Url": ...}) or name one in the seed's Redirectors/PathPrefix/AccessMethod; the inventory knows none`);
  }
  const matched = matchSites(widened.siteNames, pattern);
  if (matched.length === 0) {
    const why = inventoryProblem ? ` (the inventory's sites are unknown: ${inventoryProblem})` : '';
    throw new DcError('CONFIG', `${config.file}: no configured site matches ${JSON.stringify(pattern ?? '')}${why}`);
  }
  const configured = new Set(config.siteNames);
  const sites: string[] = [];
  const problems: string[] = [];
  const doorless: string[] = [];
  for (const name of matched) {
    const problem = doorProblem(widened, siteConfig(widened, name));
    if (!problem) sites.push(name);
    else if (pattern !== undefined || configured.has(name)) problems.push(problem);
    else doorless.push(name);
  }
  if (problems.length) throw new DcError('CONFIG', problems.join('; '));
  if (doorless.length) {
    log.info('sites-without-door', { count: doorless.length, sites: doorless.slice(0, 10), message: 'known to the inventory, but without Url, Redirectors or GlobalRedirectors: not checked' });
  }
  if (sites.length === 0) throw new DcError('CONFIG', `${config.file}: no matching site has a Url, Redirectors or GlobalRedirectors`);
  log.debug('check-candidates', { pattern: pattern ?? null, sites, fromInventory: known });
  return { config: widened, sites };
}
