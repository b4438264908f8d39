import { resumeText } from '../check/check-checkpoint.ts';
import type { RunSummaryFile } from '../check/check-outputs.ts';
import type { CheckProgress } from '../check/check-types.ts';
import type { RunActions } from './web-data.ts';
import { LIST_KEYS, LIST_TITLES, TREE_KEYS, type ListKey } from './web-files.ts';
import { formatBytes, formatCount, formatDuration, formatTime, h, join, longText, seg, type Html } from './web-html.ts';
import { progressText } from './web-summary-page.ts';

export interface RunView {
  id: number;
  site: string;
  status: string;
  startedAt: string;
  finishedAt: string | null;
  heartbeatAt: string | null;
  error: string | null;
  duration: number;
  progress: Partial<CheckProgress> | null;
  summary: Partial<RunSummaryFile> | null;
  /** Lists on disk that belong to this run, with their download URLs. */
  lists: Partial<Record<ListKey, { href: string; size: number }>>;
  /** The run whose lists are on disk when they are not this run's. */
  listsOfRun: number | null;
  log: { href: string; size: number; tail: string; truncated: boolean } | null;
  actions: RunActions;
}

function timings(s: Partial<RunSummaryFile>): Html {
  const t = s.timings;
  if (!t) return h`<p class="empty">No timings recorded.</p>`;
  const steps: [string, number][] = [
    ['inventory before the listing', t.inventoryBefore],
    ['listing', t.listing],
    ['inventory after the listing', t.inventoryAfter],
    ['finalize (compare, write lists)', t.finalize],
  ];
  const total = t.total || steps.reduce((a, [, v]) => a + (v || 0), 0) || 1;
  const rows = steps.map(
    ([name, v]) => h`<tr><td>${name}</td><td class="num">${formatDuration(v)}</td><td class="barcell"><span class="bar w${Math.round(((v || 0) / total) * 20)}"></span></td></tr>`,
  );
  return h`<table class="timings" id="timings"><tbody>${join(rows)}<tr class="total"><td>total</td><td class="num">${formatDuration(t.total)}</td><td></td></tr></tbody></table>`;
}

function gates(s: Partial<RunSummaryFile>): Html {
  const g = s.gates;
  if (!g) return h`<p class="empty">No gate decision recorded.</p>`;
  if (g.held.length === 0) return h`<p class="ok" id="gates">Every gate passed: actions were allowed.</p>`;
  return h`<p id="gates">Actions were <b>held</b> by:</p><ul class="gates">${join(g.held.map((x) => h`<li><b>${x.gate}</b> — ${x.reason} <a class="help" href="/help#gate-${x.gate}">?</a></li>`))}</ul>`;
}

function numbers(s: Partial<RunSummaryFile>): Html {
  const rows: [string, string][] = [];
  if (s.listing) rows.push(['listed files', `${formatCount(s.listing.files)} (${formatBytes(s.listing.bytes)}), ${formatCount(s.listing.directories)} directories, ${formatCount(s.listing.newFiles)} new, ${formatCount(s.listing.retries)} retries`]);
  const resumed = resumeText(s.resume);
  if (resumed) rows.push(['listing resumed', resumed]);
  if (s.inventory) rows.push(['inventory files', `${formatCount(s.inventory.files)} (${formatBytes(s.inventory.bytes)}): ${formatCount(s.inventory.settled)} settled, ${formatCount(s.inventory.inFlux)} in flux`]);
  if (s.missing) rows.push(['missing', `${formatCount(s.missing.count)} (${formatBytes(s.missing.bytes)})`]);
  if (s.orphan) rows.push(['orphan', `${formatCount(s.orphan.count)} (${formatBytes(s.orphan.bytes)})`]);
  if (s.sizeMismatch) rows.push(['size mismatches', `${formatCount(s.sizeMismatch.count)} (${formatBytes(s.sizeMismatch.bytes)})`]);
  if (s.empty !== undefined) rows.push(['empty directories', s.emptyDirectoriesKnown === false ? 'not known for this storage' : formatCount(s.empty)]);
  if (s.unlisted) rows.push(['unlisted directories', `${formatCount(s.unlisted.count)} (${formatCount(s.unlisted.outsideIgnored)} outside ignored paths), ${formatCount(s.unlisted.settledFilesBelow)} settled inventory files below them`]);
  if (s.skipped) rows.push(['left alone', Object.entries(s.skipped).map(([k, v]) => `${k} ${formatCount(v)}`).join(', ')]);
  if (s.lister) rows.push(['lister / inventory', `${s.lister} / ${s.inventoryKind ?? ''}`]);
  if (s.url) rows.push(['storage URL', s.url]);
  return h`<table class="numbers"><tbody>${join(rows.map(([k, v]) => h`<tr><th>${k}</th><td>${v}</td></tr>`))}</tbody></table>`;
}

