import { z } from 'zod';
import { siteKeys, siteName, type SiteKeyName } from './config-schema.ts';

/**
 * The original tool's configuration shapes, rewritten into this tool's before the schema sees them,
 * so a seed user's `consistency_config.json` or YAML loads unchanged. Everything about the seed's
 * shapes lives here; the schema only knows the normalised form.
 */

/** Something the loader accepted but wants the user to know, printed once per command. */
export interface ConfigNotice {
  readonly key: string;
  readonly message: string;
}

export interface SeedShapes {
  /** The file's data with the seed's shapes rewritten: what the schema validates. */
  readonly data: Record<string, unknown>;
  /** Per-site values taken from the seed's per-site dictionaries, already validated. */
  readonly perSite: Record<string, Record<string, unknown>>;
  /** Sites named by the seed's `Redirectors`, `PathPrefix` or `AccessMethod`: configured sites. */
  readonly namedSites: readonly string[];
  readonly notices: readonly ConfigNotice[];
}

/** Keys that no longer exist: a file still holding one fails, saying what to write instead. */
export const RETIRED_KEYS: Readonly<Record<string, string>> = {
  DeleteOnStorage: 'was removed: deleting on the storage is one of the action sinks, write Actions: ["storage"] (with DeleteOrphans for orphans)',
};

/** Seed keys with no effect here, and why: accepted at the top level with one notice each. */
export const NO_EFFECT_KEYS: Readonly<Record<string, string>> = {
  InventoryAge: 'has no effect: the inventory is read afresh by every run (before and after the listing), there is no cached inventory to age',
  ListAge: 'has no effect: the site is listed afresh by every run, there is no cached listing to reuse',
  SaveCache: 'has no effect: every run is kept in the history database (History) and its lists in VarLocation and WebDir, there are no cache files to save',
  GFALThreads: 'has no effect: every lister, gfal-ls (AccessMethod SRM) included, runs NumThreads listings at once; set NumThreads under Sites.<SITE> for an SRM site',
  MinThreads: 'has no effect: NumThreads is the one concurrency setting of a site',
  UseTransferQueue: 'has no effect: missing files are queued for transfer by the "registry" action sink, put "registry" in Actions',
  DBConfig: 'has no effect: the databases are named by Inventory (the inventory), RegistryUrl (the registry queues) and History (the run history)',
  CacheLocation: 'has no effect: VarLocation holds the work files, locks and located doors',
  LogLocation: 'has no effect: each run writes its log to VarLocation/SITE_run<ID>.log',
};

/** Top-level keys the seed wrote as `{SITE: value}`; a site named in one of them is configured. */
const NAMING_DICTS = ['Redirectors', 'PathPrefix', 'AccessMethod'] as const;

/** Old key names read as their new ones. */
const RENAMED: Readonly<Record<string, SiteKeyName>> = { LFNRoot: 'RootPath' };

const BOOLEAN_KEYS = new Set(
  (Object.keys(siteKeys) as SiteKeyName[]).filter((k) => {
    const s: z.ZodType = siteKeys[k];
    return s instanceof z.ZodBoolean || (s instanceof z.ZodUnion && (s.options as z.ZodType[]).some((o) => o instanceof z.ZodBoolean));
  }),
);

type Fail = (message: string) => never;

