import { formatTime, h, join, type Html } from './web-html.ts';

export interface ChartPoint {
  t: number;
  y: number;
  label: string;
  href?: string;
}

const W = 360;
const H = 140;
const PAD = { left: 56, right: 10, top: 12, bottom: 24 };

/**
 * A small line chart drawn on the server as inline SVG: no script and nothing fetched, so it
 * shows under the strict content security policy and in a saved page. Each point carries a
 * tooltip and links to its run.
 */
export function lineChart(title: string, points: ChartPoint[], fmt: (v: number) => string, cls = ''): Html {
  const pts = [...points].sort((a, b) => a.t - b.t);
  if (pts.length === 0) return h`<figure class="chart ${cls}"><figcaption>${title}</figcaption><p class="empty">no finished run yet</p></figure>`;
  const t0 = pts[0].t;
  const t1 = pts[pts.length - 1].t;
  const yMax = Math.max(...pts.map((p) => p.y), 0);
  const yMin = Math.min(...pts.map((p) => p.y), 0);
  // A flat series (all zero, say) is drawn at the bottom of a 0..1 axis rather than in the middle.
  const top = yMax > yMin ? yMax : yMin + 1;
  const span = top - yMin;
  const x = (t: number) => PAD.left + (t1 === t0 ? (W - PAD.left - PAD.right) / 2 : ((t - t0) / (t1 - t0)) * (W - PAD.left - PAD.right));
  const y = (v: number) => PAD.top + (1 - (v - yMin) / span) * (H - PAD.top - PAD.bottom);
  const line = pts.map((p) => `${x(p.t).toFixed(1)},${y(p.y).toFixed(1)}`).join(' ');
  // Markers only when they stay readable; a year of daily runs is drawn as a line alone.
  const markers =
    pts.length <= 120
      ? pts.map((p) => {
          const dot = h`<circle cx="${x(p.t).toFixed(1)}" cy="${y(p.y).toFixed(1)}" r="2.5"><title>${formatTime(new Date(p.t).toISOString())}: ${p.label}</title></circle>`;
          return p.href ? h`<a href="${p.href}">${dot}</a>` : dot;
        })
      : [];
  const last = pts[pts.length - 1];
  return h`<figure class="chart ${cls}"><figcaption>${title} <span class="sub">last: ${last.label}</span></figcaption>
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${title} over time" data-points="${pts.length}">
<line class="axis" x1="${PAD.left}" y1="${H - PAD.bottom}" x2="${W - PAD.right}" y2="${H - PAD.bottom}"/>
<line class="axis" x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${H - PAD.bottom}"/>
<text class="tick" x="${PAD.left - 4}" y="${PAD.top + 4}" text-anchor="end">${fmt(top)}</text>
<text class="tick" x="${PAD.left - 4}" y="${H - PAD.bottom}" text-anchor="end">${fmt(yMin)}</text>
<text class="tick" x="${PAD.left}" y="${H - 6}">${formatTime(new Date(t0).toISOString()).slice(0, 10)}</text>
<text class="tick" x="${W - PAD.right}" y="${H - 6}" text-anchor="end">${formatTime(new Date(t1).toISOString()).slice(0, 10)}</text>
<polyline class="series" fill="none" points="${line}"/>
${join(markers)}
</svg></figure>`;
}
