import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../../bin/dynamo-consistency.mjs', import.meta.url));
const SECRET = 'serve-command-secret-token-42';

function config(dir: string, web?: Record<string, unknown>): string {
  const file = join(dir, 'consistency_config.json');
  writeFileSync(file, JSON.stringify({ VarLocation: 'var', WebDir: 'www', Sites: { T2_XX_One: { Url: 'file:///nonexistent' } }, ...(web ? { Web: web } : {}) }));
  return file;
}

function start(args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd: fileURLToPath(new URL('../../..', import.meta.url)) });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
  return { child, exited, stderr: () => stderr };
}

describe('serve command', () => {
  it('listens on 127.0.0.1, serves the API and stops cleanly on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dc-serve-'));
    const p = start(['--config', config(dir, { TokenFile: 'token.txt' }), 'serve', '--port', '0']);
    writeFileSync(join(dir, 'token.txt'), SECRET + '\n');
    try {
      let url: string | undefined;
      for (let i = 0; i < 200 && !url; i++) {
        await new Promise((r) => setTimeout(r, 50));
        url = /"event":"serving","url":"([^"]+)"/.exec(p.stderr())?.[1];
        if (p.child.exitCode !== null) break;
      }
      assert.ok(url, `no "serving" line; stderr: ${p.stderr()}`);
      assert.match(url, /^http:\/\/127\.0\.0\.1:[0-9]+\/$/);
      const res = await fetch(`${url}api/sites`);
      assert.equal(res.status, 200);
      const body = (await res.json()) as { sites: { site: string }[] };
      assert.deepEqual(body.sites.map((s) => s.site), ['T2_XX_One']);
      p.child.kill('SIGTERM');
      assert.equal(await p.exited, 0);
      assert.ok(!p.stderr().includes(SECRET), 'the token is not logged');
    } finally {
      p.child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses an unreadable token file or a short token before listening, naming the key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dc-serve-'));
    try {
      const missing = start(['--config', config(dir, { TokenFile: 'absent.txt' }), 'serve', '--port', '0']);
      assert.equal(await missing.exited, 2);
      assert.match(missing.stderr(), /Web\.TokenFile/);
      const short = start(['--config', config(dir, { Token: 'short' }), 'serve', '--port', '0']);
      assert.equal(await short.exited, 2);
      assert.match(short.stderr(), /Web/);
      assert.ok(!short.stderr().includes('"short"'), 'the token itself is not echoed');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
