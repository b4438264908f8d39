import type { FastifyInstance } from 'fastify';
import { DcError } from '../core/errors.ts';
import { collectFleetMetrics } from './web-fleet-metrics.ts';
import { knownSite, parseRunId, runView, summaryRows, type WebContext } from './web-context.ts';
import { SITE_RUNS_LIMIT } from './web-page-routes.ts';
import { loadTree } from './web-tree-data.ts';

/** JSON of everything the pages show, and the Prometheus metrics. */
export function registerApiRoutes(app: FastifyInstance, ctx: WebContext): void {
  app.get('/api/sites', async () => ({ sites: await summaryRows(ctx) }));

  app.get('/api/fleet', async () => {
    const view = await ctx.fleet.view(ctx.now());
    if (!view) throw new DcError('STATE', ctx.fleet.problem ?? 'no fleet configured');
    return view;
  });

  app.get<{ Params: { site: string } }>('/api/sites/:site', async (req) => {
    const site = req.params.site;
    if (!(await knownSite(ctx, site))) throw new DcError('NOT_FOUND', 'no such site');
    return {
      site,
      configured: ctx.config.siteNames.includes(site),
      state: await ctx.store.states.get(site),
      stateChanges: await ctx.store.states.collectChanges(site),
      runs: await ctx.store.runs.collectPoints(site, SITE_RUNS_LIMIT),
    };
  });

  app.get<{ Params: { id: string } }>('/api/runs/:id', async (req) => {
    const run = await runView(ctx, parseRunId(req.params.id));
    return { ...run, log: run.log ? { href: run.log.href, size: run.log.size } : null };
  });

  app.get<{ Params: { id: string; key: string }; Querystring: { dir?: string } }>('/api/runs/:id/lists/:key', async (req) => {
    const t = await loadTree(ctx, parseRunId(req.params.id), req.params.key, req.query.dir ?? '');
    return { site: t.site, runId: t.runId, list: t.key, download: t.download, ...t.level };
  });

  app.get('/metrics', async (_req, reply) => {
    const text = await ctx.metrics.render(await ctx.store.runs.collectLatest(), await collectFleetMetrics(ctx.store, ctx.fleet, ctx.now()));
    return reply.header('content-type', ctx.metrics.contentType).send(text);
  });
}
