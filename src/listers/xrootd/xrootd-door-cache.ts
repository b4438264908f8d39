import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../../core/atomic-file.ts';

/** What one global redirector said to kXR_locate, as kept in the cache and quoted in errors. */
export interface LocateAnswer {
  redirector: string;
  /** Every host:port it named, in or out of the domain. */
  named?: string[];
  error?: string;
}

/** `VarLocation/redirectors/SITE_doors.json`: the doors found for a site and how. */
export interface DoorCacheFile {
  version: 1;
  site: string;
  /** What the answers depend on: a cache made for other redirectors, domain or root is not used. */
  globalRedirectors: string[];
  domain: string;
  locatePath: string;
  /** Epoch seconds. */
  locatedAt: number;
  answers: LocateAnswer[];
  /** Door URLs (`root://host:port`) in the site's domain, in the order found. */
  doors: string[];
}

export type DoorCacheKey = Pick<DoorCacheFile, 'site' | 'globalRedirectors' | 'domain' | 'locatePath'>;

/**
 * The cached doors when they may be used: same key, and younger than `maxAgeDays`. As in the seed,
 * an age of 0 means a cached answer is never refreshed (only a missing or unreadable file, or a
 * changed key, makes the tool locate again).
 */
export function readDoorCache(file: string, key: DoorCacheKey, now: number, maxAgeDays: number): DoorCacheFile | undefined {
  let data: DoorCacheFile;
  try {
    data = JSON.parse(readFileSync(file, 'utf8')) as DoorCacheFile;
  } catch {
    return undefined;
  }
  if (data?.version !== 1 || !Array.isArray(data.doors) || !data.doors.length || typeof data.locatedAt !== 'number') return undefined;
  if (data.site !== key.site || data.domain !== key.domain || data.locatePath !== key.locatePath) return undefined;
  if (!Array.isArray(data.globalRedirectors) || data.globalRedirectors.join('\n') !== key.globalRedirectors.join('\n')) return undefined;
  if (maxAgeDays > 0 && now - data.locatedAt > maxAgeDays * 86400) return undefined;
  return data;
}

export function writeDoorCache(file: string, data: DoorCacheFile): void {
  writeFileAtomic(file, JSON.stringify(data, null, 2) + '\n');
}
