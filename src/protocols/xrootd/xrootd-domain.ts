import { BlockList, isIP } from 'node:net';
import { DcError } from '../../core/errors.ts';

/**
 * The seed's per-site domain: which located hosts belong to the site. The seed kept every locate
 * answer whose text contained the domain; here a domain matches on label boundaries, so
 * `mit.edu` takes `t2srv1.cmsaf.mit.edu` and not `notmit.edu`. Locate answers may be bare IP
 * addresses (servers run without reverse DNS); no name is ever looked up to place them, so an IP
 * answer matches only a domain written as an address block (`10.231.0.0/16`) or the same address.
 */
export type DomainMatcher = (host: string) => boolean;

export function domainMatcher(domain: string, where: string): DomainMatcher {
  const d = domain.trim().toLowerCase().replace(/^\.+/, '');
  if (!d) throw new DcError('CONFIG', `${where}: Domain is empty`);
  const cidr = /^([0-9a-f:.]+)\/(\d{1,3})$/.exec(d);
  if (cidr) {
    const type = isIP(cidr[1]);
    const bits = Number(cidr[2]);
    if (!type || bits > (type === 4 ? 32 : 128)) throw new DcError('CONFIG', `${where}: Domain ${JSON.stringify(domain)} is not an address block (a.b.c.d/n)`);
    const block = new BlockList();
    block.addSubnet(cidr[1], bits, type === 4 ? 'ipv4' : 'ipv6');
    return (host) => {
      const t = isIP(host);
      return t !== 0 && block.check(host, t === 4 ? 'ipv4' : 'ipv6');
    };
  }
  if (isIP(d)) return (host) => host.toLowerCase() === d;
  if (!/^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(d)) throw new DcError('CONFIG', `${where}: Domain ${JSON.stringify(domain)} is neither a DNS domain nor an address block`);
  return (host) => {
    if (isIP(host)) return false;
    const h = host.toLowerCase().replace(/\.$/, '');
    return h === d || h.endsWith('.' + d);
  };
}
