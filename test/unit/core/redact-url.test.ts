import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { redactUrl } from '../../../src/core/redact-url.ts';

describe('redactUrl', () => {
  it('hides the password of the user part, keeps the user and the rest', () => {
    assert.equal(redactUrl('mysql://dynamo:s3cr3t@db.example.org:3306/dynamo'), 'mysql://dynamo:***@db.example.org:3306/dynamo');
    assert.equal(redactUrl('redis://:pw@127.0.0.1:6379/0'), 'redis://:***@127.0.0.1:6379/0');
    assert.equal(redactUrl('postgres://dc@db/dc'), 'postgres://dc@db/dc');
  });

  it('hides credential-like query parameters, in https, root:// and S3-signed URLs', () => {
    assert.equal(redactUrl('https://site.example/dump-{date}.tsv?access_token=eyJhbGciOi.abc&x=1'), 'https://site.example/dump-{date}.tsv?access_token=***&x=1');
    assert.equal(redactUrl('root://xrd.example:1094//store/accounting/T2-20261201.tsv?authz=Bearer%20abc'), 'root://xrd.example:1094//store/accounting/T2-20261201.tsv?authz=***');
    assert.equal(
      redactUrl('https://s3.example/b/k?X-Amz-Algorithm=AWS4&X-Amz-Credential=AKIA%2F20261201&X-Amz-Signature=deadbeef&X-Amz-Security-Token=tok'),
      'https://s3.example/b/k?X-Amz-Algorithm=AWS4&X-Amz-Credential=***&X-Amz-Signature=***&X-Amz-Security-Token=***',
    );
    assert.equal(redactUrl('https://a.example/x?sig=abc&sv=2020&key=k&password=p&Api_Key=q'), 'https://a.example/x?sig=***&sv=2020&key=***&password=***&Api_Key=***');
  });

  it('leaves paths alone, even with @ or : in them, and URLs without credentials unchanged', () => {
    for (const u of ['root://xrd.example:1094//store/user/a@b/c.root', 'https://host:8443/store/x:y?page=2&date=20261201', 'file:///tmp/site', 'not a url at all']) assert.equal(redactUrl(u), u);
  });

  it('hides both in one URL and within a longer message', () => {
    assert.equal(redactUrl('fetching https://u:p@h.example/d?token=t failed'), 'fetching https://u:***@h.example/d?token=*** failed');
  });
});

describe('scrubSecrets (every log line)', () => {
  it('hides credential-named fields and URLs with credentials at any depth, without changing the input', async () => {
    const { scrubSecrets } = await import('../../../src/core/redact-url.ts');
    const fields = {
      site: 'T2_A',
      error: 'GET https://h.example/d.tsv?access_token=abc failed: HTTP 500',
      url: 'mysql://u:pw@db/x',
      password: 'pw',
      tokenFile: '/etc/tok',
      empty: '',
      nested: { list: ['root://h//p?authz=zzz', 'plain'], n: 3, deeper: { cause: new Error('to https://u:p@h/x') } },
    };
    const copy = structuredClone({ ...fields, nested: { ...fields.nested, deeper: {} } });
    const out = scrubSecrets(fields);
    assert.deepEqual(out, {
      site: 'T2_A',
      error: 'GET https://h.example/d.tsv?access_token=*** failed: HTTP 500',
      url: 'mysql://u:***@db/x',
      password: '***',
      tokenFile: '***',
      empty: '',
      nested: { list: ['root://h//p?authz=***', 'plain'], n: 3, deeper: { cause: { name: 'Error', message: 'to https://u:***@h/x' } } },
    });
    assert.equal(fields.password, copy.password, 'the input is left alone');
    assert.equal(fields.nested.list[0], copy.nested.list[0]);
    const text = JSON.stringify(out);
    for (const s of ['abc', ':pw@', 'zzz', ':p@']) assert.ok(!text.includes(s), s);
  });
});