function tops(s: Partial<RunSummaryFile>): Html {
  if (!s.tops?.length) return h``;
  const rows = s.tops.map((t) => h`<tr><td class="name">${longText(t.lfn)}</td><td class="num">${formatCount(t.files)}</td><td class="num">${formatBytes(t.bytes)}</td><td>${t.unlisted ? 'unlisted' : ''}</td></tr>`);
  return h`<h2>Top directories</h2><table class="tops"><thead><tr><th>Directory</th><th>Files</th><th>Size</th><th></th></tr></thead><tbody>${join(rows)}</tbody></table>`;
}

function unlisted(s: Partial<RunSummaryFile>): Html {
  const dirs = s.unlisted?.dirs ?? [];
  if (!dirs.length) return h`<p class="ok">Every directory was listed.</p>`;
  const rows = dirs.map((d) => h`<tr><td class="name">${longText(d.lfn)}</td><td><code>${d.code}</code></td><td class="err">${longText(d.message)}</td><td class="num">${d.attempts}</td></tr>`);
  const more = (s.unlisted?.count ?? 0) > dirs.length ? h`<p class="sub">${formatCount(s.unlisted!.count - dirs.length)} more in the full list.</p>` : '';
  return h`<table class="unlisted" id="unlisted"><thead><tr><th>Directory</th><th>Error</th><th>Message</th><th>Attempts</th></tr></thead><tbody>${join(rows)}</tbody></table>${more}`;
}

function lists(run: RunView): Html {
  const items = LIST_KEYS.filter((k) => run.lists[k]).map((k) => {
    const l = run.lists[k]!;
    const tree = (TREE_KEYS as readonly string[]).includes(k) ? h` · <a href="/runs/${run.id}/lists/${k}">browse as a tree</a>` : '';
    return h`<li>${LIST_TITLES[k]}: <a class="download" data-list="${k}" href="${l.href}" download>download</a> <span class="sub">${formatBytes(l.size)}</span>${tree}</li>`;
  });
  const note =
    run.listsOfRun !== null && run.listsOfRun !== run.id
      ? h`<p class="warn">This run's lists were replaced by those of <a href="/runs/${run.listsOfRun}">run #${run.listsOfRun}</a>; only the latest finished run's lists are kept.</p>`
      : '';
  if (!items.length) return h`${note}<p class="empty">No list of this run is available.</p>`;
  return h`${note}<ul class="lists" id="lists">${join(items)}</ul>`;
}

function log(run: RunView): Html {
  if (!run.log) return h`<p class="empty">No log file for this run.</p>`;
  return h`<p><a href="${run.log.href}">full log</a> <span class="sub">${formatBytes(run.log.size)}</span></p>
<pre class="log" id="log">${run.log.truncated ? '…\n' : ''}${run.log.tail}</pre>`;
}

function actions(run: RunView): Html {
  const a = run.actions;
  if (!a.counts.length) return h`<p class="empty">No action was recorded for this run.</p>`;
  const total = a.counts.reduce((x, c) => x + c.n, 0);
  const counts = a.counts.map((c) => h`<tr><td>${c.sink}</td><td>${c.kind}</td><td>${c.outcome}</td><td class="num">${formatCount(c.n)}</td></tr>`);
  const rows = a.first.map((r) => h`<tr><td>${r.sink}</td><td>${r.kind}</td><td class="name">${longText(r.target)}</td><td>${r.outcome}</td><td class="err">${r.detail ?? ''}</td></tr>`);
  return h`<table class="action-counts" id="actions"><thead><tr><th>Sink</th><th>Kind</th><th>Outcome</th><th>Count</th></tr></thead><tbody>${join(counts)}</tbody></table>
<details><summary>${total > a.first.length ? `The first ${formatCount(a.first.length)} of ${formatCount(total)}` : `All ${formatCount(total)}`} actions</summary>
<table class="actions"><thead><tr><th>Sink</th><th>Kind</th><th>Target</th><th>Outcome</th><th>Detail</th></tr></thead><tbody>${join(rows)}</tbody></table></details>`;
}

export function runBody(run: RunView): Html {
  const s = run.summary ?? {};
  const running = run.status === 'running' ? h`<p class="progress">Running: ${progressText(run.progress)} (heartbeat ${formatTime(run.heartbeatAt)})</p>` : '';
  return h`<h1>Run #${run.id} of <a href="/sites/${seg(run.site)}">${run.site}</a></h1>
<p class="run-${run.status}">status <b>${run.status}</b> · started ${formatTime(run.startedAt)} · finished ${formatTime(run.finishedAt)} · ${formatDuration(run.duration || null)}</p>
${run.error ? h`<p class="err">${run.error}</p>` : ''}${running}
<section><h2>Steps</h2>${timings(s)}</section>
<section><h2>Gates</h2>${gates(s)}</section>
<section><h2>Numbers</h2>${numbers(s)}${tops(s)}</section>
<section><h2>Unlisted directories</h2>${unlisted(s)}</section>
<section><h2>Lists</h2>${lists(run)}</section>
<section><h2>Actions</h2>${actions(run)}</section>
<section><h2>Log</h2>${log(run)}</section>`;
}
