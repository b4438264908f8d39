import { redactUrl } from '../../core/redact-url.ts';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { DcError, errorMessage } from '../../core/errors.ts';
import type { SiteEnv } from '../../protocols/protocol-site.ts';
import { XrootdClient, type XrootdClientOptions } from '../../protocols/xrootd/xrootd-client.ts';
import { parseXrootdUrl } from '../../protocols/xrootd/xrootd-url.ts';
import { LocateOpt } from '../../protocols/xrootd/codec/xrootd-constants.ts';
import type { XrootdEndpoint } from '../../protocols/xrootd/xrootd-pool.ts';
import { xrootdOptionsFromSite, type XrootdSiteSettings } from '../../protocols/xrootd/xrootd-site-options.ts';
import { readDoorCache, writeDoorCache, type DoorCacheFile, type LocateAnswer } from './xrootd-door-cache.ts';
import { domainMatcher } from '../../protocols/xrootd/xrootd-domain.ts';
import { doorEndpoint } from './xrootd-doors.ts';

/** The site settings door resolution reads (a SiteConfig has them all). */
export interface DoorSite extends Readonly<XrootdSiteSettings> {
  /** '' when the configuration names no storage URL. */
  readonly Url: string;
  readonly VarLocation: string;
  readonly Timeout: number;
  readonly AccessMethod: string;
}

export interface ResolveDoorOptions {
  signal?: AbortSignal;
  /** Epoch seconds (default: the clock), for the cache age. */
  now?: number;
  log?: (event: string, fields: Record<string, unknown>) => void;
  /** Client settings over the site's (tests shorten timeouts). */
  clientOptions?: XrootdClientOptions;
  /** The environment captured by the configuration layer, for credentials (default: none). */
  env?: SiteEnv;
}

/** Access methods that reach the storage through an XRootD door. */
const XROOTD_METHODS = new Set(['', 'directx']);
/** The seed tried the `/cms` prefix only for paths of fewer than four components. */
const SHORT_PATH = 4;

/**
 * Gives the site a usable door once per run, before its lister and storage deleter are made:
 * - a Url (given, or `root://<Redirectors[0]>/`) is kept;
 * - without one, the seed's discovery: kXR_locate `RootPath/` on every GlobalRedirectors entry,
 *   keep the hosts in `Domain`, cache them `RedirectorAge` days in `VarLocation/redirectors/`;
 *   the first becomes the Url, all of them the site's Redirectors (entry points of the lister);
 * - with no PathPrefix, the seed's `/cms` fallback: when RootPath is not on the door and
 *   `/cms` + RootPath is, the run uses PathPrefix `/cms`.
 * A site whose door cannot be found fails with an error naming the site, the redirectors asked and
 * what each answered.
 */
