import { DcError } from '../../core/errors.ts';
import type { XrootdClient } from '../../protocols/xrootd/xrootd-client.ts';
import type { XrootdEndpoint } from '../../protocols/xrootd/xrootd-pool.ts';
import { LocateOpt } from '../../protocols/xrootd/codec/xrootd-constants.ts';
import type { DomainMatcher } from '../../protocols/xrootd/xrootd-domain.ts';

/**
 * Door discovery (the seed's `UseLoadBalancer: false`): ask the redirectors with kXR_locate which
 * data servers hold the site root (host names preferred, as the seed's `locate -h`), keep the online
 * ones in the site's Domain when it has one, then hand listings out round-robin over them. With the
 * load balancer in use (the default) every request goes to the first redirector, which redirects as
 * it likes. Discovery that finds nothing falls back to the redirectors themselves (the seed did too).
 */
export class XrootdDoors {
  private doors: XrootdEndpoint[] | undefined;
  private discovering: Promise<XrootdEndpoint[]> | undefined;
  private turn = 0;

  constructor(
    private readonly client: XrootdClient,
    private readonly redirectors: XrootdEndpoint[],
    private readonly useLoadBalancer: boolean,
    private readonly rootPath: string,
    private readonly inDomain?: DomainMatcher,
  ) {}

  /** The endpoint for the next request, or undefined for the client's origin. */
  async pick(signal: AbortSignal): Promise<XrootdEndpoint | undefined> {
    if (this.useLoadBalancer) return undefined;
    const doors = this.doors ?? (await (this.discovering ??= this.discover(signal)));
    const d = doors[this.turn++ % doors.length];
    return d;
  }

  /** The doors found (after the first `pick`), for progress reports and tests. */
  get known(): readonly XrootdEndpoint[] {
    return this.doors ?? [];
  }

  private async discover(signal: AbortSignal): Promise<XrootdEndpoint[]> {
    const found = new Map<string, XrootdEndpoint>();
    for (const r of this.redirectors) {
      try {
        for (const e of await this.client.locate(this.rootPath, LocateOpt.prefname, { signal, target: r })) {
          if (e.kind !== 'server' || !e.online) continue;
          const door = doorEndpoint(e, r);
          if (this.inDomain && !this.inDomain(door.host)) continue;
          found.set(`${door.host}:${door.port}`, door);
        }
      } catch (err) {
        if (err instanceof DcError && err.code === 'ABORTED') {
          this.discovering = undefined;
          throw err;
        }
        // A redirector that cannot answer locate still serves as an entry point below.
      }
    }
    this.doors = found.size ? [...found.values()] : this.redirectors;
    return this.doors;
  }
}

/** A located server as an endpoint; one that names itself by a loopback address is reachable where its redirector is. */
export function doorEndpoint(located: { host: string; port: number }, redirector: XrootdEndpoint): XrootdEndpoint {
  const host = isLoopback(located.host) && !isLoopback(redirector.host) ? redirector.host : located.host;
  return { host, port: located.port, tlsMode: redirector.tlsMode };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.') || host === '[::1]';
}
