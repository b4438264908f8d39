/**
 * Issue 14 point 6, the failure notice, as a user runs it: `check` and the embedded `daemon` post a
 * failed run, and a run whose actions a data gate held, to NotifyUrl (a local HTTP server) and mail
 * it through SmtpUrl (a local smtp-server with AUTH) to Email.Recipients; a clean run (held only by
 * the site's dry mode) makes none. No credential of the URL, the token file or the SMTP server
 * appears in a notice, a mail, a log line or a run log. A receiver that cannot be reached changes
 * nothing of the run's outcome and is logged.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { removeTree } from '../../../src/demo/demo-site.ts';
import { runCli } from '../../helpers/run-cli.ts';
import { CliProcess, makePosixSite, waitFor } from '../fleet/fleet-fixture.ts';
import { startHttpReceiver, startSmtpReceiver, type HttpReceiver, type SmtpReceiver } from './notify-servers.ts';
import { freePort } from '../../servers/free-port.ts';

const SMTP_USER = 'notifier';
const SMTP_PASSWORD = 'smtp-Pa55word-7f3a';
const URL_USER = 'hookuser';
const URL_PASSWORD = 'url-Pa55word-91c2';
const QUERY_KEY = 'query-Secret-44d1';
const TOKEN = 'tok-Secret-b6e0-0a77';
const SECRETS = [SMTP_PASSWORD, URL_PASSWORD, QUERY_KEY, TOKEN];

const FAIL = 'T2_AA_Fail';
const HELD = 'T2_BB_Held';
const CLEAN = 'T2_CC_Clean';
const SENDER = 'consistency@example.org';
const RECIPIENTS = ['ops@example.org', 'site-admins@example.org'];

let root: string;
let smtp: SmtpReceiver;
let http: HttpReceiver;
let sites: Record<string, Record<string, unknown>>;

function assertNoSecret(text: string, where: string): void {
  for (const s of SECRETS) assert.ok(!text.includes(s), `${where} holds a secret (${s.slice(0, 8)}…)`);
}

/** Every run log and summary the runs of `dir` wrote: they must be as clean as stderr. */
function runFiles(dir: string): string {
  const var_ = join(dir, 'var');
  return readdirSync(var_)
    .filter((f) => f.endsWith('.log') || f.endsWith('.json'))
    .map((f) => readFileSync(join(var_, f), 'utf8'))
    .join('\n');
}

function events(stderr: string, event: string): Record<string, unknown>[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((e) => e.event === event);
}

/** A configuration in its own directory (var/, www/ of its own) over the shared sites and inventories. */
function writeConfig(name: string, body: Record<string, unknown>): { dir: string; file: string } {
  const dir = join(root, name);
  const file = join(root, `${name}.json`);
  writeFileSync(
    file,
    JSON.stringify({ DirectoryList: ['mc'], Retries: 0, VarLocation: `${name}/var`, WebDir: `${name}/www`, Inventory: { Type: 'dump', Path: 'inv/{site}.txt', Format: 'lfn-size' }, Sites: sites, ...body }, null, 2),
  );
  return { dir, file };
}

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'dc-notify-'));
  smtp = await startSmtpReceiver(SMTP_USER, SMTP_PASSWORD);
  http = await startHttpReceiver();
  makePosixSite(root, FAIL);
  const held = makePosixSite(root, HELD);
  // One settled file the storage does not hold: missing, above MaxMissing 0.
  appendFileSync(join(root, 'inv', `${HELD}.txt`), '/store/mc/Era/Prim/TIER/Proc-v1/0000/lost.root 9\n');
  const clean = makePosixSite(root, CLEAN);
  writeFileSync(join(root, 'token'), `${TOKEN}\n`);
  sites = {
    // A storage root that does not exist: every top directory unlisted, the run fails.
    [FAIL]: { Url: pathToFileURL(join(root, 'sites', 'nowhere')).href, NotifyTokenFile: '' },
    [HELD]: { ...held, MaxMissing: 0 },
    [CLEAN]: clean,
  };
});

after(async () => {
  await smtp?.close();
  await http?.close();
  if (root) removeTree(root);
});

/** Keys of a configuration whose receivers are up: the failing site posts with the URL's user and password, the others with the token. */
function liveKeys(): Record<string, unknown> {
  return {
    NotifyUrl: `http://${URL_USER}:${URL_PASSWORD}@127.0.0.1:${http.port}/notice?key=${QUERY_KEY}`,
    NotifyTokenFile: join(root, 'token'),
    Email: { Sender: SENDER, Recipients: RECIPIENTS },
    SmtpUrl: `smtp://${SMTP_USER}:${SMTP_PASSWORD}@127.0.0.1:${smtp.port}`,
    DashboardUrl: 'https://dc.example.org/consistency/',
  };
}

