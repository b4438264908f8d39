import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DcError } from '../core/errors.ts';
import { SESSION_COOKIE, safeNext } from './web-auth.ts';
import { requestAuth, sendHtml, type WebContext } from './web-context.ts';
import { h, page, seg } from './web-html.ts';
import { STATE_VALUES, type StateValue } from './web-site-page.ts';

type Form = Record<string, string | undefined>;

function forbidden(reply: FastifyReply, message: string): FastifyReply {
  return sendHtml(reply, page({ title: 'Forbidden', body: h`<h1>Forbidden</h1><p class="err">${message}</p><p><a href="/">back to the sites</a></p>` }), 403);
}

function cookie(value: string, maxAge: number): string {
  return `${SESSION_COOKIE}=${encodeURIComponent(value)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}`;
}

function bearer(req: FastifyRequest): string | undefined {
  const a = req.headers.authorization;
  return a && /^Bearer /i.test(a) ? a.slice(7).trim() : undefined;
}

/**
 * Login and state changes. A page form needs the session cookie and its CSRF field; the API
 * needs `Authorization: Bearer TOKEN`. Every change is recorded with its time and origin (web or
 * api, and the client address). Failures say what is missing, never what was sent.
 */
export function registerControlRoutes(app: FastifyInstance, ctx: WebContext): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 8192 }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });

  const checkValue = async (site: string, value: unknown): Promise<StateValue> => {
    if (!ctx.config.siteNames.includes(site)) throw new DcError('NOT_FOUND', 'no such site');
    if (typeof value !== 'string' || !(STATE_VALUES as readonly string[]).includes(value)) throw new DcError('INPUT', `value must be one of ${STATE_VALUES.join(', ')}`);
    return value as StateValue;
  };

  app.post<{ Body: Form }>('/login', async (req, reply) => {
    const next = safeNext(req.body?.next);
    if (!ctx.auth.configured) return forbidden(reply, 'This server has no token configured: the dashboard is read-only.');
    if (!ctx.auth.checkToken(req.body?.token)) {
      ctx.log('web-login-failed', { origin: req.ip });
      return reply.redirect(`/login?failed=1&next=${seg(next)}`, 303);
    }
    const s = ctx.auth.newSession();
    ctx.log('web-login', { origin: req.ip });
    return reply.header('set-cookie', cookie(s.value, s.maxAge)).redirect(next, 303);
  });

  app.post('/logout', async (_req, reply) => reply.header('set-cookie', cookie('', 0)).redirect('/', 303));

  app.post<{ Params: { site: string }; Body: Form }>('/sites/:site/state', async (req, reply) => {
    const auth = requestAuth(ctx, req);
    if (!auth.tokenConfigured) return forbidden(reply, 'This server has no token configured: the dashboard is read-only.');
    if (!auth.loggedIn) return forbidden(reply, 'Log in first.');
    if (!ctx.auth.checkCsrf(auth.session, req.body?.csrf)) return forbidden(reply, 'The form is stale or did not come from this dashboard; reload the page and try again.');
    const site = req.params.site;
    const value = await checkValue(site, req.body?.value);
    const by = `web:${req.ip}`;
    await ctx.store.states.set(site, value, by);
    ctx.log('web-state-change', { site, value, by });
    return reply.redirect(`/sites/${seg(site)}`, 303);
  });

  app.post<{ Params: { site: string }; Body: { value?: unknown } }>('/api/sites/:site/state', async (req, reply) => {
    if (!ctx.auth.configured) return reply.code(403).send({ error: 'READ_ONLY', message: 'this server has no token configured' });
    if (!ctx.auth.checkToken(bearer(req))) return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'UNAUTHORIZED', message: 'a valid bearer token is required' });
    const site = req.params.site;
    const value = await checkValue(site, req.body?.value);
    const by = `api:${req.ip}`;
    const state = await ctx.store.states.set(site, value, by);
    ctx.log('web-state-change', { site, value, by });
    return state;
  });
}
