import type { CheckProgress } from '../check/check-types.ts';
import type { Logger } from './cli-log.ts';

function clock(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${String(Math.floor(s / 3600)).padStart(2, '0')}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

/** Live status on a terminal; a JSON progress line every `everyMs` otherwise. */
export function progressReporter(log: Logger, site: string, everyMs = 15_000): (p: CheckProgress) => void {
  let last = 0;
  return (p) => {
    const rate = p.elapsedMs > 0 ? Math.round((p.files * 1000) / p.elapsedMs) : 0;
    const pace = p.inFlight;
    if (!log.json) {
      const inFlight = pace ? `, in flight ${pace.level} (peak ${pace.peak}, cap ${pace.cap})` : '';
      const parts = p.parts ? `, shard parts ${p.parts.done}/${p.parts.total}${p.parts.failed ? ` (${p.parts.failed} failed)` : ''}` : '';
      log.status(`${site} ${p.phase}: ${p.dirsListed} dirs, ${p.files} files, ${p.unlisted} errors, ${rate} files/s${inFlight}${parts}, inventory ${p.inventoryFiles}, ${clock(p.elapsedMs)}`);
      return;
    }
    const now = Date.now();
    if (now - last < everyMs) return;
    last = now;
    log.info('progress', { site, phase: p.phase, dirs: p.dirsListed, files: p.files, errors: p.unlisted, filesPerSecond: rate, ...(pace ? { inFlight: pace.level, inFlightPeak: pace.peak, inFlightCap: pace.cap } : {}), ...(p.parts ? { shardParts: p.parts.done, shardPartsFailed: p.parts.failed, shardPartsTotal: p.parts.total } : {}), elapsedSeconds: Math.round(p.elapsedMs / 1000) });
  };
}
