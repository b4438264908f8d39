import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { DcError } from '../core/errors.ts';
import type { BackendSite, SiteEnv } from '../protocols/protocol-site.ts';
import { siteDefaults } from './config-defaults.ts';
import { ConfigSchema, SiteSchema, siteKeys, siteName, type SiteKeyName, type SiteSettings } from './config-schema.ts';
import { normaliseSeedShapes, type ConfigNotice } from './config-seed-shapes.ts';

export type RawConfig = z.infer<typeof ConfigSchema>;
export type { ConfigNotice } from './config-seed-shapes.ts';

/** A validated, frozen configuration. Paths in it are absolute. */
export interface Config {
  readonly file: string;
  readonly raw: Readonly<RawConfig>;
  readonly inventory: Readonly<NonNullable<RawConfig['Inventory']>>;
  readonly historyUrl: string;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
  /**
   * Configured sites, sorted: those under Sites, those the seed's per-site `Redirectors`,
   * `PathPrefix` or `AccessMethod` name, and (after withKnownSites) those the inventory knows.
   */
  readonly siteNames: readonly string[];
  /** Per-site values from the seed's per-site dictionaries (below Sites.<NAME> in precedence). */
  readonly seedSites: Readonly<Record<string, Readonly<Partial<SiteSettings>>>>;
  /** Seed keys accepted without effect, renamed keys and the like: printed once per command. */
  readonly notices: readonly ConfigNotice[];
  /** Settings of this run from the command line (`--cms`, `--no-orphan`): above everything else. */
  readonly overrides: Readonly<Partial<SiteSettings>>;
  /**
   * The environment given to loadConfig, captured once and frozen: key overrides come from it, and
   * backends find their variables in it (BEARER_TOKEN…, X509_*, AWS_REGION, a child process's PATH).
   */
  readonly env: SiteEnv;
}

/**
 * One site's effective settings: defaults < top-level keys < the seed's per-site dictionaries <
 * Sites.<NAME> < environment < command-line overrides. `Url` is '' when the site's door is to be
 * located through GlobalRedirectors at run time.
 */
export interface SiteConfig extends Readonly<SiteSettings> {
  readonly name: string;
  readonly Url: string;
}

export const DEFAULT_CONFIG_FILE = 'consistency_config.json';
const ENV_KEYS = [...Object.keys(siteKeys), 'Inventory', 'History', 'Web', 'LogLevel', 'MaxConcurrentChecks', 'ReadinessUrl', 'Queue'] as const;

function configError(file: string, message: string): DcError {
  return new DcError('CONFIG', `${file}: ${message}`, { detail: { file } });
}

/** Converts an environment string to the type the key's schema expects. */
function fromEnv(key: string, value: string, schema: z.ZodType, file: string): unknown {
  const where = `environment variable ${key}`;
  let inner = schema instanceof z.ZodOptional ? (schema.unwrap() as z.ZodType) : schema;
  if (inner instanceof z.ZodNullable) {
    // MaxUnmergedDeletions: a number, or null (no limit).
    if (value.trim() === 'null') return null;
    inner = inner.unwrap() as z.ZodType;
  }
  if (inner instanceof z.ZodNumber) {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) throw configError(file, `${where}: expected a number, got ${JSON.stringify(value)}`);
    return n;
  }
  if (inner instanceof z.ZodBoolean) {
    if (/^(true|1|yes)$/i.test(value)) return true;
    if (/^(false|0|no)$/i.test(value)) return false;
    throw configError(file, `${where}: expected true or false, got ${JSON.stringify(value)}`);
  }
  if (inner instanceof z.ZodArray) {
    if (value.trim().startsWith('[')) return parseJson(value, where, file);
    return value.split(',').map((s) => s.trim()).filter(Boolean);
  }
  if (inner instanceof z.ZodObject || inner instanceof z.ZodRecord) return parseJson(value, where, file);
  if (inner instanceof z.ZodUnion) {
    // ListDeletable (a boolean or an object), XrdfsCommand (a string or a list): JSON when it looks like it.
    if (/^\s*[[{]/.test(value)) return parseJson(value, where, file);
    if ((inner.options as z.ZodType[]).some((o) => o instanceof z.ZodBoolean)) return fromEnv(key, value, z.boolean(), file);
  }
  return value;
}

function parseJson(value: string, where: string, file: string): unknown {
  try {
    return JSON.parse(value);
  } catch (err) {
    throw configError(file, `${where}: not valid JSON (${(err as Error).message})`);
  }
}

function formatIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String).join('.') || '(top level)';
  if (issue.code === 'unrecognized_keys') {
    const keys = (issue as { keys: string[] }).keys;
    const at = issue.path.length ? `${issue.path.join('.')}.` : '';
    return `unknown key${keys.length > 1 ? 's' : ''} ${keys.map((k) => `"${at}${k}"`).join(', ')}`;
  }
  return `key "${path}": ${issue.message}`;
}