describe('the failure notice', { timeout: 240_000 }, () => {
  it('check: a failed run is posted and mailed with its error, credentials in headers only, no secret anywhere', async () => {
    const { dir, file } = writeConfig('check', liveKeys());
    const r = await runCli(['check', '--site', FAIL, '--config', file], { cwd: root });
    assert.equal(r.code, 1, r.stderr.slice(-2000));
    assert.equal(http.posts.length, 1, r.stderr.slice(-2000));
    const post = http.posts[0];
    const n = post.body;
    assert.equal(n.kind, 'dynamo-consistency.run-notice');
    assert.equal(n.site, FAIL);
    assert.equal(n.status, 'failed');
    assert.equal(n.reason, 'failed');
    const runId = n.runId as number;
    assert.ok(Number.isInteger(runId) && runId > 0);
    const error = n.error as { code: string; message: string };
    assert.equal(error.code, 'IO');
    assert.match(error.message, /every top directory is unlisted/);
    assert.equal((n.counts as { listedFiles: number }).listedFiles, 0);
    assert.equal(n.dashboard, `https://dc.example.org/consistency/runs/${runId}`);
    assert.equal(typeof n.host, 'string');
    // The URL's user and password travel as Basic credentials, its query to the receiver only.
    assert.equal(post.authorization, `Basic ${Buffer.from(`${URL_USER}:${URL_PASSWORD}`).toString('base64')}`);
    assert.equal(post.path, `/notice?key=${QUERY_KEY}`);
    assert.match(post.idempotencyKey ?? '', /^[0-9a-f]{32}$/);

    assert.equal(smtp.mails.length, 1);
    const mail = smtp.mails[0];
    assert.equal(mail.user, SMTP_USER, 'the mail was sent with the SMTP credentials of SmtpUrl');
    assert.equal(mail.from, SENDER);
    assert.deepEqual(mail.to, RECIPIENTS);
    assert.match(mail.subject, new RegExp(`${FAIL}: run ${runId} failed \\(IO\\)`));
    assert.match(mail.text, /every top directory is unlisted/);
    assert.match(mail.text, new RegExp(`Run page: https://dc.example.org/consistency/runs/${runId}`));

    assertNoSecret(post.text, 'the posted notice');
    assertNoSecret(mail.raw, 'the mail');
    assertNoSecret(r.stderr, 'the log');
    assertNoSecret(runFiles(dir), 'the run logs and summaries');
    const sent = events(r.stderr, 'notice-sent');
    assert.deepEqual(sent.map((e) => e.channel).sort(), ['mail', 'url']);
  });

  it('check: a run held by a data gate is posted with its gates and counts; a clean run notifies nobody', async () => {
    const { dir, file } = writeConfig('check2', liveKeys());
    const [posts, mails] = [http.posts.length, smtp.mails.length];
    const held = await runCli(['check', '--site', HELD, '--config', file], { cwd: root });
    assert.equal(held.code, 0, held.stderr.slice(-2000));
    assert.equal(http.posts.length, posts + 1);
    const n = http.posts.at(-1)!.body;
    assert.equal(n.site, HELD);
    assert.equal(n.status, 'done');
    assert.equal(n.reason, 'held');
    assert.equal(n.error, undefined);
    const gates = n.gates as { act: boolean; held: { gate: string; reason: string }[] };
    assert.equal(gates.act, false);
    assert.ok(gates.held.some((g) => g.gate === 'MaxMissing' && /1 missing > MaxMissing 0/.test(g.reason)), JSON.stringify(gates));
    assert.deepEqual(n.counts, { listedFiles: 3, settledFiles: 4, missing: 1, orphan: 0, sizeMismatch: 0, unlistedDirectories: 0, emptyDirectories: 0 });
    assert.equal(http.posts.at(-1)!.authorization, `Bearer ${TOKEN}`, 'NotifyTokenFile gives the bearer token');
    assert.equal(smtp.mails.length, mails + 1);
    const mail = smtp.mails.at(-1)!;
    assert.match(mail.subject, new RegExp(`${HELD}: run ${n.runId} held by MaxMissing`));
    assert.match(mail.text, /MaxMissing: 1 missing > MaxMissing 0/);
    assert.match(mail.text, /missing 1, orphan 0/);
    assertNoSecret(http.posts.at(-1)!.text, 'the posted notice');
    assertNoSecret(mail.raw, 'the mail');
    assertNoSecret(held.stderr, 'the log');

    // A new site is in dry mode: its run is held by DryMode only, which is the operator's choice.
    const clean = await runCli(['check', '--site', CLEAN, '--config', file], { cwd: root });
    assert.equal(clean.code, 0, clean.stderr.slice(-2000));
    assert.equal(http.posts.length, posts + 1, 'a clean run posts nothing');
    assert.equal(smtp.mails.length, mails + 1, 'a clean run mails nothing');
    assert.deepEqual(events(clean.stderr, 'notice-sent'), []);
    assertNoSecret(runFiles(dir), 'the run logs and summaries');
  });

  it('daemon: the embedded daemon notifies as check does (failed and held, not clean)', async () => {
    const { dir, file } = writeConfig('daemon', { ...liveKeys(), CheckEvery: 1, MaxConcurrentChecks: 3 });
    const [posts, mails] = [http.posts.length, smtp.mails.length];
    const daemon = new CliProcess(['daemon', '--config', file], root);
    try {
      await waitFor('three runs and two notices', async () => events(daemon.stderr, 'fleet-check-finished').length === 3 && http.posts.length >= posts + 2 && smtp.mails.length >= mails + 2, 90_000);
      // The clean run may end last: give a notice it should not send the time to arrive.
      await new Promise((r) => setTimeout(r, 1000));
    } finally {
      const s = await daemon.stop('SIGTERM');
      assert.equal(s.code, 0, daemon.stderr.slice(-3000));
    }
    const noticed = http.posts.slice(posts).map((p) => `${p.body.site} ${p.body.reason}`).sort();
    assert.deepEqual(noticed, [`${FAIL} failed`, `${HELD} held`]);
    assert.deepEqual(smtp.mails.slice(mails).map((m) => m.subject.match(/T2_\w+/)?.[0]).sort(), [FAIL, HELD]);
    assertNoSecret(daemon.stderr, 'the daemon log');
    assertNoSecret(runFiles(dir), 'the run logs and summaries');
  });

  it('receivers that cannot be reached: the outcome is unchanged, each channel logs notice-failed, no secret', async () => {
    const [httpPort, smtpPort] = [await freePort(), await freePort()];
    const { dir, file } = writeConfig('down', {
      ...liveKeys(),
      NotifyUrl: `http://${URL_USER}:${URL_PASSWORD}@127.0.0.1:${httpPort}/notice?key=${QUERY_KEY}`,
      SmtpUrl: `smtp://${SMTP_USER}:${SMTP_PASSWORD}@127.0.0.1:${smtpPort}`,
    });
    const [posts, mails] = [http.posts.length, smtp.mails.length];
    const failed = await runCli(['check', '--site', FAIL, '--config', file], { cwd: root });
    assert.equal(failed.code, 1, 'a failed run still exits 1');
    assert.match(String(events(failed.stderr, 'check-failed')[0]?.error), /every top directory is unlisted/);
    const held = await runCli(['check', '--site', HELD, '--config', file], { cwd: root });
    assert.equal(held.code, 0, `a held run still exits 0: ${held.stderr.slice(-2000)}`);
    for (const r of [failed, held]) {
      const lines = events(r.stderr, 'notice-failed');
      assert.deepEqual(lines.map((e) => e.channel).sort(), ['mail', 'url'], r.stderr.slice(-2000));
      const url = lines.find((e) => e.channel === 'url')!;
      assert.equal(url.to, `http://127.0.0.1:${httpPort}`);
      assert.match(String(url.error), /ECONNREFUSED.*gave up after 3 attempts/);
      const mail = lines.find((e) => e.channel === 'mail')!;
      assert.equal(mail.to, `smtp://127.0.0.1:${smtpPort}`);
      assert.equal(mail.attempts, 3);
      assertNoSecret(r.stderr, 'the log');
    }
    assert.equal(http.posts.length, posts);
    assert.equal(smtp.mails.length, mails);
    assertNoSecret(runFiles(dir), 'the run logs and summaries');
    const summary = JSON.parse(readFileSync(join(dir, 'var', `${HELD}_summary.json`), 'utf8'));
    assert.ok(summary.gates.held.some((g: { gate: string }) => g.gate === 'MaxMissing'));
  });
});
