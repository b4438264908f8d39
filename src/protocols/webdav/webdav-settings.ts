import { z } from 'zod';

/** Site keys of WebDAV sites besides the shared credentials (src/protocols/credentials). */
export const webdavSiteKeys = {
  /** HTTP redirects one WebDAV request may follow. */
  MaxRedirects: z.number().int().min(0).max(50),
} as const;

export type WebdavSettings = { [K in keyof typeof webdavSiteKeys]: z.infer<(typeof webdavSiteKeys)[K]> };
