import fastifyCookie from '@fastify/cookie';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Config } from '../config/config-loader.ts';
import { DcError, errorMessage } from '../core/errors.ts';
import type { HistoryStore } from '../store/history-store.ts';
import { registerApiRoutes } from './web-api-routes.ts';
import { readWebToken, WebAuth } from './web-auth.ts';
import { sendHtml, type WebContext } from './web-context.ts';
import { registerControlRoutes } from './web-control-routes.ts';
import { registerFileRoutes } from './web-file-routes.ts';
import { SiteFiles } from './web-files.ts';
import { WebFleet } from './web-fleet.ts';
import { h, page } from './web-html.ts';
import { WebMetrics } from './web-metrics.ts';
import { registerPageRoutes } from './web-page-routes.ts';

export { DEFAULT_WEB_HOST, DEFAULT_WEB_PORT } from './web-defaults.ts';
const DEFAULT_OVERDUE_DAYS = 7;
/** Time a client has to send a whole request (headers and body); the pages answer in milliseconds. */
export const REQUEST_TIMEOUT_MS = 30_000;

/** No script, style or frame from anywhere but this server; no inline script. */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

export interface WebServerOptions {
  config: Config;
  store: HistoryStore;
  log?: (event: string, fields: Record<string, unknown>) => void;
  /** Clock for tests (ms since the epoch). */
  now?: () => number;
}

const STATUS: Partial<Record<string, number>> = { NOT_FOUND: 404, INPUT: 400, STATE: 409 };

/**
 * The dashboard: pages, JSON API, downloads, controls and metrics over the history store.
 * Fastify's own logger stays off: requests may carry the token (header, form, cookie), and the
 * only things logged are the events chosen here, which never include it.
 */
export async function createWebServer(opts: WebServerOptions): Promise<{ app: FastifyInstance; ctx: WebContext }> {
  const token = readWebToken(opts.config);
  await opts.store.states.ensure(opts.config.siteNames);
  const ctx: WebContext = {
    config: opts.config,
    store: opts.store,
    files: new SiteFiles(opts.config),
    auth: new WebAuth(token, opts.now),
    metrics: new WebMetrics(),
    fleet: new WebFleet(opts.config, opts.store, opts.log ?? (() => undefined)),
    overdueDays: opts.config.raw.Web?.OverdueDays ?? DEFAULT_OVERDUE_DAYS,
    now: opts.now ?? Date.now,
    log: opts.log ?? (() => undefined),
  };
  // A request must arrive whole within REQUEST_TIMEOUT_MS: without it (Fastify's default is none) a
  // client sending its headers a byte at a time holds its connection forever (drill D6, slowloris).
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024, trustProxy: false, requestTimeout: REQUEST_TIMEOUT_MS });
  // Node keeps its own 60 s for the headers alone, longer than the whole request may take: align it.
  app.server.headersTimeout = REQUEST_TIMEOUT_MS;
  app.addHook('onClose', async () => ctx.fleet.close());
  // Parses the Cookie header into req.cookies (the session cookie); nothing is signed with it.
  await app.register(fastifyCookie);
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('content-security-policy', CSP);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('x-frame-options', 'DENY');
    return payload;
  });
  const wantsJson = (url: string) => url.startsWith('/api/') || url === '/metrics';
  app.setErrorHandler((err, req, reply) => {
    const code = err instanceof DcError ? err.code : undefined;
    const status = (code && STATUS[code]) ?? ((err as { statusCode?: number }).statusCode && (err as { statusCode: number }).statusCode < 500 ? (err as { statusCode: number }).statusCode : 500);
    const message = status >= 500 ? 'internal error (see the server log)' : errorMessage(err);
    if (status >= 500) ctx.log('web-error', { method: req.method, route: req.routeOptions.url, message: errorMessage(err) });
    if (wantsJson(req.url)) return reply.code(status).send({ error: code ?? 'ERROR', message });
    return sendHtml(reply, page({ title: 'Error', tokenConfigured: ctx.auth.configured, body: h`<h1>${status === 404 ? 'Not found' : 'Error'}</h1><p class="err">${message}</p><p><a href="/">back to the sites</a></p>` }), status);
  });
  app.setNotFoundHandler((req, reply) => {
    if (wantsJson(req.url)) return reply.code(404).send({ error: 'NOT_FOUND', message: 'no such resource' });
    return sendHtml(reply, page({ title: 'Not found', tokenConfigured: ctx.auth.configured, body: h`<h1>Not found</h1><p><a href="/">back to the sites</a></p>` }), 404);
  });
  registerPageRoutes(app, ctx);
  registerApiRoutes(app, ctx);
  registerFileRoutes(app, ctx);
  registerControlRoutes(app, ctx);
  return { app, ctx };
}
