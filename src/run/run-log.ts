import { appendFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { scrubSecrets } from '../core/redact-url.ts';

/** Run logs kept per site; older ones are removed when a new run starts. */
const KEEP = 50;

/**
 * The log of one run, `SITE_run<ID>.log` in the site's VarLocation (where the dashboard shows it):
 * one JSON line per event. Only the run's own events go here, scrubbed of credentials (the
 * dashboard shows this file).
 * A log that cannot be written never stops the run.
 */
export class RunLog {
  readonly path: string;
  private broken = false;

  constructor(dir: string, site: string, runId: number) {
    this.path = join(dir, `${site}_run${runId}.log`);
    try {
      mkdirSync(dir, { recursive: true });
      prune(dir, site, runId);
    } catch {
      this.broken = true;
    }
  }

  write(event: string, fields: Record<string, unknown>): void {
    if (this.broken) return;
    try {
      appendFileSync(this.path, JSON.stringify({ time: new Date().toISOString(), event, ...scrubSecrets(fields) }) + '\n');
    } catch {
      this.broken = true;
    }
  }
}

function prune(dir: string, site: string, runId: number): void {
  const re = new RegExp(`^${site.replace(/[.]/g, '\\.')}_run(\\d+)\\.log$`);
  const ids = readdirSync(dir)
    .map((n) => re.exec(n)?.[1])
    .filter((x): x is string => x !== undefined)
    .map(Number)
    .filter((id) => id < runId)
    .sort((a, b) => b - a);
  for (const id of ids.slice(KEEP - 1)) rmSync(join(dir, `${site}_run${id}.log`), { force: true });
}
