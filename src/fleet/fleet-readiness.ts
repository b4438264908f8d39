import { DcError, errorMessage } from '../core/errors.ts';
import { collectInventoryNotReady } from '../inventory/inventory-sites.ts';
import type { InventorySource } from '../inventory/inventory-settings.ts';

/** Site -> why it is not ready; a site absent from the map is ready. */
export type NotReady = ReadonlyMap<string, string>;

const FETCH_TIMEOUT_MS = 10_000;

/**
 * Reads a readiness feed: a JSON object of site -> `true`/`false`, or `{"ready": bool, "reason": "…"}`
 * (a site-status feed). Sites the feed does not name are ready: it lists the exceptions.
 */
export function parseReadiness(body: unknown, from: string): NotReady {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new DcError('PROTOCOL', `readiness feed ${from}: expected a JSON object of site -> ready`);
  const out = new Map<string, string>();
  for (const [site, v] of Object.entries(body)) {
    if (v === true) continue;
    if (v === false) {
      out.set(site, `the readiness feed says not ready`);
    } else if (typeof v === 'object' && v !== null && typeof (v as { ready?: unknown }).ready === 'boolean') {
      const entry = v as { ready: boolean; reason?: unknown };
      if (!entry.ready) out.set(site, typeof entry.reason === 'string' && entry.reason ? entry.reason : 'the readiness feed says not ready');
    } else {
      throw new DcError('PROTOCOL', `readiness feed ${from}: site ${JSON.stringify(site)} is neither true/false nor {"ready": bool}`);
    }
  }
  return out;
}

/**
 * The feed at `url`, remembered between rounds: a feed that cannot be read keeps its last answer
 * (a status page down for a minute must not start checks of sites in downtime); before any answer
 * every site is not ready, with the reason.
 */
export class ReadinessFeed {
  private last?: NotReady;

  constructor(
    private readonly url: string,
    private readonly log: (event: string, fields: Record<string, unknown>) => void,
  ) {}

  async read(sites: readonly string[], signal?: AbortSignal): Promise<NotReady> {
    try {
      const res = await fetch(this.url, { signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(FETCH_TIMEOUT_MS)]) : AbortSignal.timeout(FETCH_TIMEOUT_MS) });
      if (!res.ok) throw new DcError('IO', `readiness feed answered HTTP ${res.status}`, { detail: { status: res.status } });
      this.last = parseReadiness(await res.json(), this.url);
      return this.last;
    } catch (err) {
      const why = errorMessage(err);
      this.log('readiness-unreadable', { url: this.url, error: why, message: this.last ? 'keeping the feed\'s last answer' : 'no answer yet: no site is started' });
      return this.last ?? new Map(sites.map((s) => [s, `readiness feed unreadable (${why})`]));
    }
  }
}

/** Both sources of readiness in one map: a site either calls not ready is not ready, with every reason. */
export function mergeNotReady(...sources: NotReady[]): NotReady {
  const out = new Map<string, string>();
  for (const m of sources) for (const [site, why] of m) out.set(site, out.has(site) ? `${out.get(site)}; ${why}` : why);
  return out;
}

/**
 * The inventory's own word on its sites (Dynamo's `sites` table), remembered between reads: an
 * inventory that cannot be read keeps its last answer (its failure is the runs' to report).
 */
export class InventoryReadiness {
  private last: NotReady = new Map();

  constructor(private readonly log: (event: string, fields: Record<string, unknown>) => void) {}

  /** Within `timeoutMs` (an inventory database that does not answer must not hold a round or a page). */
  async read(config: InventorySource, timeoutMs = FETCH_TIMEOUT_MS): Promise<NotReady> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DcError('TIMEOUT', `no answer within ${timeoutMs / 1000} s`)), timeoutMs);
    });
    try {
      this.last = await Promise.race([collectInventoryNotReady(config), late]);
    } catch (err) {
      this.log('inventory-status-unreadable', { error: errorMessage(err), message: 'keeping the last answer of the inventory\'s sites table' });
    } finally {
      clearTimeout(timer);
    }
    return this.last;
  }
}
