/**
 * gfal CLI lister conformance: gfal-ls against the real xrootd 5.5 server (root://, run inside the
 * server's network namespace, SERVERS.md) and against a file:// URL. gfal-ls runs as user nobody
 * (setpriv) for file://, so chmod 000 is a real refusal even when the tests run as root.
 */
import { chmod } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createLister } from '../../src/listers/registry.ts';
import { siteBackend } from '../helpers/backend-site.ts';
import { requireBinary } from '../servers/xrootd-server.ts';
import { runListerConformance } from './lister-suite.ts';
import { xrootdFixtureTarget } from './xrootd-fixture-server.ts';

const HINT = 'gfal-ls is missing: run scripts/setup-system.sh as root (gfal2-util-scripts, python3-gfal2-util, gfal2-plugin-file, gfal2-plugin-xrootd)';

function gfalLs(): string {
  try {
    return requireBinary('gfal-ls');
  } catch {
    throw new Error(HINT);
  }
}

runListerConformance(
  'gfal (root:// via xrootd)',
  (ctx) => {
    const bin = gfalLs();
    return xrootdFixtureTarget(ctx, {}, (server) =>
      createLister(siteBackend({ Url: `root://127.0.0.1:${server.port}/`, AccessMethod: 'SRM', GfalCommand: [...server.netns.prefix, bin], NumThreads: 4, Timeout: 30 }, process.env)),
    );
  },
  {
    longNames: 'xrootd 5.5 kXR_dirlist cuts 255-byte names to 254 bytes; gfal-ls shows what the server sends',
    unaddressableNames: 'XRootD takes "?" in a path as the start of CGI: a directory named with "?" answers not found',
    undecodableNames: "xrootd cuts a 255-byte CJK name mid-character and gfal2's Python bindings die decoding it (UnicodeDecodeError), so gfal-ls cannot list /names, nor /bytes (names that are not UTF-8)",
  },
);

runListerConformance(
  'gfal (file://, as nobody)',
  async ({ fixtureDir, expected }) => {
    const bin = gfalLs();
    await chmod(fixtureDir + expected.lockedDir, 0o000);
    const asNobody = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
    const lister = await createLister(
      siteBackend({ Url: pathToFileURL(dirname(fixtureDir)).href, AccessMethod: 'SRM', GfalCommand: [...asNobody, bin], NumThreads: 4, Timeout: 30 }, { ...process.env, HOME: '/tmp' }),
    );
    const root = '/' + basename(fixtureDir);
    return {
      lister,
      root,
      forbidden: root + expected.lockedDir,
      teardown: async () => {
        await lister.close();
        await chmod(fixtureDir + expected.lockedDir, 0o755);
      },
    };
  },
  {
    undecodableNames: "gfal2's Python bindings die decoding a name that is not UTF-8 (UnicodeDecodeError), so gfal-ls cannot list /bytes: it is reported unlisted, never listed without the name",
  },
);
