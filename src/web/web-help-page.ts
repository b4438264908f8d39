import { h, join, type Html } from './web-html.ts';

type Entry = [id: string, term: string, text: string];

const COLUMNS: Entry[] = [
  ['last-update', 'Last update', 'When the latest run of the site finished (failed and halted runs count), or the latest heartbeat of a run in progress. Times are UTC.'],
  ['site', 'Site', 'The site name, linking to its page with every run and the charts. "log" opens the log of its latest run when one is kept (SITE_run<ID>.log, or SITE.log for the latest run, in WebDir); otherwise "run" opens the latest run.'],
  ['state', 'State', 'ready, halt or disable (whether the site is checked) and act or dry (whether results may be acted on). New sites start ready and dry.'],
  ['run-time', 'Run time', 'Duration of the latest finished run; for a running check the time since it started, with its progress from the heartbeat (phase, directories listed, files seen).'],
  ['files', 'Files', 'Files found by the listing of the latest finished run.'],
  ['directories', 'Directories', 'Directories listed by the latest finished run.'],
  ['unlisted', 'Unlisted (outside ignored)', 'Directories whose listing still failed after the retries; nothing at or below them is called missing or orphan. In brackets, those not below an IgnoreDirectories path.'],
  ['empty', 'Empty dirs', 'Old directories with no file anywhere below them (candidates for removal).'],
  ['missing', 'Missing', 'Settled inventory files absent from the listing, with their total size. "list" downloads them; "datasets" downloads them grouped by dataset and block, largest first.'],
  ['no-source', 'No disk source / unrecoverable', 'Missing files for which no other site holds a disk copy / no copy at all (written by the registry action as SITE_missing_nosite.txt and SITE_unrecoverable.txt). "–" when the site has no such list.'],
  ['orphan', 'Orphan', 'Old files on the storage that the inventory does not know in any state, with their total size.'],
  ['size-mismatch', 'Size mismatch', 'Files on both sides whose sizes differ. The gates count them as both missing and orphan.'],
  ['unmerged', 'Unmerged cleaned', 'Files the latest run removed from the unmerged area (check or daemon --unmerged; queued for deletion with the registry sink), with the .tar.gz log archives among them in brackets; "–" when that run did not clean the unmerged area.'],
];

const COLOURS: Entry[] = [
  ['c-running', 'running (green)', 'A check of the site is running now.'],
  ['c-long-running', 'running for over a day (yellow)', 'A check has been running for more than 24 hours.'],
  ['c-queued', 'queued (cyan)', 'Ready and idle, and next in line: never checked yet, or the ready site checked least recently (the one `check` picks next).'],
  ['c-stopped', 'halted or disabled (grey)', 'The site is halted (stopped, still picked later) or disabled (never picked until set ready).'],
  ['c-alert', 'needs a look (red)', 'The latest finished run went over a threshold (MaxMissing, MaxMissingFraction, MaxOrphan, MaxOrphanFraction, MaxUnlistedFraction), listed zero files, or the latest run failed.'],
];

const ATTENTION: Entry[] = [
  ['attention', 'Attention order', 'Sites whose latest run failed first, then sites held by a threshold gate or with zero files, then overdue sites (no finished run for Web.OverdueDays days, default 7, or never checked), then disabled, halted and running sites, then the rest; by name within each group.'],
  ['tabs', 'Tabs', '"in act" shows sites whose results may be acted on, "in dry" sites that only report, "all sites" both.'],
];

const GATES: Entry[] = [
  ['gate-MaxMissing', 'MaxMissing', 'More missing files (size mismatches included) than the site allows.'],
  ['gate-MaxMissingFraction', 'MaxMissingFraction', 'Missing files over settled inventory files above the allowed fraction.'],
  ['gate-MaxOrphan', 'MaxOrphan', 'More orphan files (size mismatches included) than the site allows.'],
  ['gate-MaxOrphanFraction', 'MaxOrphanFraction', 'Orphan files over listed files above the allowed fraction.'],
  ['gate-MaxUnlistedFraction', 'MaxUnlistedFraction', 'Too large a share of the settled inventory lies under unlisted directories: the listing is not trusted.'],
  ['gate-ZeroFilesListed', 'ZeroFilesListed', 'The listing found no file while the inventory expects some.'],
  ['gate-DryMode', 'DryMode', 'The site is in dry mode (or the run was started with --dry-run): lists only.'],
  ['gate-SiteNotReady', 'SiteNotReady', 'The site was halted or disabled.'],
];

const RUN: Entry[] = [
  ['steps', 'Steps', 'Time spent reading the inventory before the listing, listing, reading it again after, and comparing and writing the lists.'],
  ['trees', 'Lists as trees', 'Each list can be browsed directory by directory, with the number of entries below each directory, largest first, to see where the problem (or the wasted space) is. Names are shown as written in the lists: a control character appears escaped (\\n, \\t, \\xHH, \\\\).'],
  ['downloads', 'Downloads', 'Only the files a run writes for its site are served, from the site\'s WebDir (then VarLocation). The lists on disk are those of the latest finished run.'],
  ['controls', 'Controls', 'ready, halt, disable, act and dry change the site\'s state as `set-status` does. They need the token configured on the server (Web.Token or Web.TokenFile); without one the dashboard is read-only. Each change is recorded with its time and origin (web or api, and the client address).'],
  ['metrics', 'Metrics', '/metrics gives Prometheus gauges of each site\'s latest finished run (files, bytes, missing, orphan, size mismatches, empty and unlisted directories, run time, finish time), the unlisted directories of that run by error code, whether a check is running, and the site\'s state.'],
];

function section(title: string, entries: Entry[], swatch = false): Html {
  const items = entries.map(([id, term, text]) => h`<dt id="${id}">${swatch ? h`<span class="legend ${id}">${term}</span>` : term}</dt><dd>${text}</dd>`);
  return h`<section><h2>${title}</h2><dl class="help">${join(items)}</dl></section>`;
}

export function helpBody(): Html {
  return h`<h1>What the dashboard shows</h1>
<p>Every number comes from the history database; lists come from the site's data directory. A site with no finished run shows "–".</p>
${section('Summary columns', COLUMNS)}
<div id="colours">${section('Row colours', COLOURS, true)}</div>
${section('Ordering and tabs', ATTENTION)}
${section('Gates (why a run was not acted on)', GATES)}
${section('Run page, controls and metrics', RUN)}`;
}