export async function resolveSiteDoor<S extends DoorSite>(site: S, opts: ResolveDoorOptions = {}): Promise<S> {
  let s = site;
  if (!s.Url) {
    if (!XROOTD_METHODS.has(s.AccessMethod)) {
      throw new DcError('CONFIG', `site ${s.name}: no Url, and AccessMethod ${s.AccessMethod} does not go through an XRootD door`);
    }
    if (s.Redirectors.length) {
      s = { ...s, Url: doorUrl(parseDoor(s.Redirectors[0], s.name, 'Redirectors')) + '/' };
    } else {
      s = await locateSiteDoor(s, opts);
    }
  }
  if (s.PathPrefix === '' && XROOTD_METHODS.has(s.AccessMethod) && /^roots?:\/\//.test(s.Url)) s = await cmsPrefixFallback(s, opts);
  return s === site ? site : Object.freeze(s);
}

async function locateSiteDoor<S extends DoorSite>(site: S, opts: ResolveDoorOptions): Promise<S> {
  if (!site.GlobalRedirectors.length || !site.Domain) {
    const missing = [!site.GlobalRedirectors.length && 'GlobalRedirectors', !site.Domain && 'Domain'].filter(Boolean).join(' and ');
    throw new DcError('CONFIG', `site ${site.name}: no Url and no Redirectors, and ${missing} ${missing.includes(' and ') ? 'are' : 'is'} not set: nothing says where its XRootD door is`);
  }
  const inDomain = domainMatcher(site.Domain, `site ${site.name}`);
  const globals = site.GlobalRedirectors.map((r) => parseDoor(r, site.name, 'GlobalRedirectors'));
  const locatePath = site.RootPath.replace(/\/+$/, '') + '/';
  const key = { site: site.name, globalRedirectors: globals.map(doorUrl), domain: site.Domain.trim().toLowerCase(), locatePath };
  const file = join(site.VarLocation, 'redirectors', `${site.name}_doors.json`);
  const now = opts.now ?? Date.now() / 1000;
  const log = opts.log ?? (() => undefined);
  const cached = readDoorCache(file, key, now, site.RedirectorAge);
  let doors: string[];
  if (cached) {
    doors = cached.doors;
    log('door-cached', { site: site.name, doors, locatedAt: new Date(cached.locatedAt * 1000).toISOString(), file });
  } else {
    const { answers, kept } = await locateOnEach(site, globals, locatePath, inDomain, opts);
    if (!kept.length) throw new DcError('IO', `site ${site.name}: no XRootD door in Domain ${site.Domain}: ${describeAnswers(answers, locatePath)}`, { detail: { answers } });
    doors = kept;
    const data: DoorCacheFile = { version: 1, ...key, locatedAt: Math.floor(now), answers, doors };
    writeDoorCache(file, data);
    log('door-located', { site: site.name, doors, answers, file });
  }
  return { ...site, Url: doors[0] + '/', Redirectors: Object.freeze([...doors]) } as S;
}

async function locateOnEach(site: DoorSite, globals: XrootdEndpoint[], path: string, inDomain: (h: string) => boolean, opts: ResolveDoorOptions) {
  const client = new XrootdClient(globals[0], clientOptions(site, opts));
  try {
    // Few redirectors, from the configuration: asked all at once, so one dead host costs one timeout.
    const results = await Promise.all(
      globals.map(async (g): Promise<{ answer: LocateAnswer; doors: string[] }> => {
        const redirector = doorUrl(g);
        try {
          const entries = await client.locate(path, LocateOpt.prefname, { signal: opts.signal, target: g });
          const named = entries.map((e) => doorUrl(doorEndpoint(e, g)));
          return { answer: { redirector, named: named.map(hostPort) }, doors: named.filter((u) => inDomain(parseXrootdUrl(u).endpoint.host)) };
        } catch (err) {
          if (err instanceof DcError && err.code === 'ABORTED') throw err;
          return { answer: { redirector, error: errorMessage(err) }, doors: [] };
        }
      }),
    );
    const kept = [...new Set(results.flatMap((r) => r.doors))];
    return { answers: results.map((r) => r.answer), kept };
  } finally {
    client.destroy();
  }
}

function describeAnswers(answers: LocateAnswer[], path: string): string {
  return answers
    .map((a) => (a.error ? `${a.redirector} failed: ${a.error}` : `${a.redirector} answered kXR_locate ${path} with ${a.named?.length ? a.named.join(', ') : 'no host'}${a.named?.length ? ' (none in the domain)' : ''}`))
    .join('; ');
}

/** The seed's fallback for sites that keep the namespace under /cms, decided once for the run. */
async function cmsPrefixFallback<S extends DoorSite>(site: S, opts: ResolveDoorOptions): Promise<S> {
  const root = site.RootPath.replace(/\/+$/, '');
  if (root.split('/').filter(Boolean).length >= SHORT_PATH) return site;
  const { endpoint, path } = parseXrootdUrl(site.Url);
  const base = path === '/' ? '' : path.replace(/\/+$/, '');
  const copts = clientOptions(site, opts);
  const client = new XrootdClient(copts.redirectors?.[0] ?? endpoint, copts);
  const probe = async (p: string): Promise<'found' | 'absent' | 'unknown'> => {
    try {
      await client.stat(p, { signal: opts.signal });
      return 'found';
    } catch (err) {
      if (err instanceof DcError && err.code === 'ABORTED') throw err;
      if (err instanceof DcError && (err.code === 'NOT_FOUND' || err.code === 'PERMISSION')) return 'absent';
      return 'unknown';
    }
  };
  try {
    if ((await probe(base + root)) !== 'absent') return site;
    if ((await probe(base + '/cms' + root)) !== 'found') return site;
    opts.log?.('path-prefix-fallback', { site: site.name, url: redactUrl(site.Url), pathPrefix: '/cms', message: `${root} is not on the door and /cms${root} is: this run uses PathPrefix /cms` });
    return { ...site, PathPrefix: '/cms' } as S;
  } finally {
    client.destroy();
  }
}

function clientOptions(site: DoorSite, opts: ResolveDoorOptions) {
  const base = xrootdOptionsFromSite({ url: site.Url || 'root://localhost/', concurrency: 1, timeoutSeconds: site.Timeout, settings: site, env: opts.env ?? {} });
  return { ...base, ...opts.clientOptions };
}

/** `host[:port]` or a root:// URL, as the configuration gives a redirector. */
function parseDoor(text: string, siteName: string, key: string): XrootdEndpoint {
  try {
    return parseXrootdUrl(text.includes('://') ? text : `root://${text}`).endpoint;
  } catch (err) {
    throw new DcError('CONFIG', `site ${siteName}: ${key} entry ${JSON.stringify(text)} is not host[:port] nor a root:// URL (${errorMessage(err)})`);
  }
}

function doorUrl(e: XrootdEndpoint): string {
  return `${e.tlsMode === 'off' ? 'root' : 'roots'}://${hostPort(e)}`;
}

function hostPort(e: XrootdEndpoint | string): string {
  if (typeof e === 'string') return e.replace(/^[a-z]+:\/\//, '');
  return `${isIP(e.host) === 6 ? `[${e.host}]` : e.host}:${e.port}`;
}
