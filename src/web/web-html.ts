/**
 * HTML building where every interpolated value is escaped unless it is already `Html` built by
 * this module. File names come from storage and may hold `<script>`, quotes or `&`: they must
 * always render as text, so escaping is the default and there is no way to interpolate raw text.
 */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

type Part = Html | string | number | boolean | null | undefined | readonly Part[];

function render(v: Part): string {
  if (v === null || v === undefined || v === false) return '';
  if (v instanceof Html) return v.value;
  if (Array.isArray(v)) return v.map(render).join('');
  return escapeHtml(String(v));
}

/** Tagged template: `h\`<td>${name}</td>\`` escapes `name`; nested `h` results pass through. */
export function h(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1];
  return new Html(out);
}

export function join(parts: readonly Html[], sep = ''): Html {
  return new Html(parts.map((p) => p.value).join(sep));
}

/** A path segment of a URL built by us (site names, list keys). */
export const seg = encodeURIComponent;

export function page(opts: { title: string; body: Html; nav?: Html; loggedIn?: boolean; tokenConfigured?: boolean; csrf?: string; path?: string }): string {
  const auth = !opts.tokenConfigured
    ? h`<span class="ro" title="no Web.Token configured on the server">read-only</span>`
    : opts.loggedIn
      ? h`<form method="post" action="/logout" class="inline"><input type="hidden" name="csrf" value="${opts.csrf ?? ''}"><button type="submit">log out</button></form>`
      : h`<a href="/login?next=${seg(opts.path ?? '/')}">log in</a>`;
  return h`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${opts.title} · dynamo-consistency</title>
<link rel="stylesheet" href="/static/dashboard.css"><script src="/static/dashboard.js" defer></script></head>
<body><header><a class="brand" href="/">dynamo-consistency</a> <nav><a href="/">sites</a> <a href="/fleet">fleet</a> <a href="/help">explanations</a> <a href="/metrics">metrics</a> ${opts.nav ?? ''}</nav><span class="auth">${auth}</span></header>
<main>${opts.body}</main></body></html>`.value;
}

/**
 * A name too long to read on one screen (a directory chain past PATH_MAX) shows its start and
 * end; the whole name stays one click away, still as text.
 */
export function longText(text: string, max = 240): Html {
  if (text.length <= max) return h`${text}`;
  const part = Math.floor(max / 2) - 10;
  return h`<details class="long"><summary>${text.slice(0, part)} … ${text.slice(-part)} <span class="sub">(${text.length} characters)</span></summary>${text}</details>`;
}

export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(v >= 100 ? 0 : 1)} ${units[i]}`;
}

export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '–';
  const s = Math.round(seconds);
  if (s < 60) return seconds < 1 ? `${seconds.toFixed(2)} s` : seconds < 10 ? `${seconds.toFixed(1)} s` : `${s} s`;
  const d = Math.floor(s / 86400);
  const hh = Math.floor((s % 86400) / 3600);
  const mm = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${hh}h`;
  if (hh > 0) return `${hh}h ${String(mm).padStart(2, '0')}m`;
  return `${mm}m ${String(s % 60).padStart(2, '0')}s`;
}

/** `2024-05-01 12:34` in UTC: operators of many sites compare times across time zones. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '–';
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return iso;
  return new Date(t).toISOString().slice(0, 16).replace('T', ' ');
}

export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  return n.toLocaleString('en-US');
}
