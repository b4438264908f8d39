import type { CheckProgress } from '../check/check-types.ts';
import type { FleetView, MemberView, QueueView, RunningView, SiteView } from '../fleet/fleet-view.ts';
import { formatDuration, formatTime, h, join, seg, type Html } from './web-html.ts';
import { progressText } from './web-summary-page.ts';

type Job = QueueView['jobs'][number];
type ShardJob = NonNullable<QueueView['shards']>['jobs'][number];

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** `host:pid` as its two cells. */
function hostPid(owner: string | null | undefined): Html {
  if (!owner) return h`<td class="host">–</td><td class="pid">–</td>`;
  const at = owner.lastIndexOf(':');
  return at < 0 ? h`<td class="host">${owner}</td><td class="pid">–</td>` : h`<td class="host">${owner.slice(0, at)}</td><td class="pid">${owner.slice(at + 1)}</td>`;
}

function progress(p: unknown): Html {
  return h`<span class="progress">${progressText(p as Partial<CheckProgress> | null)}</span>`;
}

function siteLink(site: string): Html {
  return h`<a href="/sites/${seg(site)}">${site}</a>`;
}

function runLink(runId: number | undefined): Html {
  return runId === undefined ? h`–` : h`<a href="/runs/${runId}">#${runId}</a>`;
}

/** A queue's jobs by state, as the fleet page prints them for the check and the shard queue alike. */
function stateCounts(c: NonNullable<QueueView['counts']>): Html {
  return h`<span data-state="waiting">${c.waiting} waiting</span> · <span data-state="active">${c.active} running</span> · <span data-state="delayed">${c.delayed} delayed</span> · <span data-state="failed">${c.failed} failed</span>`;
}

function queueSection(q: QueueView): Html {
  if (!q.reachable) {
    return h`<p class="err" id="redis-unreachable">Redis unreachable: the queue ${q.name} cannot be read (${q.error ?? 'no answer'}). Workers and the daemon retry until it is back; the sites and runs below come from the history.</p>`;
  }
  const c = q.counts ?? { waiting: 0, active: 0, delayed: 0, failed: 0 };
  const of = (state: Job['state']) => q.jobs.filter((j) => j.state === state);
  const running = of('active').map(
    (j) => h`<tr data-job="${j.id}" data-site="${j.site}"><td>${siteLink(j.site)}</td>${hostPid(j.worker)}<td>${runLink(j.runId)}</td><td>${j.runId === undefined ? 'starting' : progress(j.progress)}</td><td class="time">${formatTime(iso(j.startedAt))}</td><td class="sub">${j.id}</td></tr>`,
  );
  const waiting = [...of('waiting'), ...of('delayed')].map((j) => {
    const until = j.state === 'delayed' ? h`${j.attempts > 0 ? `backoff after ${j.attempts} failed ${j.attempts === 1 ? 'try' : 'tries'}, ` : 'deferred, '}until ${formatTime(iso(j.delayedUntil))}` : h`waiting for a worker`;
    return h`<tr data-job="${j.id}" data-site="${j.site}" class="job-${j.state}"><td>${siteLink(j.site)}</td><td>${j.state}</td><td>${until}</td><td class="time">${formatTime(iso(j.queuedAt))}</td><td class="sub">${j.id}</td></tr>`;
  });
  const failed = of('failed').map(
    (j) => h`<tr data-job="${j.id}" data-site="${j.site}"><td>${siteLink(j.site)}</td><td class="err">${j.error ?? ''}</td><td class="num">${j.attempts}</td><td class="time">${formatTime(iso(j.finishedAt))}</td><td class="sub">${j.id}</td></tr>`,
  );
  const table: Table = (id, head, rows, empty) =>
    rows.length ? h`<table id="${id}"><thead><tr>${head}</tr></thead><tbody>${join(rows)}</tbody></table>` : h`<p class="empty" id="${id}-none">${empty}</p>`;
  return h`<p id="queue-counts">Queue <code>${q.name}</code>: ${stateCounts(c)}</p>
<h3>Running</h3>${table('queue-running', h`<th>Site</th><th>Worker host</th><th>PID</th><th>Run</th><th>Progress</th><th>Started</th><th>Job</th>`, running, 'No job running.')}
<h3>Waiting</h3>${table('queue-waiting', h`<th>Site</th><th>State</th><th>Until</th><th>Queued</th><th>Job</th>`, waiting, 'No job waiting.')}
<h3>Failed</h3>${table('queue-failed', h`<th>Site</th><th>Error</th><th>Tries</th><th>Failed</th><th>Job</th>`, failed, 'No failed job.')}
${q.shards ? shardSection(q.shards, table) : ''}`;
}

type Table = (id: string, head: Html, rows: Html[], empty: string) => Html;

