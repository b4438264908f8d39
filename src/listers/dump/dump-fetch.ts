/**
 * Daily dumps a site publishes of itself (the seed's AccessMethod `RAL-Reader`): which day is read,
 * where its file is, whether it is recent enough, and fetching it — over root:// with our own
 * XRootD client (kXR_open/kXR_read/kXR_close) or over https with undici — streamed to a scratch
 * file, never held whole in memory. The dump lister then reads that file as any local dump.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { Agent, request } from 'undici';
import { DcError } from '../../core/errors.ts';
import { redactUrl } from '../../core/redact-url.ts';
import { XrootdClient } from '../../protocols/xrootd/xrootd-client.ts';
import { parseXrootdUrl } from '../../protocols/xrootd/xrootd-url.ts';
import { xrootdOptionsFromSite } from '../../protocols/xrootd/xrootd-site-options.ts';
import { readXrootdFile } from '../../protocols/xrootd/xrootd-read-file.ts';
import { openWebdavAccess, webdavAccessOptions } from '../../protocols/webdav/webdav-access.ts';
import type { ListerSettings } from '../lister.ts';

const DAY_MS = 86_400_000;
/** Where a site publishes its dump when DumpUrl is empty (relative to its Url and PathPrefix). */
export const DEFAULT_DUMP_PATH = '/store/accounting/{site}-{date}.tsv';

/** YYYYMMDD of a time, in UTC. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10).replaceAll('-', '');
}

/** The start (UTC) of day YYYYMMDD; CONFIG when it is no calendar day. */
export function dayStart(day: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(day);
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  if (!m || Number.isNaN(ms) || utcDay(ms) !== day) throw new DcError('CONFIG', `--date-string ${JSON.stringify(day)} is not a day written YYYYMMDD`);
  return ms;
}

/** The day whose dump is read: DumpDate (--date-string), else today in UTC. */
export function dumpDay(s: Readonly<{ DumpDate: string }>, now = Date.now()): string {
  const day = s.DumpDate || utcDay(now);
  dayStart(day);
  return day;
}

/** Today (UTC) and the `maxAgeDays` whole days before it, newest first: the days a dump may be read of. */
export function recentDumpDays(maxAgeDays: number, now = Date.now()): string[] {
  return Array.from({ length: Math.floor(maxAgeDays) + 1 }, (_, i) => utcDay(now - i * DAY_MS));
}

/**
 * A dump is judged by the day in its name, not by its file's mtime (a copy or a re-upload changes
 * the mtime, never what day the dump describes): the day may be at most `maxAgeDays` whole days
 * before today (UTC), and not after it.
 */
export function checkDumpDay(day: string, maxAgeDays: number, site: string, now = Date.now()): void {
  const age = Math.round((dayStart(utcDay(now)) - dayStart(day)) / DAY_MS);
  if (age < 0) throw new DcError('CONFIG', `site ${site}: the dump of ${day} is asked for, a day after today (${utcDay(now)}, UTC)`);
  if (age > maxAgeDays) {
    throw new DcError('INPUT', `site ${site}: the dump of ${day} is ${age} days old, more than MaxDumpAge ${maxAgeDays}; refusing to check against it (give a recent --date-string)`, {
      detail: { day, ageDays: age, maxDumpAge: maxAgeDays, reason: 'stale' },
    });
  }
}

/** `{date}` and `{site}` filled in. */
export function fillDumpTemplate(template: string, day: string, site: string): string {
  return template.replaceAll('{date}', day).replaceAll('{site}', site);
}

/**
 * The URL of the site's published dump for `day`, or undefined when the site's dump is a local
 * file (DumpPath set, or a dump:// Url). RAL-Reader sites without DumpUrl use DEFAULT_DUMP_PATH
 * below their Url and PathPrefix.
 */
export function publishedDumpUrl(site: ListerSettings, day: string): string | undefined {
  const s = site.settings;
  if (s.DumpPath) return undefined;
  if (s.DumpUrl) return fillDumpTemplate(s.DumpUrl, day, s.name);
  if (s.AccessMethod !== 'RAL-Reader' || !/^(roots?|xroots?|https?|davs?):\/\//.test(site.url)) return undefined;
  const base = site.url.replace(/\/+$/, '').replace(/^davs:/, 'https:').replace(/^dav:/, 'http:');
  return fillDumpTemplate(`${base}${s.PathPrefix}${DEFAULT_DUMP_PATH}`, day, s.name);
}

/** Fetches `url` to `dest` (created or truncated), streamed; NOT_FOUND when the site has no such file. */
export async function fetchDump(url: string, dest: string, site: ListerSettings, signal?: AbortSignal): Promise<{ bytes: number }> {
  try {
    return /^(roots?|xroots?):/.test(url) ? await fetchXrootd(url, dest, site, signal) : await fetchHttps(url, dest, site, signal);
  } catch (err) {
    const e = err instanceof DcError ? err : new DcError('IO', String(err), { cause: err });
    if (e.code === 'ABORTED') throw e;
    const what = e.code === 'NOT_FOUND' ? 'there is no dump' : 'the dump cannot be fetched';
    throw new DcError(e.code, `site ${site.settings.name}: ${what} at ${redactUrl(url)}: ${e.message}`, { cause: e, detail: { url: redactUrl(url) } });
  }
}

async function fetchXrootd(url: string, dest: string, site: ListerSettings, signal?: AbortSignal): Promise<{ bytes: number }> {
  const { endpoint, path } = parseXrootdUrl(url);
  const { redirectors: _r, locatePath: _l, inDomain: _d, useLoadBalancer: _u, ...opts } = xrootdOptionsFromSite(site);
  const client = new XrootdClient(endpoint, { ...opts, connectionsPerHost: 1 });
  const out = createWriteStream(dest);
  let bytes = 0;
  try {
    for await (const chunk of readXrootdFile(client, path, { signal })) {
      bytes += chunk.length;
      if (!out.write(chunk)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'close');
    return { bytes };
  } finally {
    out.destroy();
    await client.close();
  }
}

async function fetchHttps(url: string, dest: string, site: ListerSettings, signal?: AbortSignal): Promise<{ bytes: number }> {
  const access = await openWebdavAccess({ ...webdavAccessOptions(site), url }, 'the dump fetcher');
  const timeout = Math.max(1, site.timeoutSeconds) * 1000;
  const agent = new Agent({ connect: { ...access.tls, timeout: Math.min(timeout, 30_000) }, headersTimeout: timeout, bodyTimeout: timeout });
  try {
    let target = access.base;
    for (let hop = 0; ; hop++) {
      const auth = target.origin === access.base.origin ? await access.token.header() : undefined;
      const res = await request(target, { dispatcher: agent, signal, headers: auth ? { authorization: auth } : {} });
      if (res.statusCode >= 300 && res.statusCode < 400 && res.headers.location && hop < access.maxRedirects) {
        await res.body.dump();
        target = new URL(String(res.headers.location), target);
        continue;
      }
      if (res.statusCode !== 200) {
        await res.body.dump();
        throw new DcError(res.statusCode === 404 ? 'NOT_FOUND' : res.statusCode === 401 || res.statusCode === 403 ? 'PERMISSION' : 'IO', `HTTP ${res.statusCode}`, { detail: { status: res.statusCode } });
      }
      let bytes = 0;
      res.body.on('data', (c: Buffer) => (bytes += c.length));
      await pipeline(res.body, createWriteStream(dest));
      return { bytes };
    }
  } catch (err) {
    if (signal?.aborted) throw new DcError('ABORTED', `fetching ${redactUrl(url)} aborted`);
    throw err;
  } finally {
    await agent.close();
  }
}
