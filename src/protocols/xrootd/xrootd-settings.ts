import { z } from 'zod';

/** Site keys of XRootD sites: entry points, door discovery and load balancing. */
export const xrootdSiteKeys = {
  /** The site's XRootD redirectors (host[:port] or root:// URLs); the first one is the door when the site has no Url. */
  Redirectors: z.array(z.string().regex(/^\S+$/, 'a redirector is host[:port] or a root:// URL, without blanks')),
  /** The seed's global redirectors: where a site's doors are located (kXR_locate) when Redirectors has none. */
  GlobalRedirectors: z.array(z.string()),
  /** DNS domain of the site's doors: locate answers outside it are dropped (the seed's per-site domain). */
  Domain: z.string(),
  /** Days a located door list is reused from VarLocation (0: a cached answer is never refreshed, as the seed). */
  RedirectorAge: z.number().finite().nonnegative(),
  /** True: send every request to the URL's host (it redirects as it likes); false: discover data servers with kXR_locate. */
  UseLoadBalancer: z.boolean(),
} as const;

export type XrootdSettings = { [K in keyof typeof xrootdSiteKeys]: z.infer<(typeof xrootdSiteKeys)[K]> };