/** The shard queue: parts of sharded runs' listings, running on any worker, and those that failed for good. */
function shardSection(sq: NonNullable<QueueView['shards']>, table: Table): Html {
  const c = sq.counts;
  const part = (j: ShardJob) => (j.shard === undefined ? '–' : `${j.shard + 1} of ${j.shards ?? '?'}`);
  const rows = (state: ShardJob['state']) => sq.jobs.filter((j) => j.state === state);
  const running = rows('active').map(
    (j) => h`<tr data-job="${j.id}" data-site="${j.site}"><td>${siteLink(j.site)}</td><td>${runLink(j.runId)}</td><td class="num">${part(j)}</td>${hostPid(j.worker)}<td class="time">${formatTime(iso(j.startedAt))}</td><td class="sub">${j.id}</td></tr>`,
  );
  const failed = rows('failed').map(
    (j) => h`<tr data-job="${j.id}" data-site="${j.site}"><td>${siteLink(j.site)}</td><td>${runLink(j.runId)}</td><td class="num">${part(j)}</td><td class="err">${j.error ?? ''}</td><td class="num">${j.attempts}</td><td class="time">${formatTime(iso(j.finishedAt))}</td></tr>`,
  );
  return h`<h3>Shards</h3>
<p id="shard-counts">Queue <code>${sq.name}</code> (listings of sharded sites, in parts): ${stateCounts(c)}</p>
${table('shards-running', h`<th>Site</th><th>Run</th><th>Shard</th><th>Worker host</th><th>PID</th><th>Started</th><th>Job</th>`, running, 'No shard running.')}
${failed.length ? table('shards-failed', h`<th>Site</th><th>Run</th><th>Shard</th><th>Error</th><th>Tries</th><th>Failed</th>`, failed, '') : ''}`;
}

function memberRow(m: MemberView): Html {
  const checks = m.checks.length
    ? join(m.checks.map((c) => h`<div class="check" data-site="${c.site}">${siteLink(c.site)} ${runLink(c.runId)} ${c.runId === undefined ? 'starting' : progress(c.progress)}</div>`))
    : h`<span class="sub">idle</span>`;
  return h`<tr data-member="${m.id}" class="${m.stale ? 'stale' : 'live'}"><td>${m.role}</td><td class="host">${m.host}</td><td class="pid">${m.pid}</td><td>${m.version}</td><td class="time">${formatTime(iso(m.startedMs))}</td>
<td class="time">${formatTime(iso(m.heartbeatMs))} <span class="sub">(${formatDuration(m.heartbeatAgeSeconds)} ago)</span>${m.stale ? h` <strong class="err">stale</strong>` : ''}</td><td class="num">${m.slots}</td><td>${checks}</td></tr>`;
}

function runningRow(r: RunningView): Html {
  return h`<tr data-run="${r.runId}" data-site="${r.site}"><td>${siteLink(r.site)}</td><td>${runLink(r.runId)}</td>${hostPid(r.owner)}<td>${progress(r.progress)}</td><td class="time">${formatTime(r.heartbeatAt)}${r.stale ? h` <strong class="err">stale</strong>` : ''}</td></tr>`;
}

function siteRow(s: SiteView): Html {
  return h`<tr data-site="${s.site}" class="fleet-${s.activity.replace(' ', '-')}"><td>${siteLink(s.site)}</td><td>${s.status}</td><td>${s.lockGroup || '–'}</td><td class="num">${s.everyHours ? `${s.everyHours} h` : '–'}</td>
<td>${s.last ? h`${runLink(s.last.runId)} <span class="sub">${formatTime(s.last.startedAt)}</span>` : 'never'}</td><td class="time">${s.status === 'disable' || s.activity === 'not checked' ? '–' : s.last ? formatTime(s.nextDueAt) : 'now'}</td><td>${s.activity}</td><td class="reason">${s.reason}</td></tr>`;
}

/** The fleet page: queue, members, runs in progress, and per site when it is due and why it waits. */
export function fleetBody(view: FleetView | undefined, problem: string | undefined): Html {
  if (!view) return h`<h1>Fleet</h1><p class="err" id="fleet-problem">${problem ?? 'no fleet configured'}</p>`;
  const mode = view.mode === 'distributed' ? h`distributed: checks run on workers through the queue` : h`embedded: checks run inside the daemon (no Queue configured)`;
  return h`<h1>Fleet</h1>
<p class="sub" id="fleet-mode" data-mode="${view.mode}">${mode} · MaxConcurrentChecks ${view.maxConcurrentChecks} · as of ${formatTime(view.at)} UTC</p>
${view.queue ? h`<h2>Queue</h2>${queueSection(view.queue)}` : ''}
<h2>Daemons and workers</h2>
${view.members.length ? h`<table id="members"><thead><tr><th>Role</th><th>Host</th><th>PID</th><th>Version</th><th>Started</th><th>Last heartbeat</th><th>Slots</th><th>Checks running</th></tr></thead><tbody>${join(view.members.map(memberRow))}</tbody></table>` : h`<p class="empty" id="members-none">No daemon or worker has reported: start <code>dynamo-consistency daemon</code> (and <code>worker</code>s with a Queue).</p>`}
<h2>Checks running</h2>
${view.running.length ? h`<table id="running"><thead><tr><th>Site</th><th>Run</th><th>Host</th><th>PID</th><th>Progress</th><th>Heartbeat</th></tr></thead><tbody>${join(view.running.map(runningRow))}</tbody></table>` : h`<p class="empty" id="running-none">No check is running.</p>`}
<h2>Sites</h2>
<table id="fleet-sites" class="sortable-table"><thead><tr><th data-type="text">Site</th><th data-type="text">State</th><th data-type="text">Lock group</th><th>Every</th><th>Last check</th><th data-type="text">Next due</th><th data-type="text">Activity</th><th>Why</th></tr></thead>
<tbody>${join(view.sites.map(siteRow))}</tbody></table>`;
}
