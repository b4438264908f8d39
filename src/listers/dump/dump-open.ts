/**
 * Which dump a dump site's check reads, and opening it as a DumpLister: a fixed local file, a local
 * file named by day, or a dump the site publishes and we fetch (src/listers/dump/dump-fetch.ts).
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DcError } from '../../core/errors.ts';
import { redactUrl } from '../../core/redact-url.ts';
import type { Lister, ListerSettings } from '../lister.ts';
import { DumpLister, type DumpListerOptions } from './dump-lister.ts';
import type { DumpSettings } from './dump-settings.ts';

/** The dump named by `DumpPath`, else by a `dump:///path/to/file` Url. */
export function dumpFileOf(url: string, settings: Readonly<Pick<DumpSettings, 'DumpPath'>>): string {
  if (settings.DumpPath) return settings.DumpPath;
  let u: URL | undefined;
  try {
    u = new URL(url);
  } catch {
    u = undefined;
  }
  if (u?.protocol === 'dump:') return decodeURIComponent(u.pathname);
  throw new DcError('CONFIG', `a dump site needs DumpPath or a dump:///path/to/file Url (Url is ${JSON.stringify(url)})`);
}

/**
 * Site keys: `DumpPath`, `DumpFormat` (auto, days, find, csv), `MaxDumpAge` (days), `DumpTempDir`,
 * and for dumps the site publishes `DumpUrl` and `DumpDate` (src/listers/dump/dump-fetch.ts). A
 * dump chosen by day (a published one, or a DumpPath holding `{date}`) is judged by that day and
 * must exist before any listing starts: a stale or absent dump fails the run, naming the day and
 * where it was looked for, instead of showing as every directory unlisted.
 *
 * The day is DumpDate (`--date-string`) when given, and only that day. Without it, today's dump (UTC)
 * is read, or, when the site has not published it yet (a dump is written some hours into its day),
 * the newest one of the days before, back to MaxDumpAge days: the run says which (`listedFrom`).
 */
export async function createDumpLister(settings: ListerSettings): Promise<Lister> {
  const s = settings.settings;
  const common = { format: s.DumpFormat, tempDir: s.DumpTempDir || undefined, env: settings.env };
  // A local dump is named by DumpPath or a dump:// Url; without one, a RAL-Reader site fetches its own.
  const local = s.DumpPath || (settings.url.startsWith('dump:') ? dumpFileOf(settings.url, s) : '');
  const byDay = Boolean(s.DumpUrl) || local.includes('{date}') || (!local && s.AccessMethod === 'RAL-Reader');
  if (!byDay) return new DumpLister({ ...common, file: dumpFileOf(settings.url, s), maxAgeDays: s.MaxDumpAge });
  const { checkDumpDay, dumpDay, recentDumpDays } = await import('./dump-fetch.ts');
  if (s.DumpDate) {
    const day = dumpDay(s);
    checkDumpDay(day, s.MaxDumpAge, s.name);
    return openDay(settings, common, day);
  }
  const days = recentDumpDays(s.MaxDumpAge);
  const absent: DcError[] = [];
  for (const day of days) {
    try {
      return await openDay(settings, common, day);
    } catch (err) {
      if (!(err instanceof DcError && err.code === 'NOT_FOUND')) throw err;
      absent.push(err);
    }
  }
  if (absent.length === 1) throw absent[0]!;
  throw new DcError('NOT_FOUND', `site ${s.name}: no dump of today or of the ${days.length - 1} days before (MaxDumpAge ${s.MaxDumpAge}); today's: ${absent[0]!.message}`, {
    cause: absent[0],
    detail: { days },
  });
}

/** The dump of one day: the local file named by it, or the site's published one fetched to scratch. */
async function openDay(settings: ListerSettings, common: Omit<DumpListerOptions, 'file'>, day: string): Promise<DumpLister> {
  const s = settings.settings;
  const { fetchDump, fillDumpTemplate, publishedDumpUrl } = await import('./dump-fetch.ts');
  const url = publishedDumpUrl(settings, day);
  if (!url) {
    const file = fillDumpTemplate(dumpFileOf(settings.url, s), day, s.name);
    await stat(file).catch((err) => {
      throw new DcError((err as NodeJS.ErrnoException).code === 'ENOENT' ? 'NOT_FOUND' : 'INPUT', `site ${s.name}: there is no dump of ${day} at ${file} (${(err as NodeJS.ErrnoException).code ?? err})`, { cause: err });
    });
    return new DumpLister({ ...common, file, source: `dump of ${day}: ${file}` });
  }
  const workDir = await mkdtemp(join(s.DumpTempDir || tmpdir(), 'dc-dump-'));
  const file = join(workDir, 'fetched');
  try {
    await fetchDump(url, file, settings, settings.signal);
  } catch (err) {
    await rm(workDir, { recursive: true, force: true });
    throw err;
  }
  return new DumpLister({ ...common, file, workDir, source: `dump of ${day} from ${redactUrl(url)}` });
}