function isDict(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function issueText(err: z.ZodError): string {
  const i = err.issues[0];
  return i ? i.message : 'invalid value';
}

/** The seed wrote 0/1 for booleans: read them as false/true. */
function booleansFrom01(bag: Record<string, unknown>): void {
  for (const k of Object.keys(bag)) {
    if (BOOLEAN_KEYS.has(k as SiteKeyName) && (bag[k] === 0 || bag[k] === 1)) bag[k] = bag[k] === 1;
  }
}

/** `Redirectors: "host"` is one redirector. */
function redirectorsAsList(bag: Record<string, unknown>): void {
  if (typeof bag.Redirectors === 'string') bag.Redirectors = [bag.Redirectors];
}

/** Fails on a retired key anywhere (top level or under Sites.<NAME>), before any schema parsing. */
export function rejectRetiredKeys(data: Record<string, unknown>, fail: Fail): void {
  for (const [key, why] of Object.entries(RETIRED_KEYS)) {
    if (key in data) fail(`key "${key}" ${why}`);
    if (isDict(data.Sites)) {
      for (const [site, body] of Object.entries(data.Sites)) {
        if (isDict(body) && key in body) fail(`key "Sites.${site}.${key}" ${why}`);
      }
    }
  }
}

/**
 * Rewrites the seed's shapes: per-site dictionaries (`PathPrefix`, `AccessMethod`, `Redirectors`,
 * `AdditionalLogDeletions`), `UseLoadBalancer` as a list of sites, 0/1 booleans, renamed and
 * no-effect keys. Values in the dictionaries are checked here, so an error names the seed's own key.
 */
export function normaliseSeedShapes(input: Record<string, unknown>, fail: Fail): SeedShapes {
  rejectRetiredKeys(input, fail);
  const data: Record<string, unknown> = { ...input };
  const perSite: Record<string, Record<string, unknown>> = {};
  const named = new Set<string>();
  const notices: ConfigNotice[] = [];
  const siteBag = (site: string, where: string) => {
    const r = siteName.safeParse(site);
    if (!r.success) fail(`key "${where}.${site}": ${issueText(r.error)}`);
    return (perSite[site] ??= {});
  };
  const setPerSite = (key: SiteKeyName, where: string, site: string, value: unknown) => {
    const bag = siteBag(site, where);
    const r = (siteKeys[key] as z.ZodType).safeParse(value);
    if (!r.success) fail(`key "${where}.${site}": ${issueText(r.error)}`);
    bag[key] = r.data;
  };

  for (const [oldKey, newKey] of Object.entries(RENAMED)) {
    if (!(oldKey in data)) continue;
    if (newKey in data) fail(`keys "${oldKey}" and "${newKey}": give ${newKey} only (${oldKey} is its old name)`);
    data[newKey] = data[oldKey];
    delete data[oldKey];
    notices.push({ key: oldKey, message: `is the old name of ${newKey}: read as ${newKey}` });
  }

  for (const key of NAMING_DICTS) {
    const v = data[key];
    if (!isDict(v)) continue;
    delete data[key];
    for (const [site, value] of Object.entries(v)) {
      named.add(site);
      setPerSite(key, key, site, key === 'Redirectors' && typeof value === 'string' ? [value] : value);
    }
  }

  if (isDict(data.AdditionalLogDeletions)) {
    const v = data.AdditionalLogDeletions;
    delete data.AdditionalLogDeletions;
    for (const [site, value] of Object.entries(v)) setPerSite('AdditionalLogDeletions', 'AdditionalLogDeletions', site, value);
  }

  if (Array.isArray(data.UseLoadBalancer)) {
    // The seed's list: the sites listed go through their load-balancing redirector, the others locate their doors.
    const v = data.UseLoadBalancer;
    data.UseLoadBalancer = false;
    v.forEach((site, i) => {
      if (typeof site !== 'string') fail(`key "UseLoadBalancer.${i}": expected a site name, got ${JSON.stringify(site)}`);
      siteBag(site, 'UseLoadBalancer').UseLoadBalancer = true;
    });
  }

  booleansFrom01(data);
  redirectorsAsList(data);
  if (isDict(data.Sites)) {
    const sites: Record<string, unknown> = {};
    for (const [site, body] of Object.entries(data.Sites)) {
      if (isDict(body)) {
        const copy = { ...body };
        booleansFrom01(copy);
        redirectorsAsList(copy);
        sites[site] = copy;
      } else sites[site] = body;
    }
    data.Sites = sites;
  }

  for (const [key, why] of Object.entries(NO_EFFECT_KEYS)) {
    if (!(key in data)) continue;
    delete data[key];
    notices.push({ key, message: why });
  }

  return { data, perSite, namedSites: [...named].sort(), notices };
}
