import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { escapeHtml, formatBytes, formatDuration, h, longText } from '../../../src/web/web-html.ts';
import { safeNext } from '../../../src/web/web-auth.ts';

describe('HTML building', () => {
  it('escapes every interpolated value, in text and in attributes', () => {
    const name = `a"b'c&d<e>f`;
    assert.equal(h`<td title="${name}">${name}</td>`.value, '<td title="a&quot;b&#39;c&amp;d&lt;e&gt;f">a&quot;b&#39;c&amp;d&lt;e&gt;f</td>');
    assert.equal(escapeHtml('&amp;'), '&amp;amp;');
  });

  it('passes nested fragments through once, and arrays joined', () => {
    const inner = h`<b>${'<i>'}</b>`;
    assert.equal(h`<p>${inner}${[h`<br>`, 'x<']}</p>`.value, '<p><b>&lt;i&gt;</b><br>x&lt;</p>');
    assert.equal(h`${null}${undefined}${false}${0}`.value, '0');
  });

  it('folds very long names but keeps them whole and escaped', () => {
    const long = '<x>' + 'a'.repeat(1000);
    const out = longText(long).value;
    assert.ok(out.startsWith('<details'));
    assert.ok(out.includes('&lt;x&gt;' + 'a'.repeat(997)));
    assert.ok(!out.includes('<x>'));
  });

  it('formats sizes and durations for people', () => {
    assert.equal(formatBytes(999), '999 B');
    assert.equal(formatBytes(1500), '1.5 kB');
    assert.equal(formatBytes(2e12), '2.0 TB');
    assert.equal(formatDuration(0.04), '0.04 s');
    assert.equal(formatDuration(3725), '1h 02m');
    assert.equal(formatDuration(90000), '1d 1h');
  });

  it('only redirects to local paths after login', () => {
    assert.equal(safeNext('/sites/X'), '/sites/X');
    for (const bad of ['//evil.example/', 'https://evil.example/', '/\\evil', 'javascript:alert(1)', '/a\r\nSet-Cookie: x', undefined]) assert.equal(safeNext(bad), '/');
  });
});
