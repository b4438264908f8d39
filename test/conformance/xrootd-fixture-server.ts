import { chmod } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { Lister } from '../../src/listers/lister.ts';
import { startXrootd, type XrootdServer } from '../servers/xrootd-server.ts';
import type { ConformanceContext, ConformanceTarget } from './lister-suite.ts';

/**
 * A conformance target served by a real xrootd 5.5 (in its own network namespace) holding the
 * fixture. The server runs as user xrootd, so the fixture's chmod-000 directory is a real
 * refusal. `makeLister` builds the lister under test against the running server; everything is
 * undone on teardown, or at once when building the lister fails.
 */
export async function xrootdFixtureTarget(
  { fixtureDir, expected }: ConformanceContext,
  opts: { tls?: boolean },
  makeLister: (server: XrootdServer) => Lister | Promise<Lister>,
): Promise<ConformanceTarget> {
  const root = '/' + basename(fixtureDir);
  const locked = fixtureDir + expected.lockedDir;
  await chmod(locked, 0o000);
  let server: XrootdServer | undefined;
  try {
    server = await startXrootd({ dataDir: dirname(fixtureDir), tls: opts.tls });
    const lister = await makeLister(server);
    const running = server;
    return {
      lister,
      root,
      forbidden: root + expected.lockedDir,
      teardown: async () => {
        await lister.close();
        await running.stop();
        await chmod(locked, 0o755);
      },
    };
  } catch (err) {
    await server?.stop();
    await chmod(locked, 0o755);
    throw err;
  }
}
