/**
 * The page's stylesheet and script, served from /static. Plain CSS and vanilla JavaScript kept
 * here as strings: no build step, nothing fetched from elsewhere, and the strict content security
 * policy (no inline script or style) holds.
 */
const widths = Array.from({ length: 21 }, (_, i) => `.bar.w${i}{width:${i * 10}px}`).join('');

export const DASHBOARD_CSS = `
*{box-sizing:border-box}
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d232a;background:#fafbfc}
header{display:flex;gap:1.5em;align-items:center;padding:.5em 1em;background:#23313f;color:#fff}
header a{color:#d7e6f5;text-decoration:none;margin-right:1em}header .brand{font-weight:600;color:#fff}
header .auth{margin-left:auto}header button{font:inherit}
main{padding:1em 1.5em}
h1{font-size:1.4em;margin:.2em 0 .6em}h2{font-size:1.1em;margin:1.2em 0 .4em}
table{border-collapse:collapse;background:#fff}
th,td{border:1px solid #d8dee4;padding:.25em .5em;vertical-align:top}
th{background:#eef2f6;text-align:left;white-space:nowrap}
table.sites{font-size:.92em}table.sites th{white-space:normal;vertical-align:bottom;max-width:9em}
th.sortable,table.sortable-table th[data-type]{cursor:pointer}
th.sorted-asc::after{content:" ▲"}th.sorted-desc::after{content:" ▼"}
td.num{text-align:right;white-space:nowrap}
td.name{font-family:ui-monospace,monospace;word-break:break-all}
.hidden{display:none}
.sub{color:#5b6670;font-size:.9em}
a.dl{font-size:.85em;color:#0b5cad}
a.help{font-size:.8em;color:#5b6670;text-decoration:none}
.progress{font-size:.85em;color:#1f5d1f;white-space:normal;min-width:12em}
.scroll{overflow-x:auto}
.reason{font-size:.8em;color:#7a1a14;max-width:16em}
td.time{white-space:nowrap}
details.long summary{cursor:pointer}
.bar{display:inline-block;height:10px;background:#4a78a8}
${widths}
.tabs a,.orders a{margin-right:.8em}
.tab.active,.order.active{font-weight:700;text-decoration:none;color:#000}
.toolbar{display:flex;gap:2em;align-items:center;margin-bottom:.6em;flex-wrap:wrap}
.legend{display:inline-block;padding:0 .4em;margin-right:.3em;border:1px solid #c8cfd6;border-radius:3px}
tr.c-running td,.legend.c-running{background:#c9f2c9}
tr.c-long-running td,.legend.c-long-running{background:#fbf1a9}
tr.c-queued td,.legend.c-queued{background:#c8f1f5}
tr.c-stopped td,.legend.c-stopped{background:#dcdcdc;color:#444}
tr.c-alert td,.legend.c-alert{background:#f8c9c6}
.charts{display:flex;flex-wrap:wrap;gap:1em}
figure.chart{margin:0;background:#fff;border:1px solid #d8dee4;padding:.4em}
figure.chart figcaption{font-weight:600}
svg .axis{stroke:#8a96a3;stroke-width:1}
svg .series{stroke:#2767a8;stroke-width:1.6}
svg circle{fill:#2767a8}
figure.missing svg .series{stroke:#b3261e}figure.missing svg circle{fill:#b3261e}
figure.orphan svg .series{stroke:#a05a00}figure.orphan svg circle{fill:#a05a00}
svg .tick{font-size:10px;fill:#5b6670}
.err{color:#a1140c}
.warn{background:#fff4d0;padding:.3em .6em;border:1px solid #e6cf7d}
.ok{color:#1f5d1f}
.ro{color:#5b6670}
.controls button{font:inherit;padding:.3em .9em;margin-right:.3em;cursor:pointer}
.controls button:disabled{opacity:.5;cursor:default}
button.state-halt,button.state-disable{border:1px solid #a1140c}
pre.log,pre.actions{background:#111;color:#ddd;padding:.6em;max-height:30em;overflow:auto;white-space:pre-wrap;word-break:break-all}
dl.help dt{font-weight:600;margin-top:.6em}dl.help dd{margin-left:1.5em}
form.inline{display:inline}
.login{max-width:28em}.login input{width:100%;padding:.4em;font:inherit}
table.numbers th{text-align:left;font-weight:600}
`;

export const DASHBOARD_JS = `
'use strict';
(function () {
  function cellValue(row, col, type) {
    var cell = row.cells[col];
    if (!cell) return type === 'num' ? -Infinity : '';
    var v = cell.hasAttribute('data-v') ? cell.getAttribute('data-v') : cell.textContent.trim();
    if (type === 'num') { var n = parseFloat(String(v).replace(/[^0-9.eE+-]/g, '')); return isNaN(n) ? -Infinity : n; }
    return String(v).toLowerCase();
  }
  function sortTable(table, col, type, dir) {
    var body = table.tBodies[0];
    if (!body) return;
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a, col, type), y = cellValue(b, col, type);
      var r = x < y ? -1 : x > y ? 1 : 0;
      return dir === 'desc' ? -r : r;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
      th.classList.remove('sorted-asc', 'sorted-desc');
      if (i === col) th.classList.add('sorted-' + dir);
    });
    table.setAttribute('data-sorted', col + ':' + dir);
  }
  function wire(table) {
    var head = table.tHead && table.tHead.rows[0];
    if (!head) return;
    Array.prototype.forEach.call(head.cells, function (th, i) {
      if (!th.hasAttribute('data-type')) return;
      th.addEventListener('click', function (ev) {
        if (ev.target && ev.target.tagName === 'A') return;
        var dir = th.classList.contains('sorted-asc') ? 'desc' : 'asc';
        sortTable(table, i, th.getAttribute('data-type'), dir);
      });
    });
  }
  document.addEventListener('DOMContentLoaded', function () {
    Array.prototype.forEach.call(document.querySelectorAll('table.sites, table.sortable-table'), wire);
    var att = document.getElementById('sort-attention');
    var sites = document.getElementById('sites');
    if (att && sites) att.addEventListener('click', function () {
      sortTable(sites, Number(att.getAttribute('data-col')), 'num', 'asc');
    });
  });
})();
`;
