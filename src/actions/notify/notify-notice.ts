import { redactUrl } from '../../core/redact-url.ts';
import type { CheckSummary } from '../../check/check-types.ts';
import { OPERATIONAL_GATES, type GateDecision, type GateHit } from '../../check/gates.ts';

/**
 * The failure notice of issue 14: what is posted to `NotifyUrl` (this object as JSON) and mailed to
 * `Email.Recipients` (the same facts as text). Only two kinds of run make one: a run that failed,
 * and a finished run whose actions a data gate held (MaxMissing, the shrink gates, …). A run held
 * only by the site's own state (dry mode, halted) is what an operator asked for, and a halted run
 * was stopped on purpose: neither makes a notice.
 */
export interface RunNotice {
  /** Names the body's shape, so a receiver can tell it from the webhook's action batches. */
  kind: 'dynamo-consistency.run-notice';
  site: string;
  runId: number;
  /** The run's status in the history. */
  status: 'failed' | 'done';
  /** Why there is a notice: the run failed, or its actions were held by a gate. */
  reason: 'failed' | 'held';
  /** A failed run's error: its stable code and the message recorded in the history. */
  error?: { code: string; message: string };
  /** The gates of a finished run: whether it acted, and each gate that held it with why. */
  gates?: { act: boolean; held: GateHit[] };
  /** The run's counts, when it got as far as judging the listing. */
  counts?: NoticeCounts;
  /** Where the run ran. */
  host: string;
  pid: number;
  /** When the notice was made (ISO 8601, UTC). */
  at: string;
  /** The run's page on the dashboard, when `DashboardUrl` is set. */
  dashboard?: string;
}

export interface NoticeCounts {
  listedFiles: number;
  settledFiles: number;
  missing: number;
  orphan: number;
  sizeMismatch: number;
  unlistedDirectories: number;
  emptyDirectories: number;
}

/** What a notice is made from: the run as recorded (src/run builds this from its outcome). */
export interface NoticeInput {
  site: string;
  runId: number;
  status: 'done' | 'failed' | 'halted' | 'running' | 'cleaned';
  /** A failed run's error code and the reason recorded in the history. */
  error?: { code: string; message: string };
  summary?: CheckSummary & { gates?: GateDecision };
  dashboardUrl: string;
  host: string;
  pid: number;
  now: Date;
}

/** The notice a run calls for, or undefined when it calls for none (a clean run, a halted one). */
export function buildRunNotice(input: NoticeInput): RunNotice | undefined {
  const gates = input.summary?.gates;
  const heldByData = gates?.held.some((g) => !OPERATIONAL_GATES.has(g.gate)) ?? false;
  let reason: RunNotice['reason'];
  if (input.status === 'failed') reason = 'failed';
  else if (input.status === 'done' && heldByData) reason = 'held';
  else return undefined;
  const s = input.summary;
  return {
    kind: 'dynamo-consistency.run-notice',
    site: input.site,
    runId: input.runId,
    status: input.status === 'failed' ? 'failed' : 'done',
    reason,
    ...(input.error ? { error: input.error } : {}),
    ...(gates ? { gates: { act: gates.act, held: gates.held } } : {}),
    ...(s
      ? {
          counts: {
            listedFiles: s.listing.files,
            settledFiles: s.inventory.settled,
            missing: s.missing.count,
            orphan: s.orphan.count,
            sizeMismatch: s.sizeMismatch.count,
            unlistedDirectories: s.unlisted.count,
            emptyDirectories: s.empty,
          },
        }
      : {}),
    host: input.host,
    pid: input.pid,
    at: input.now.toISOString(),
    ...(input.dashboardUrl ? { dashboard: `${input.dashboardUrl.replace(/\/+$/, '')}/runs/${input.runId}` } : {}),
  };
}

/** One line saying what happened, for a mail subject and a log line. */
export function noticeHeadline(n: RunNotice): string {
  if (n.reason === 'failed') return `${n.site}: run ${n.runId} failed${n.error ? ` (${n.error.code})` : ''}`;
  const held = (n.gates?.held ?? []).filter((g) => !OPERATIONAL_GATES.has(g.gate)).map((g) => g.gate);
  return `${n.site}: run ${n.runId} held by ${held.join(', ')}`;
}

/** The notice as a mail's plain text. */
export function noticeText(n: RunNotice): string {
  const lines = [`Site ${n.site}, run ${n.runId} on ${n.host} (pid ${n.pid}): ${n.reason === 'failed' ? 'the run failed' : 'the run finished, but its actions were held by a gate'}.`, ''];
  if (n.error) lines.push(`Error (${n.error.code}): ${n.error.message}`, '');
  if (n.gates && n.gates.held.length > 0) {
    lines.push(`Gates held (nothing was acted on):`);
    for (const g of n.gates.held) lines.push(`  ${g.gate}: ${g.reason}`);
    lines.push('');
  }
  if (n.counts) {
    const c = n.counts;
    lines.push(
      `Listed files ${c.listedFiles}, settled inventory files ${c.settledFiles}, missing ${c.missing}, orphan ${c.orphan}, size mismatches ${c.sizeMismatch}, unlisted directories ${c.unlistedDirectories}, empty directories ${c.emptyDirectories}.`,
      '',
    );
  }
  if (n.dashboard) lines.push(`Run page: ${n.dashboard}`, '');
  lines.push(`Notice made at ${n.at} by dynamo-consistency.`);
  return lines.join('\n') + '\n';
}

/**
 * `text` with every known secret replaced by `***` and the password of any URL in it hidden
 * (redactUrl): the last guard before a notice, a mail or a log line leaves the process, should an
 * error message ever echo a credential.
 */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('***');
  return out.replace(/[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]*/gi, (u) => redactUrl(u));
}
