import { hostname } from 'node:os';
import type { SiteConfig } from '../config/config-loader.ts';
import { buildRunNotice } from '../actions/notify/notify-notice.ts';
import { sendRunNotice } from '../actions/notify/notify-send.ts';
import type { NoticeInput } from '../actions/notify/notify-notice.ts';
import type { DcError } from '../core/errors.ts';

/** What a notice needs of a run's outcome (RunOutcome of run-site.ts has it). */
export interface NoticeOutcome {
  runId: number;
  status: NoticeInput['status'];
  summary?: NoticeInput['summary'];
  error?: DcError;
  reason?: string;
}

/**
 * The failure notice of a finished run (issue 14 point 6), for every face alike (`check`, the
 * embedded daemon, a worker): a failed run, or one whose actions a data gate held, is posted to
 * the site's `NotifyUrl` and mailed to its `Email.Recipients`. Sent after the run is recorded and
 * its site released; it never throws and never changes the outcome (a notice that cannot be sent
 * is logged as `notice-failed`).
 */
export async function sendOutcomeNotice(site: SiteConfig, outcome: NoticeOutcome, opts: { log: (event: string, fields: Record<string, unknown>) => void; signal?: AbortSignal }): Promise<void> {
  if (!site.NotifyUrl && site.Email.Recipients.length === 0) return;
  const notice = buildRunNotice({
    site: site.name,
    runId: outcome.runId,
    status: outcome.status,
    ...(outcome.status === 'failed' ? { error: { code: outcome.error?.code ?? 'INTERNAL', message: outcome.reason ?? outcome.error?.message ?? 'the run failed' } } : {}),
    summary: outcome.summary,
    dashboardUrl: site.DashboardUrl,
    host: hostname(),
    pid: process.pid,
    now: new Date(),
  });
  if (!notice) return;
  await sendRunNotice(site, notice, opts).catch((err: unknown) => opts.log('notice-failed', { site: site.name, runId: outcome.runId, error: String(err) }));
}
