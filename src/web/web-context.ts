import { openSync, readSync, closeSync, readFileSync } from 'node:fs';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RunSummaryFile } from '../check/check-outputs.ts';
import type { CheckProgress } from '../check/check-types.ts';
import type { Config } from '../config/config-loader.ts';
import { DcError } from '../core/errors.ts';
import type { HistoryStore } from '../store/history-store.ts';
import { SESSION_COOKIE, type WebAuth } from './web-auth.ts';
import { parseJson } from './web-data.ts';
import { LIST_KEYS, type SiteFiles } from './web-files.ts';
import type { WebFleet } from './web-fleet.ts';
import type { WebMetrics } from './web-metrics.ts';
import type { RunView } from './web-run-page.ts';
import type { Auth } from './web-site-page.ts';
import { buildSiteRows, type SiteRow } from './web-site-rows.ts';

export interface WebContext {
  config: Config;
  store: HistoryStore;
  files: SiteFiles;
  auth: WebAuth;
  metrics: WebMetrics;
  /** The fleet page's data: queue, members, per-site plan (web-fleet.ts). */
  fleet: WebFleet;
  overdueDays: number;
  now: () => number;
  log: (event: string, fields: Record<string, unknown>) => void;
}

const LOG_TAIL_BYTES = 64 * 1024;

export async function summaryRows(ctx: WebContext): Promise<SiteRow[]> {
  const latest = await ctx.store.runs.collectLatest();
  return buildSiteRows(latest, { now: ctx.now(), overdueDays: ctx.overdueDays, configured: new Set(ctx.config.siteNames), files: ctx.files });
}

export function requestAuth(ctx: WebContext, req: FastifyRequest): Auth & { session: string | undefined } {
  const session = req.cookies[SESSION_COOKIE];
  const loggedIn = ctx.auth.checkSession(session);
  return { tokenConfigured: ctx.auth.configured, loggedIn, session: loggedIn ? session : undefined, csrf: loggedIn ? ctx.auth.csrfFor(session) : '' };
}

/** A site the dashboard knows: configured, or present in the history. */
export async function knownSite(ctx: WebContext, site: string): Promise<boolean> {
  if (ctx.config.siteNames.includes(site)) return true;
  return ctx.store.states.has(site);
}

export function parseRunId(raw: string): number {
  if (!/^[0-9]{1,15}$/.test(raw)) throw new DcError('NOT_FOUND', 'no such run');
  return Number(raw);
}

function fileHref(site: string, path: string): string {
  return `/files/${encodeURIComponent(site)}/${encodeURIComponent(path.slice(path.lastIndexOf('/') + 1))}`;
}

/** The last `LOG_TAIL_BYTES` of a log, cut at a line start. */
function tail(path: string, size: number): { text: string; truncated: boolean } {
  const fd = openSync(path, 'r');
  try {
    const len = Math.min(size, LOG_TAIL_BYTES);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    let text = buf.toString('utf8');
    if (len < size) text = text.slice(text.indexOf('\n') + 1);
    return { text, truncated: len < size };
  } finally {
    closeSync(fd);
  }
}

export async function runView(ctx: WebContext, id: number): Promise<RunView> {
  const r = await ctx.store.runs.get(id);
  const summary = parseJson<Partial<RunSummaryFile>>(r.summary) ?? null;
  // The lists on disk belong to the run named in SITE_summary.json (each finished run rewrites them).
  const summaryFile = ctx.files.list(r.site, 'summary');
  let listsOfRun: number | null = null;
  if (summaryFile) {
    const onDisk = parseJson<{ runId?: number }>(readFileSync(summaryFile.path, 'utf8'));
    listsOfRun = typeof onDisk?.runId === 'number' ? onDisk.runId : null;
  }
  const lists: RunView['lists'] = {};
  if (listsOfRun === id) {
    for (const k of LIST_KEYS) {
      const f = ctx.files.list(r.site, k);
      if (f) lists[k] = { href: fileHref(r.site, f.path), size: f.size };
    }
  }
  const logFile = ctx.files.log(r.site, id, (await ctx.store.runs.latestId(r.site)) === id);
  const log = logFile ? { href: `/runs/${id}/log`, size: logFile.size, ...(({ text, truncated }) => ({ tail: text, truncated }))(tail(logFile.path, logFile.size)) } : null;
  return {
    id: Number(r.id),
    site: r.site,
    status: r.status,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    heartbeatAt: r.heartbeat_at,
    error: r.error,
    duration: Number(r.duration),
    progress: parseJson<Partial<CheckProgress>>(r.progress) ?? null,
    summary,
    lists,
    listsOfRun,
    log,
    actions: await ctx.store.actions.summarizeRun(r.site, id),
  };
}

export function sendHtml(reply: FastifyReply, html: string, status = 200): FastifyReply {
  return reply.code(status).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
}
