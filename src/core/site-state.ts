/**
 * A site's state as the seed's `set-status` sets it (SEMANTICS.md "Site states"). Kept here, below
 * every layer, because the store saves it, the check's gates read it and the faces change it.
 */

/** `halt` stops a running check (the site is still picked later); `disable` keeps it out until `ready`. */
export type SiteStatus = 'ready' | 'halt' | 'disable';
/** `dry` writes the lists but never acts on them. */
export type SiteMode = 'act' | 'dry';

export interface SiteState {
  site: string;
  status: SiteStatus;
  mode: SiteMode;
  updatedAt: string;
  updatedBy: string;
  lastRunAt: string | null;
}
