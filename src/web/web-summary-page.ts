import type { CheckProgress } from '../check/check-types.ts';
import { formatBytes, formatCount, formatDuration, formatTime, h, join, seg, type Html } from './web-html.ts';
import type { SiteRow } from './web-site-rows.ts';

export type SummaryTab = 'all' | 'act' | 'dry';
export type SummaryOrder = 'attention' | 'site';

export function filterRows(rows: SiteRow[], tab: SummaryTab, order: SummaryOrder): SiteRow[] {
  const shown = tab === 'all' ? [...rows] : rows.filter((r) => r.mode === tab);
  if (order === 'attention') shown.sort((a, b) => a.attention - b.attention || (a.site < b.site ? -1 : 1));
  else shown.sort((a, b) => (a.site < b.site ? -1 : 1));
  return shown;
}

export function progressText(p: Partial<CheckProgress> | null | undefined): string {
  if (!p || !p.phase) return 'starting';
  const parts: string[] = [p.phase];
  if (p.dirsListed !== undefined) parts.push(`${formatCount(p.dirsListed)} dirs`);
  if (p.files !== undefined) parts.push(`${formatCount(p.files)} files`);
  if (p.unlisted) parts.push(`${formatCount(p.unlisted)} unlisted`);
  if (p.inventoryFiles) parts.push(`${formatCount(p.inventoryFiles)} in inventory`);
  return parts.join(' · ');
}

/** A numeric cell: the value to sort on in data-v, '–' when the site has no finished run. */
function numCell(v: number | null, shown?: string | Html, extra?: Html): Html {
  return h`<td class="num" data-v="${v ?? -1}">${v === null ? '–' : (shown ?? formatCount(v))}${extra ?? ''}</td>`;
}

function link(href: string | undefined, label: string): Html {
  return href ? h` <a class="dl" href="${href}">${label}</a>` : h``;
}

function row(r: SiteRow): Html {
  const lastRunHref = r.latestRun ? `/runs/${r.latestRun.id}` : undefined;
  const running = r.running
    ? h`<div class="progress" title="heartbeat ${formatTime(r.running.heartbeatAt)}">${r.running.stale ? '⚠ ' : ''}${progressText(r.running.progress)}</div>`
    : h``;
  const title = r.reasons.length ? r.reasons.join('; ') : '';
  return h`<tr class="c-${r.colour}" data-site="${r.site}" data-mode="${r.mode}" title="${title}">
<td class="time" data-v="${r.lastUpdate ?? ''}">${formatTime(r.lastUpdate)}</td>
<td data-v="${r.site}"><a href="/sites/${seg(r.site)}">${r.site}</a>${r.hasLog && r.latestRun ? link(`/runs/${r.latestRun.id}/log`, 'log') : link(lastRunHref, 'run')}${r.colour === 'alert' && r.reasons.length ? h`<div class="reason">${r.reasons[0]}</div>` : ''}</td>
<td data-v="${r.status}-${r.mode}">${r.status} · ${r.mode}</td>
<td class="num" data-v="${r.runTime ?? -1}">${formatDuration(r.runTime)}${running}</td>
${numCell(r.files)}
${numCell(r.directories)}
${numCell(r.unlisted, r.unlisted === null ? undefined : h`${formatCount(r.unlisted)}${r.unlistedOutsideIgnored !== null ? h` <span class="sub">(${formatCount(r.unlistedOutsideIgnored)})</span>` : ''}`, link(r.downloads.unlisted, 'list'))}
${numCell(r.empty, undefined, link(r.downloads.empty, 'list'))}
${numCell(r.missing, r.missing === null ? undefined : h`${formatCount(r.missing)} <span class="sub">${formatBytes(r.missingBytes)}</span>`, h`${link(r.downloads.missing, 'list')}${link(r.downloads.missingDatasets, 'datasets')}`)}
${numCell(r.noDiskSource, r.noDiskSource === null && r.unrecoverable === null ? undefined : h`${formatCount(r.noDiskSource)} / ${formatCount(r.unrecoverable)}`, h`${link(r.downloads.missingNoSite, 'list')}${link(r.downloads.unrecoverable, 'list')}`)}
${numCell(r.orphan, r.orphan === null ? undefined : h`${formatCount(r.orphan)} <span class="sub">${formatBytes(r.orphanBytes)}</span>`, link(r.downloads.orphan, 'list'))}
${numCell(r.sizeMismatch, undefined, link(r.downloads.sizeMismatch, 'list'))}
${numCell(r.unmergedCleaned, r.unmergedCleaned === null || !r.unmergedLogArchives ? undefined : h`${formatCount(r.unmergedCleaned)} <span class="sub">(${formatCount(r.unmergedLogArchives)} logs)</span>`)}
<td class="hidden" data-v="${r.attention}"></td>
</tr>`;
}

const COLUMNS: { label: string; type: 'text' | 'num'; help: string }[] = [
  { label: 'Last update', type: 'text', help: 'last-update' },
  { label: 'Site', type: 'text', help: 'site' },
  { label: 'State', type: 'text', help: 'state' },
  { label: 'Run time', type: 'num', help: 'run-time' },
  { label: 'Files', type: 'num', help: 'files' },
  { label: 'Directories', type: 'num', help: 'directories' },
  { label: 'Unlisted (outside ignored)', type: 'num', help: 'unlisted' },
  { label: 'Empty dirs', type: 'num', help: 'empty' },
  { label: 'Missing', type: 'num', help: 'missing' },
  { label: 'No disk source / unrecoverable', type: 'num', help: 'no-source' },
  { label: 'Orphan', type: 'num', help: 'orphan' },
  { label: 'Size mismatch', type: 'num', help: 'size-mismatch' },
  { label: 'Unmerged cleaned', type: 'num', help: 'unmerged' },
];

export function summaryBody(rows: SiteRow[], all: SiteRow[], tab: SummaryTab, order: SummaryOrder): Html {
  const count = (m: SummaryTab) => (m === 'all' ? all.length : all.filter((r) => r.mode === m).length);
  const tabs = (['all', 'act', 'dry'] as const).map(
    (t) => h`<a class="tab${t === tab ? ' active' : ''}" href="/?tab=${t}&amp;order=${order}" data-tab="${t}">${t === 'all' ? 'all sites' : `in ${t}`} (${count(t)})</a>`,
  );
  const orders = (['attention', 'site'] as const).map(
    (o) => h`<a class="order${o === order ? ' active' : ''}" href="/?tab=${tab}&amp;order=${o}">${o === 'attention' ? 'attention first' : 'by name'}</a>`,
  );
  const legend = (['running', 'long-running', 'queued', 'stopped', 'alert'] as const).map((c) => h`<span class="legend c-${c}">${c.replace('-', ' ')}</span>`);
  const head = COLUMNS.map((c, i) => h`<th data-col="${i}" data-type="${c.type}" class="sortable">${c.label} <a class="help" href="/help#${c.help}" title="what this column means">?</a></th>`);
  return h`<h1>Sites</h1>
<div class="toolbar"><span class="tabs">${join(tabs)}</span><span class="orders">order: ${join(orders, ' · ')} <button type="button" id="sort-attention" data-col="${COLUMNS.length}">attention</button></span>
<span class="legends">${join(legend)} <a href="/help#colours">colours?</a></span></div>
<div class="scroll"><table id="sites" class="sites"><thead><tr>${join(head)}<th class="hidden" data-col="${COLUMNS.length}" data-type="num">attention</th></tr></thead>
<tbody>${join(rows.map(row))}</tbody></table></div>
${rows.length === 0 ? h`<p class="empty">No site in this tab.</p>` : ''}`;
}
