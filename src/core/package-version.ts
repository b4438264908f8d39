import { readFileSync } from 'node:fs';

/** The package's version, from package.json (two levels up from src/core and from dist/core). */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}
