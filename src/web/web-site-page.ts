import type { SiteState } from '../core/site-state.ts';
import { lineChart } from './web-chart.ts';
import type { RunPoint, StateChange } from './web-data.ts';
import { formatBytes, formatCount, formatDuration, formatTime, h, join, seg, type Html } from './web-html.ts';

export const STATE_VALUES = ['ready', 'halt', 'disable', 'act', 'dry'] as const;
export type StateValue = (typeof STATE_VALUES)[number];

export interface Auth {
  tokenConfigured: boolean;
  loggedIn: boolean;
  csrf: string;
}

function controls(site: string, state: SiteState, auth: Auth, path: string): Html {
  if (!auth.tokenConfigured) return h`<p class="ro">Read-only: the server has no <code>Web.Token</code> configured, so states can only be changed with <code>set-status</code>.</p>`;
  if (!auth.loggedIn) return h`<p><a href="/login?next=${seg(path)}">Log in</a> to change the state.</p>`;
  const current = new Set([state.status, state.mode]);
  const buttons = STATE_VALUES.map(
    (v) => h`<button type="submit" name="value" value="${v}" class="state-${v}"${current.has(v) ? h` disabled` : ''}>${v}</button>`,
  );
  return h`<form method="post" action="/sites/${seg(site)}/state" class="controls" id="controls"><input type="hidden" name="csrf" value="${auth.csrf}">${join(buttons, ' ')}</form>`;
}

export function siteBody(site: string, state: SiteState, runs: RunPoint[], changes: StateChange[], auth: Auth, configured: boolean): Html {
  const done = runs.filter((r) => r.status === 'done');
  const series = (pick: (r: RunPoint) => number, fmt: (v: number) => string) =>
    done.map((r) => ({ t: Date.parse(r.startedAt), y: pick(r), label: fmt(pick(r)), href: `/runs/${r.id}` }));
  const charts = [
    lineChart('Files', series((r) => r.files, formatCount), formatCount, 'files'),
    lineChart('Missing', series((r) => r.missing, formatCount), formatCount, 'missing'),
    lineChart('Orphan', series((r) => r.orphan, formatCount), formatCount, 'orphan'),
    lineChart('Empty directories', series((r) => r.emptyDirs, formatCount), formatCount, 'empty'),
    lineChart('Unlisted directories', series((r) => r.unlisted, formatCount), formatCount, 'unlisted'),
    lineChart('Run time', series((r) => r.duration, formatDuration), formatDuration, 'duration'),
  ];
  const runRows = runs.map((r) => {
    // Only a finished run has numbers; a running, failed or halted one shows dashes.
    const n = (v: number, f: (x: number) => string = formatCount) => (r.status === 'done' ? f(v) : '–');
    return h`<tr class="run-${r.status}"><td data-v="${r.id}"><a href="/runs/${r.id}">#${r.id}</a></td><td>${formatTime(r.startedAt)}</td><td>${r.status}</td>
<td class="num" data-v="${r.duration}">${n(r.duration, formatDuration)}</td><td class="num" data-v="${r.files}">${n(r.files)}</td><td class="num">${n(r.bytes, formatBytes)}</td>
<td class="num">${n(r.missing)}</td><td class="num">${n(r.orphan)}</td><td class="num">${n(r.sizeMismatch)}</td><td class="num">${n(r.emptyDirs)}</td><td class="num">${n(r.unlisted)}</td>
<td>${r.gatesHeld.join(', ')}</td><td>${r.acted ? 'yes' : ''}</td><td class="err">${r.error ?? ''}</td></tr>`;
  });
  const live = runs[0]?.status === 'running' ? h`<p class="progress">A check is running since ${formatTime(runs[0].startedAt)}: <a href="/runs/${runs[0].id}">see its progress</a>.</p>` : '';
  const changeRows = changes.map((c) => h`<tr><td>${formatTime(c.at)}</td><td>${c.value}</td><td>${c.by}</td></tr>`);
  return h`<h1>Site ${site}</h1>
${configured ? '' : h`<p class="warn">This site is in the history but not in the configuration.</p>`}
<section class="state"><h2>State</h2>
<p id="state">status <b class="status-${state.status}">${state.status}</b>, mode <b>${state.mode}</b> — set ${formatTime(state.updatedAt)} by ${state.updatedBy}</p>
${live}
${controls(site, state, auth, `/sites/${seg(site)}`)}
${changes.length ? h`<details><summary>State changes made here (${changes.length})</summary><table class="changes"><thead><tr><th>When (UTC)</th><th>Value</th><th>By</th></tr></thead><tbody>${join(changeRows)}</tbody></table></details>` : ''}
</section>
<section><h2>Over time</h2><div class="charts">${join(charts)}</div></section>
<section><h2>Runs (${runs.length})</h2>
<table class="runs sortable-table" id="runs"><thead><tr><th data-type="num">Run</th><th data-type="text">Started (UTC)</th><th data-type="text">Status</th><th data-type="num">Run time</th><th data-type="num">Files</th><th>Bytes</th>
<th data-type="num">Missing</th><th data-type="num">Orphan</th><th data-type="num">Size mismatch</th><th data-type="num">Empty</th><th data-type="num">Unlisted</th><th>Gates held</th><th>Acted</th><th>Error</th></tr></thead>
<tbody>${join(runRows)}</tbody></table></section>`;
}
