/**
 * Native XRootD lister conformance against the real xrootd 5.5 server, over root:// and roots://,
 * inside a per-process network namespace. The server runs as user xrootd, so chmod 000 is a refusal.
 */
import { createLister } from '../../src/listers/registry.ts';
import { siteBackend } from '../helpers/backend-site.ts';
import { runListerConformance, type GapKey } from './lister-suite.ts';
import { xrootdFixtureTarget } from './xrootd-fixture-server.ts';

/** Limits of the xrootd 5.5.3 server and of the protocol seen here, not lister choices. */
const gaps: Partial<Record<GapKey, string>> = {
  longNames: 'xrootd 5.5 kXR_dirlist cuts 255-byte names to 254 bytes (mid-character for multi-byte UTF-8): the lister leaves their directory unlisted (UNSUPPORTED)',
  unaddressableNames: 'XRootD takes "?" in a request path as the start of CGI, so a directory named with "?" answers kXR_NotFound (xrdfs fails alike)',
};

for (const tls of [false, true]) {
  runListerConformance(
    `xrootd native ${tls ? 'roots' : 'root'}`,
    (ctx) => xrootdFixtureTarget(ctx, { tls }, (server) => createLister(siteBackend({ Url: server.url, NumThreads: 4, Timeout: 20, CaDir: tls ? server.caDir! : '' }))),
    gaps,
  );
}
