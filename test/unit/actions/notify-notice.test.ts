import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildRunNotice, noticeHeadline, noticeText, scrubSecrets, type NoticeInput } from '../../../src/actions/notify/notify-notice.ts';
import { smtpTarget } from '../../../src/actions/notify/notify-mail.ts';
import { httpTarget } from '../../../src/actions/webhook/webhook-post.ts';
import { loadConfig, siteConfig } from '../../../src/config/config-loader.ts';
import { healthySummary } from '../../helpers/check-harness.ts';

const input = (o: Partial<NoticeInput>): NoticeInput => ({ site: 'T2_XX_Y', runId: 7, status: 'done', dashboardUrl: '', host: 'h', pid: 1, now: new Date(0), ...o });

describe('which runs make a notice', () => {
  it('a failed run does, with its error', () => {
    const n = buildRunNotice(input({ status: 'failed', error: { code: 'IO', message: 'every top directory is unlisted' } }));
    assert.equal(n?.reason, 'failed');
    assert.deepEqual(n?.error, { code: 'IO', message: 'every top directory is unlisted' });
    assert.equal(noticeHeadline(n!), 'T2_XX_Y: run 7 failed (IO)');
  });

  it('a run held by a data gate does, with the gates and counts', () => {
    const summary = { ...healthySummary(), gates: { act: false, held: [{ gate: 'MaxOrphan' as const, reason: '5 orphan > MaxOrphan 1' }, { gate: 'DryMode' as const, reason: 'the site is in dry mode' }] } };
    const n = buildRunNotice(input({ summary, dashboardUrl: 'https://dc.example.org/' }))!;
    assert.equal(n.reason, 'held');
    assert.equal(n.counts?.orphan, 5);
    assert.equal(n.dashboard, 'https://dc.example.org/runs/7');
    assert.equal(noticeHeadline(n), 'T2_XX_Y: run 7 held by MaxOrphan');
    assert.match(noticeText(n), /MaxOrphan: 5 orphan > MaxOrphan 1\n {2}DryMode: the site is in dry mode/);
  });

  it('a run held only by the site\'s own state, a clean run and a halted run do not', () => {
    const dry = { ...healthySummary(), gates: { act: false, held: [{ gate: 'DryMode' as const, reason: 'dry' }, { gate: 'SiteNotReady' as const, reason: 'halted' }] } };
    assert.equal(buildRunNotice(input({ summary: dry })), undefined);
    assert.equal(buildRunNotice(input({ summary: { ...healthySummary(), gates: { act: true, held: [] } } })), undefined);
    assert.equal(buildRunNotice(input({ status: 'halted', error: { code: 'ABORTED', message: 'stopped by signal' } })), undefined);
  });
});

describe('secrets', () => {
  it('httpTarget moves the URL\'s user and password to a Basic header and names only origin and path', () => {
    const t = httpTarget('https://u:p%40ss-word@hooks.example.org:8443/notice/x?key=abcdef&z=1')!;
    assert.equal(t.url.href, 'https://hooks.example.org:8443/notice/x?key=abcdef&z=1');
    assert.equal(t.where, 'https://hooks.example.org:8443/notice/x');
    assert.equal(t.basic, `Basic ${Buffer.from('u:p@ss-word').toString('base64')}`);
    assert.deepEqual(t.secrets, ['p@ss-word', 'abcdef']);
    assert.equal(httpTarget('ftp://x/'), undefined);
    assert.equal(httpTarget('not a url'), undefined);
  });

  it('smtpTarget keeps the credentials for the transport and out of `where`', () => {
    const t = smtpTarget('smtp://mailer:s3cret-pw@mail.example.org:587');
    assert.deepEqual([t.host, t.port, t.secure, t.auth?.user, t.auth?.pass, t.where], ['mail.example.org', 587, false, 'mailer', 's3cret-pw', 'smtp://mail.example.org:587']);
    assert.equal(smtpTarget('smtps://mail.example.org').port, 465);
    assert.equal(smtpTarget('smtp://localhost').port, 25);
    assert.throws(() => smtpTarget('http://x'), /SmtpUrl must start with smtp:\/\/ or smtps:\/\//);
  });

  it('scrubSecrets hides known secrets and any URL password', () => {
    assert.equal(scrubSecrets('failed: token abcd-1234 at mysql://dc:hunter22@db/x', ['abcd-1234']), 'failed: token *** at mysql://dc:***@db/x');
  });
});

describe('the notice keys in a configuration', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'dc-notify-keys-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const load = (body: Record<string, unknown>) => {
    const f = join(dir, 'c.json');
    writeFileSync(f, JSON.stringify({ Sites: { T2_A: { Url: 'file:///x' } }, ...body }));
    return loadConfig(f, {});
  };

  it('reads NotifyUrl, Email, SmtpUrl and DashboardUrl, per site too, with defaults that send nothing', () => {
    const none = siteConfig(load({}), 'T2_A');
    assert.deepEqual([none.NotifyUrl, none.Email.Recipients, none.SmtpUrl], ['', [], 'smtp://localhost:25']);
    const c = load({ NotifyUrl: 'https://h.example.org/n', Email: { Sender: 'dc@example.org', Recipients: ['ops@example.org'] }, SmtpUrl: 'smtps://mail.example.org:465', Sites: { T2_A: { Url: 'file:///x', DashboardUrl: 'https://dc.example.org/' } } });
    const s = siteConfig(c, 'T2_A');
    assert.deepEqual([s.NotifyUrl, s.Email.Sender, s.Email.Recipients, s.SmtpUrl, s.DashboardUrl], ['https://h.example.org/n', 'dc@example.org', ['ops@example.org'], 'smtps://mail.example.org:465', 'https://dc.example.org/']);
  });

  it('names the key of a bad value', () => {
    assert.throws(() => load({ NotifyUrl: 'mailto:x@y' }), /key "NotifyUrl": an http:\/\/ or https:\/\/ URL/);
    assert.throws(() => load({ SmtpUrl: 'localhost:25' }), /key "SmtpUrl": an smtp:\/\/ or smtps:\/\/ URL/);
    assert.throws(() => load({ Email: { Sender: 'nobody', Recipients: [] } }), /key "Email\.Sender": an e-mail address/);
    assert.throws(() => load({ Email: { Sender: 'a@b.org', Recipients: ['ops'] } }), /key "Email\.Recipients\.0": an e-mail address/);
    assert.throws(() => load({ Email: { Sender: 'a@b.org', Recipients: [], Cc: [] } }), /unknown key "Email\.Cc"/);
  });
});