/**
 * Reads, validates and freezes a configuration file (JSON or YAML). Any problem is a
 * DcError('CONFIG') naming the file and the key; nothing is written before this succeeds.
 */
export function loadConfig(file: string = DEFAULT_CONFIG_FILE, env: NodeJS.ProcessEnv = process.env): Config {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw configError(path, `cannot read configuration: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let data: unknown;
  try {
    data = /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw configError(path, `not valid ${/\.ya?ml$/i.test(path) ? 'YAML' : 'JSON'}: ${(err as Error).message}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw configError(path, 'the top level must be an object');
  const seed = normaliseSeedShapes(data as Record<string, unknown>, (message) => {
    throw configError(path, message);
  });
  const withEnv: Record<string, unknown> = { ...seed.data };
  const shape = ConfigSchema.shape as Record<string, z.ZodType>;
  for (const key of ENV_KEYS) {
    const v = env[key];
    if (v !== undefined) withEnv[key] = fromEnv(key, v, shape[key], path);
  }
  const parsed = ConfigSchema.safeParse(withEnv);
  if (!parsed.success) {
    throw configError(path, parsed.error.issues.map(formatIssue).join('; '));
  }
  const raw = parsed.data;
  const base = dirname(path);
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const varLocation = abs(raw.VarLocation ?? siteDefaults.VarLocation);
  const inventory = raw.Inventory ?? { Type: 'sqlite' as const, Path: resolve(varLocation, 'inventory.sqlite') };
  if (inventory.Type === 'sqlite' && !inventory.Path) throw configError(path, 'key "Inventory.Path": required for Type sqlite');
  const inv = { ...inventory, ...(inventory.Path ? { Path: abs(inventory.Path) } : {}) };
  let historyUrl = raw.History?.Url ?? `sqlite:${resolve(varLocation, 'history.sqlite')}`;
  if (historyUrl.startsWith('sqlite:')) historyUrl = `sqlite:${abs(historyUrl.slice('sqlite:'.length))}`;
  const config: Config = {
    file: path,
    raw: deepFreeze({ ...raw, VarLocation: varLocation, ...(raw.WebDir ? { WebDir: abs(raw.WebDir) } : {}) }),
    inventory: Object.freeze(inv),
    historyUrl,
    logLevel: raw.LogLevel ?? 'info',
    siteNames: Object.freeze([...new Set([...Object.keys(raw.Sites), ...seed.namedSites])].sort()),
    seedSites: deepFreeze(seed.perSite as Record<string, Partial<SiteSettings>>),
    notices: deepFreeze([...seed.notices]),
    overrides: Object.freeze({}),
    env: Object.freeze({ ...env }),
  };
  return Object.freeze(config);
}

/** The same configuration with settings for this run only (the CLI's `--cms`, `--no-orphan`). */
export function withOverrides(config: Config, overrides: Partial<SiteSettings>): Config {
  return Object.freeze({ ...config, overrides: Object.freeze({ ...config.overrides, ...overrides }) });
}

/**
 * The same configuration with more configured sites (those the inventory knows). Names that could
 * not be file names are left out.
 */
export function withKnownSites(config: Config, names: Iterable<string>): Config {
  const all = new Set(config.siteNames);
  for (const n of names) if (siteName.safeParse(n).success) all.add(n);
  return Object.freeze({ ...config, siteNames: Object.freeze([...all].sort()) });
}

/**
 * A RAL-Reader site needs no door when its dump is named (DumpUrl or DumpPath): its Url is then
 * where the dump comes from, for the lister registry and the logs.
 */
function dumpUrlOf(s: Pick<SiteSettings, 'AccessMethod' | 'DumpUrl' | 'DumpPath'>): string | undefined {
  if (s.AccessMethod !== 'RAL-Reader') return undefined;
  if (s.DumpUrl) return s.DumpUrl;
  return s.DumpPath ? `dump://${encodeURI(s.DumpPath)}` : undefined;
}

/** The door a site's first redirector gives: `root://<host[:port]>/`, or the URL as written. */
function doorOf(redirectors: readonly string[]): string | undefined {
  const first = redirectors[0];
  if (!first) return undefined;
  if (first.includes('://')) return first.endsWith('/') ? first : `${first}/`;
  return `root://${first}/`;
}

/**
 * Why a site cannot be checked, or undefined: a site with no Url, no Redirectors and no
 * GlobalRedirectors has no way to its storage.
 */
export function doorProblem(config: Config, site: SiteConfig): string | undefined {
  if (site.Url !== '' || site.GlobalRedirectors.length > 0) return undefined;
  return `${config.file}: site "${site.name}" has no Url (Sites.${site.name}.Url), no Redirectors entry and no GlobalRedirectors to locate its door`;
}

/** The effective settings of one site. Throws CONFIG when the site is not configured. */
export function siteConfig(config: Config, name: string, env: SiteEnv = config.env): SiteConfig {
  if (!config.siteNames.includes(name)) {
    throw configError(config.file, `no site "${name}": not under Sites, not named by Redirectors, PathPrefix or AccessMethod, not known to the inventory (known: ${config.siteNames.join(', ') || 'none'})`);
  }
  const site: Record<string, unknown> = config.raw.Sites[name] ?? {};
  const seed: Record<string, unknown> = config.seedSites[name] ?? {};
  const overrides: Record<string, unknown> = config.overrides;
  const merged: Record<string, unknown> = { ...siteDefaults };
  for (const key of Object.keys(siteKeys) as SiteKeyName[]) {
    const top = (config.raw as Record<string, unknown>)[key];
    if (top !== undefined) merged[key] = top;
    if (env[key] === undefined) {
      if (seed[key] !== undefined) merged[key] = seed[key];
      if (site[key] !== undefined) merged[key] = site[key];
    }
    if (overrides[key] !== undefined) merged[key] = overrides[key];
  }
  const base = dirname(config.file);
  for (const key of ['VarLocation', 'WebDir'] as const) {
    const v = merged[key] as string;
    merged[key] = isAbsolute(v) ? v : resolve(base, v);
  }
  const settings = merged as SiteSettings;
  const Url = (site.Url as string | undefined) ?? doorOf(settings.Redirectors) ?? dumpUrlOf(settings) ?? '';
  return deepFreeze({ ...settings, name, Url });
}

/**
 * A site from keys given in code (the library API, tests): validated by the same schema as a
 * configuration's `Sites.<NAME>` entry — an unknown key or a wrong type is a CONFIG error — over
 * the defaults. Relative paths are taken from the working directory.
 */
export function siteFromKeys(name: string, keys: Readonly<Record<string, unknown>>): SiteConfig {
  const parsed = SiteSchema.safeParse(keys);
  if (!parsed.success) throw new DcError('CONFIG', `site ${name}: ${parsed.error.issues.map(formatIssue).join('; ')}`);
  const { Url, ...settings } = parsed.data;
  const merged: SiteSettings = { ...siteDefaults, ...settings };
  return deepFreeze({ ...merged, VarLocation: resolve(merged.VarLocation), WebDir: resolve(merged.WebDir), name, Url: Url ?? doorOf(merged.Redirectors) ?? dumpUrlOf(merged) ?? '' });
}

/**
 * What a lister or a storage deleter is built from: the site's Url, its limits (NumThreads for a
 * listing, DeleteThreads for deletions), its settings and the captured environment. The one place
 * a validated site becomes a backend's input; the backend reads its own keys, typed, from `settings`.
 */
export function backendSite(site: SiteConfig, env: SiteEnv, purpose: 'list' | 'delete' = 'list'): BackendSite<SiteConfig> {
  return { url: site.Url, concurrency: purpose === 'list' ? site.NumThreads : site.DeleteThreads, timeoutSeconds: site.Timeout, settings: site, env };
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as object)) deepFreeze(v);
  }
  return o;
}
