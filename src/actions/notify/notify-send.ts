import { createHash } from 'node:crypto';
import { DcError, errorMessage } from '../../core/errors.ts';
import { sleep } from '../../core/sleep.ts';
import { BearerTokenSource } from '../../protocols/credentials/credentials-bearer-token.ts';
import { httpTarget, JsonPoster } from '../webhook/webhook-post.ts';
import { sendMail, smtpTarget, type EmailSettings } from './notify-mail.ts';
import { noticeHeadline, noticeText, scrubSecrets, type RunNotice } from './notify-notice.ts';

/** The site keys a notice is sent with (config-schema.ts). */
export interface NoticeSettings {
  readonly NotifyUrl: string;
  readonly NotifyTokenFile: string;
  readonly Email: Readonly<EmailSettings>;
  readonly SmtpUrl: string;
}

export interface SendNoticeOptions {
  log: (event: string, fields: Record<string, unknown>) => void;
  /** Stops the retries (the process is shutting down); a notice not sent by then is logged as failed. */
  signal?: AbortSignal;
  /** Extra attempts per channel (default 2). */
  retries?: number;
  /** First retry delay, doubled each attempt (default 1000 ms). */
  baseDelayMs?: number;
  /** Seconds one attempt may take (default 10). */
  timeoutSeconds?: number;
}

export type ChannelResult = 'sent' | 'failed' | 'off';

/**
 * Sends a run's notice to `NotifyUrl` (JSON, with an `Idempotency-Key` of site and run) and mails it
 * to `Email.Recipients` through `SmtpUrl`, each channel on its own with a few retries. It never
 * throws: a channel that fails is logged (`notice-failed`, naming the channel and where it was
 * going without credentials) and the run's outcome is what it was. Every text leaving here — body,
 * mail, log line — is scrubbed of the URLs' passwords and query values and of SMTP credentials.
 */
export async function sendRunNotice(settings: NoticeSettings, notice: RunNotice, opts: SendNoticeOptions): Promise<{ url: ChannelResult; mail: ChannelResult }> {
  const [url, mail] = await Promise.all([postNotice(settings, notice, opts), mailNotice(settings, notice, opts)]);
  return { url, mail };
}

async function postNotice(settings: NoticeSettings, notice: RunNotice, opts: SendNoticeOptions): Promise<ChannelResult> {
  if (!settings.NotifyUrl) return 'off';
  const fields = { site: notice.site, runId: notice.runId, channel: 'url' };
  const target = httpTarget(settings.NotifyUrl);
  if (!target) {
    opts.log('notice-failed', { ...fields, error: 'NotifyUrl is not an http(s) URL' });
    return 'failed';
  }
  // Only the origin is named: webhook URLs of chat services carry their key in the path.
  const where = target.url.origin;
  const token = settings.NotifyTokenFile ? new BearerTokenSource({ tokenFile: settings.NotifyTokenFile }) : undefined;
  const poster = new JsonPoster(opts.timeoutSeconds ?? 10);
  const body = scrubSecrets(JSON.stringify(notice), target.secrets);
  const key = createHash('sha256').update(`${notice.site}\n${notice.runId}\n${notice.reason}`).digest('hex').slice(0, 32);
  try {
    const attempts = await poster.post(target, body, { headers: { 'Idempotency-Key': key }, token, retries: opts.retries ?? 2, baseDelayMs: opts.baseDelayMs ?? 1000, signal: opts.signal });
    opts.log('notice-sent', { ...fields, to: where, attempts });
    return 'sent';
  } catch (err) {
    opts.log('notice-failed', { ...fields, to: where, error: scrubSecrets(errorMessage(err), target.secrets) });
    return 'failed';
  } finally {
    await poster.close();
  }
}

async function mailNotice(settings: NoticeSettings, notice: RunNotice, opts: SendNoticeOptions): Promise<ChannelResult> {
  const { Sender, Recipients } = settings.Email;
  if (Recipients.length === 0) return 'off';
  const fields = { site: notice.site, runId: notice.runId, channel: 'mail' };
  let smtp;
  try {
    smtp = smtpTarget(settings.SmtpUrl);
  } catch (err) {
    opts.log('notice-failed', { ...fields, error: errorMessage(err) });
    return 'failed';
  }
  const secrets = smtp.secrets;
  const message = { subject: scrubSecrets(`[dynamo-consistency] ${noticeHeadline(notice)}`, secrets), text: scrubSecrets(noticeText(notice), secrets) };
  const retries = opts.retries ?? 2;
  const base = opts.baseDelayMs ?? 1000;
  for (let attempt = 1; ; attempt++) {
    try {
      await sendMail(smtp, { Sender, Recipients }, message, (opts.timeoutSeconds ?? 10) * 1000);
      opts.log('notice-sent', { ...fields, to: smtp.where, recipients: Recipients.length, attempts: attempt });
      return 'sent';
    } catch (err) {
      const why = scrubSecrets(mailError(err), secrets);
      // A refused sender, recipient or login (5xx) will be refused again: no retry.
      const permanent = typeof (err as { responseCode?: unknown }).responseCode === 'number' && (err as { responseCode: number }).responseCode >= 500;
      if (permanent || attempt > retries || opts.signal?.aborted) {
        opts.log('notice-failed', { ...fields, to: smtp.where, attempts: attempt, error: why });
        return 'failed';
      }
      try {
        await sleep(base * 2 ** (attempt - 1), opts.signal, 'notice stopped');
      } catch (e) {
        if (!(e instanceof DcError)) throw e;
        opts.log('notice-failed', { ...fields, to: smtp.where, attempts: attempt, error: `${why} (stopped before another attempt)` });
        return 'failed';
      }
    }
  }
}

/** nodemailer's error as code and server reply: its message may quote the command it sent. */
function mailError(err: unknown): string {
  const e = err as { code?: unknown; response?: unknown; responseCode?: unknown };
  const code = typeof e.code === 'string' ? e.code : 'EMAIL';
  if (typeof e.response === 'string') return `${code}: ${e.response}`;
  return `${code}: ${errorMessage(err)}`;
}
