import { createReadStream } from 'node:fs';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { DcError } from '../core/errors.ts';
import { parseRunId, type WebContext } from './web-context.ts';
import { DASHBOARD_CSS, DASHBOARD_JS } from './web-assets.ts';

function contentType(name: string): string {
  return name.endsWith('.json') ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8';
}

/** Streams a file as plain text or JSON, never as HTML, so a name in it cannot become markup. */
function sendFile(reply: FastifyReply, file: { path: string; size: number }, name: string, attachment: boolean): FastifyReply {
  reply.header('content-type', contentType(name)).header('content-length', String(file.size)).header('cache-control', 'no-store');
  if (attachment) reply.header('content-disposition', `attachment; filename="${name}"`);
  return reply.send(createReadStream(file.path));
}

/**
 * Downloads. `/files/SITE/NAME` serves only the names a run writes for SITE (SiteFiles.isServable),
 * resolved inside the site's data directory; anything else is 404, with the same answer whether
 * or not such a file exists elsewhere.
 */
export function registerFileRoutes(app: FastifyInstance, ctx: WebContext): void {
  app.get<{ Params: { site: string; name: string } }>('/files/:site/:name', async (req, reply) => {
    const { site, name } = req.params;
    if (!ctx.config.siteNames.includes(site) || !ctx.files.isServable(site, name)) throw new DcError('NOT_FOUND', 'no such file');
    const file = ctx.files.resolve(site, name);
    if (!file) throw new DcError('NOT_FOUND', 'no such file');
    return sendFile(reply, file, name, true);
  });

  app.get<{ Params: { id: string } }>('/runs/:id/log', async (req, reply) => {
    const id = parseRunId(req.params.id);
    const run = await ctx.store.runs.get(id);
    const file = ctx.files.log(run.site, id, (await ctx.store.runs.latestId(run.site)) === id);
    if (!file) throw new DcError('NOT_FOUND', 'no log for this run');
    return sendFile(reply, file, `${run.site}_run${id}.log`, false);
  });

  app.get('/static/dashboard.css', async (_req, reply) => reply.header('content-type', 'text/css; charset=utf-8').header('cache-control', 'max-age=300').send(DASHBOARD_CSS));
  app.get('/static/dashboard.js', async (_req, reply) => reply.header('content-type', 'text/javascript; charset=utf-8').header('cache-control', 'max-age=300').send(DASHBOARD_JS));
}
