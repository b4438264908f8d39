import type { FastifyInstance } from 'fastify';
import { DcError } from '../core/errors.ts';
import { knownSite, parseRunId, requestAuth, runView, sendHtml, summaryRows, type WebContext } from './web-context.ts';
import { fleetBody } from './web-fleet-page.ts';
import { helpBody } from './web-help-page.ts';
import { h, page, seg } from './web-html.ts';
import { runBody } from './web-run-page.ts';
import { siteBody } from './web-site-page.ts';
import { filterRows, summaryBody, type SummaryOrder, type SummaryTab } from './web-summary-page.ts';
import { loadTree } from './web-tree-data.ts';
import { treeBody } from './web-tree-page.ts';
import { safeNext } from './web-auth.ts';

/** Runs shown on a site page and in its charts: a year of daily runs and then some. */
export const SITE_RUNS_LIMIT = 1000;

export function registerPageRoutes(app: FastifyInstance, ctx: WebContext): void {
  const layout = (req: { url: string }, title: string, body: ReturnType<typeof h>, auth: ReturnType<typeof requestAuth>) =>
    page({ title, body, loggedIn: auth.loggedIn, tokenConfigured: auth.tokenConfigured, csrf: auth.csrf, path: req.url });

  app.get<{ Querystring: { tab?: string; order?: string } }>('/', async (req, reply) => {
    const tab: SummaryTab = req.query.tab === 'act' || req.query.tab === 'dry' ? req.query.tab : 'all';
    const order: SummaryOrder = req.query.order === 'site' ? 'site' : 'attention';
    const all = await summaryRows(ctx);
    return sendHtml(reply, layout(req, 'Sites', summaryBody(filterRows(all, tab, order), all, tab, order), requestAuth(ctx, req)));
  });

  app.get<{ Params: { site: string } }>('/sites/:site', async (req, reply) => {
    const site = req.params.site;
    if (!(await knownSite(ctx, site))) throw new DcError('NOT_FOUND', 'no such site');
    const [state, runs, changes] = [await ctx.store.states.get(site), await ctx.store.runs.collectPoints(site, SITE_RUNS_LIMIT), await ctx.store.states.collectChanges(site)];
    const auth = requestAuth(ctx, req);
    return sendHtml(reply, layout(req, site, siteBody(site, state, runs, changes, auth, ctx.config.siteNames.includes(site)), auth));
  });

  app.get<{ Params: { id: string } }>('/runs/:id', async (req, reply) => {
    const run = await runView(ctx, parseRunId(req.params.id));
    return sendHtml(reply, layout(req, `Run #${run.id} of ${run.site}`, runBody(run), requestAuth(ctx, req)));
  });

  app.get<{ Params: { id: string; key: string }; Querystring: { dir?: string } }>('/runs/:id/lists/:key', async (req, reply) => {
    const t = await loadTree(ctx, parseRunId(req.params.id), req.params.key, req.query.dir ?? '');
    const body = treeBody(t.site, t.runId, t.key, t.level, t.download, t.withSizes);
    return sendHtml(reply, layout(req, `${t.key} of run #${t.runId}`, body, requestAuth(ctx, req)));
  });

  app.get('/fleet', async (req, reply) => sendHtml(reply, layout(req, 'Fleet', fleetBody(await ctx.fleet.view(ctx.now()), ctx.fleet.problem), requestAuth(ctx, req))));

  app.get('/help', async (req, reply) => sendHtml(reply, layout(req, 'Explanations', helpBody(), requestAuth(ctx, req))));

  app.get<{ Querystring: { next?: string; failed?: string } }>('/login', async (req, reply) => {
    const auth = requestAuth(ctx, req);
    const next = safeNext(req.query.next);
    const body = !auth.tokenConfigured
      ? h`<h1>Log in</h1><p class="ro">This server has no token configured (Web.Token or Web.TokenFile): the dashboard is read-only.</p>`
      : h`<h1>Log in</h1>${req.query.failed ? h`<p class="err" id="login-failed">That token is not right.</p>` : ''}
<form method="post" action="/login" class="login" id="login"><input type="hidden" name="next" value="${next}">
<p><label for="token">Token</label><br><input type="password" id="token" name="token" autocomplete="current-password" required autofocus></p>
<p><button type="submit">Log in</button> <a href="${next}">cancel</a></p></form>
<p class="sub">The token is the one configured on the server (Web.Token or Web.TokenFile). Logging in sets a session cookie for 12 hours.</p>`;
    return sendHtml(reply, layout(req, 'Log in', body, auth));
  });

  app.get('/sites', async (_req, reply) => reply.redirect('/'));
  app.get<{ Params: { site: string } }>('/sites/:site/', async (req, reply) => reply.redirect(`/sites/${seg(req.params.site)}`));
}
