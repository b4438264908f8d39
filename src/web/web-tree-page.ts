import { LIST_TITLES, type TreeKey } from './web-files.ts';
import { formatBytes, formatCount, h, join, longText, seg, type Html } from './web-html.ts';
import type { TreeLevel } from './web-tree.ts';

function dirHref(runId: number, key: TreeKey, dir: string): string {
  return `/runs/${runId}/lists/${key}?dir=${seg(dir)}`;
}

/** Breadcrumbs of `/store/mc/x`: each ancestor a link. Names are text, whatever they hold. */
function crumbs(runId: number, key: TreeKey, dir: string): Html {
  const parts = dir.split('/').filter(Boolean);
  const links = [h`<a href="${dirHref(runId, key, '')}">(top)</a>`];
  let acc = '';
  for (const p of parts) {
    acc += '/' + p;
    links.push(h`<a href="${dirHref(runId, key, acc)}">${p}</a>`);
  }
  return join(links, ' / ');
}

export function treeBody(site: string, runId: number, key: TreeKey, level: TreeLevel, download: string | undefined, withSizes: boolean): Html {
  const kids = level.children.map(
    (c) => h`<tr class="dir"><td class="name"><a href="${dirHref(runId, key, c.path)}">${c.name.length > 240 ? `${c.name.slice(0, 100)} … ${c.name.slice(-100)}` : c.name}/</a></td><td class="num" data-v="${c.count}">${formatCount(c.count)}</td>${withSizes ? h`<td class="num">${formatBytes(c.bytes)}</td>` : ''}</tr>`,
  );
  const entries = level.entries.map((e) => h`<tr class="entry"><td class="name">${longText(e.name)}</td><td class="num">1</td>${withSizes ? h`<td class="num">${formatBytes(e.bytes)}</td>` : ''}</tr>`);
  return h`<h1>${LIST_TITLES[key]} of run <a href="/runs/${runId}">#${runId}</a> (<a href="/sites/${seg(site)}">${site}</a>)</h1>
<p class="crumbs" id="crumbs">${crumbs(runId, key, level.dir)}</p>
<p>${formatCount(level.below)} of ${formatCount(level.total)} entries lie below this directory.${download ? h` <a class="download" href="${download}" download>Download the full list</a>.` : ''}</p>
<table class="tree sortable-table" id="tree"><thead><tr><th data-type="text">Name</th><th data-type="num">Entries below</th>${withSizes ? h`<th>Size</th>` : ''}</tr></thead>
<tbody>${join(kids)}${join(entries)}</tbody></table>
${level.entriesTruncated ? h`<p class="sub">Only the first ${formatCount(level.entries.length)} entries directly here are shown; download the list for all.</p>` : ''}
${!withSizes ? h`<p class="sub">Sizes are shown when the history holds them for this run's findings.</p>` : ''}`;
}
