import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { DcError } from '../core/errors.ts';
import { siteDefaults } from './config-defaults.ts';
import { ConfigSchema, siteKeys, type SiteKeyName, type SiteSettings } from './config-schema.ts';

export type RawConfig = z.infer<typeof ConfigSchema>;

/** A validated, frozen configuration. Paths in it are absolute. */
export interface Config {
  readonly file: string;
  readonly raw: Readonly<RawConfig>;
  readonly inventory: Readonly<NonNullable<RawConfig['Inventory']>>;
  readonly historyUrl: string;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
  readonly siteNames: readonly string[];
}

/** One site's effective settings: defaults < top-level keys < Sites.<NAME> < environment. */
export interface SiteConfig extends Readonly<SiteSettings> {
  readonly name: string;
  readonly Url: string;
}

export const DEFAULT_CONFIG_FILE = 'consistency_config.json';
const ENV_KEYS = [...Object.keys(siteKeys), 'Inventory', 'History', 'Web', 'LogLevel'] as const;

function configError(file: string, message: string): DcError {
  return new DcError('CONFIG', `${file}: ${message}`, { detail: { file } });
}

/** Converts an environment string to the type the key's schema expects. */
function fromEnv(key: string, value: string, schema: z.ZodType, file: string): unknown {
  const where = `environment variable ${key}`;
  const inner = schema instanceof z.ZodOptional ? (schema.unwrap() as z.ZodType) : schema;
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
  if (inner instanceof z.ZodObject) return parseJson(value, where, file);
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
  const withEnv: Record<string, unknown> = { ...(data as Record<string, unknown>) };
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
    siteNames: Object.freeze(Object.keys(raw.Sites).sort()),
  };
  return Object.freeze(config);
}

/** The effective settings of one site. Throws CONFIG when the site is not configured. */
export function siteConfig(config: Config, name: string, env: NodeJS.ProcessEnv = process.env): SiteConfig {
  const site = config.raw.Sites[name];
  if (!site) throw configError(config.file, `no site "${name}" under Sites (known: ${config.siteNames.join(', ') || 'none'})`);
  const merged: Record<string, unknown> = { ...siteDefaults };
  for (const key of Object.keys(siteKeys) as SiteKeyName[]) {
    const top = (config.raw as Record<string, unknown>)[key];
    if (top !== undefined) merged[key] = top;
    const own = (site as Record<string, unknown>)[key];
    if (own !== undefined && env[key] === undefined) merged[key] = own;
  }
  const base = dirname(config.file);
  for (const key of ['VarLocation', 'WebDir'] as const) {
    const v = merged[key] as string;
    merged[key] = isAbsolute(v) ? v : resolve(base, v);
  }
  return deepFreeze({ ...(merged as SiteSettings), name, Url: site.Url });
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as object)) deepFreeze(v);
  }
  return o;
}
