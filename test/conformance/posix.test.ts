/**
 * POSIX lister conformance. Root ignores permission bits, so as root the in-process run declares the
 * forbiddenDirectory gap and a second case re-runs this very file as user `nobody`, where chmod 000
 * is a real refusal and the forbidden-directory case runs in full.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod } from 'node:fs/promises';
import { dirname, basename } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createLister } from '../../src/listers/registry.ts';
import { siteBackend } from '../helpers/backend-site.ts';
import { runListerConformance, type GapKey } from './lister-suite.ts';

const isRoot = process.getuid?.() === 0;
const gaps: Partial<Record<GapKey, string>> = isRoot ? { forbiddenDirectory: 'running as root: chmod 000 does not stop root (covered by the unprivileged re-run)' } : {};

runListerConformance(
  isRoot ? 'posix (root)' : 'posix (unprivileged)',
  async ({ fixtureDir, expected }) => {
    const lister = await createLister(siteBackend({ Url: pathToFileURL(dirname(fixtureDir)).href }));
    const root = '/' + basename(fixtureDir);
    if (isRoot) return { lister, root, teardown: () => lister.close() };
    await chmod(fixtureDir + expected.lockedDir, 0o000);
    return {
      lister,
      root,
      forbidden: root + expected.lockedDir,
      teardown: async () => {
        await chmod(fixtureDir + expected.lockedDir, 0o755);
        await lister.close();
      },
    };
  },
  gaps,
);

if (isRoot) {
  it('passes the whole suite, forbidden directory included, as an unprivileged user', async () => {
    const self = fileURLToPath(import.meta.url);
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', self], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      uid: 65534,
      gid: 65534,
      // NODE_TEST_CONTEXT would make the child defer to this runner and run nothing.
      env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_TEST_CONTEXT')), HOME: '/tmp' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 0, `unprivileged run failed:\n${out}`);
    assert.match(out, /posix \(unprivileged\)/);
    assert.doesNotMatch(out, /# fail [1-9]/);
  });
}
