/**
 * WebDAV lister conformance against a real nginx + dav-ext (percent-encoded hrefs, trailing slash on
 * collections), over http and https. nginx answers an unreadable directory with 500, not 403, so the
 * forbidden directory is refused by configuration here (403, as an ACL would); the 500 case is
 * covered in test/integration/webdav-nginx-errors.test.ts.
 */
import { basename, dirname } from 'node:path';
import { createLister } from '../../src/listers/registry.ts';
import { siteBackend } from '../helpers/backend-site.ts';
import { startNginx } from '../servers/nginx-server.ts';
import { runListerConformance } from './lister-suite.ts';

for (const scheme of ['http', 'https'] as const) {
  runListerConformance(`webdav nginx ${scheme}`, async ({ fixtureDir, expected }) => {
    const root = '/' + basename(fixtureDir);
    const forbidden = root + expected.lockedDir;
    const server = await startNginx({ dataDir: dirname(fixtureDir), denyPaths: [forbidden] });
    try {
      const url = scheme === 'http' ? server.httpUrl.replace(/^http:/, 'dav:') : server.httpsUrl.replace(/^https:/, 'davs:');
      const lister = await createLister(siteBackend({ Url: url, NumThreads: 4, Timeout: 20, X509CertDir: scheme === 'https' ? server.caDir : '' }));
      return {
        lister,
        root,
        forbidden,
        openConnections: () => server.activeConnections(),
        teardown: async () => {
          await lister.close();
          await server.stop();
        },
      };
    } catch (err) {
      await server.stop();
      throw err;
    }
  });
}
