import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { DcError } from '../../core/errors.ts';

/** A token and where it came from. `source` names a variable or a path, never the token. */
export interface BearerToken {
  token: string;
  source: string;
}

/** What session setup needs: a token when the server asks for one. */
export interface BearerTokenProvider {
  /** The current token, or undefined when none is found. Throws CONFIG for an unusable one. */
  read(maxBytes: number): BearerToken | undefined;
  /** Where tokens are looked for, for error messages. */
  describe(): string;
}

export interface BearerTokenSettings {
  /** Site key `BearerTokenFile` (or the webhook's token file): when set, the only place a token is taken from. */
  tokenFile?: string;
  /** The process environment as captured by the configuration layer. */
  env?: Readonly<{ BEARER_TOKEN?: string; BEARER_TOKEN_FILE?: string; XDG_RUNTIME_DIR?: string }>;
  /** Effective uid, for the `bt_u<uid>` file names. */
  uid?: number;
  /**
   * Refuse token files readable by group or others, as the XRootD ztn client does. HTTP clients
   * (gfal, davix, curl) do not demand it, and neither do the WebDAV backends and the webhook here.
   */
  ownerOnly?: boolean;
  /** Clock for the re-read interval of `header()` (tests). */
  now?: () => number;
}

type Location = { kind: 'value'; name: string; value: string } | { kind: 'file'; name: string; path: string; required: boolean };

/** isspace() of the C locale: what the reference client strips around a token. */
const SPACE = /^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g;
/** How often `header()` looks for a rotated token at most. */
const RECHECK_MS = 1_000;
/** Largest token an HTTP header is built from: far above any WLCG token, far below a mistaken file. */
const HTTP_MAX_TOKEN_BYTES = 64 * 1024;

/**
 * Finds the bearer token as the XRootD ztn client does (WLCG bearer token discovery): the value of
 * `BEARER_TOKEN`, the file named by `BEARER_TOKEN_FILE`, `$XDG_RUNTIME_DIR/bt_u<uid>`, then
 * `/tmp/bt_u<uid>` — unless the site names a `BearerTokenFile`, which then is the only source.
 * One source for every protocol: XRootD reads it afresh for every new connection (`read`), HTTP
 * asks for an `Authorization` value per request (`header`), which looks again at most once a second
 * and at once after a 401, so a token rotated while a run lasts is picked up. Token text never
 * leaves this module except as that value: messages name the variable or file, never the content.
 */
export class BearerTokenSource implements BearerTokenProvider {
  private readonly locations: Location[];
  private readonly ownerOnly: boolean;
  private readonly now: () => number;
  private last: BearerToken | undefined;
  private checkedAt = 0;

  constructor(settings: BearerTokenSettings = {}) {
    const env = settings.env ?? {};
    const uid = settings.uid ?? process.geteuid?.() ?? 0;
    this.ownerOnly = settings.ownerOnly ?? false;
    this.now = settings.now ?? Date.now;
    if (settings.tokenFile) {
      this.locations = [{ kind: 'file', name: 'BearerTokenFile', path: settings.tokenFile, required: true }];
      return;
    }
    const locs: Location[] = [];
    if (env.BEARER_TOKEN) locs.push({ kind: 'value', name: 'BEARER_TOKEN', value: env.BEARER_TOKEN });
    if (env.BEARER_TOKEN_FILE) locs.push({ kind: 'file', name: 'BEARER_TOKEN_FILE', path: env.BEARER_TOKEN_FILE, required: false });
    if (env.XDG_RUNTIME_DIR) locs.push({ kind: 'file', name: 'XDG_RUNTIME_DIR', path: join(env.XDG_RUNTIME_DIR, `bt_u${uid}`), required: false });
    locs.push({ kind: 'file', name: 'default', path: `/tmp/bt_u${uid}`, required: false });
    this.locations = locs;
  }

  /**
   * The `Authorization` header value, or undefined when no source holds a token. `force` looks
   * again now (after a 401: the token may have rotated). A file momentarily missing or empty while
   * it is being replaced keeps the last good token.
   */
  async header(force = false): Promise<string | undefined> {
    if (force || this.last === undefined || this.now() - this.checkedAt >= RECHECK_MS) {
      this.checkedAt = this.now();
      let found: BearerToken | undefined;
      try {
        found = this.read(HTTP_MAX_TOKEN_BYTES);
      } catch (err) {
        if (this.last === undefined) throw err;
      }
      const named = this.locations[0];
      if (!found && this.last === undefined && named.kind === 'file' && named.required) {
        throw new DcError('CONFIG', `bearer token file (${named.name} ${named.path}) is empty`, { detail: { path: named.path } });
      }
      if (found) {
        if (/\s/.test(found.token)) throw new DcError('CONFIG', `bearer token (${found.source}) holds more than one word`);
        this.last = found;
      }
    }
    return this.last && `Bearer ${this.last.token}`;
  }

  /** The token `header()` last used, for comparing before/after a forced re-read (never for printing). */
  get current(): string | undefined {
    return this.last?.token;
  }

  describe(): string {
    return this.locations.map((l) => (l.kind === 'value' ? l.name : `${l.name} ${l.path}`)).join(', ');
  }

  read(maxBytes: number): BearerToken | undefined {
    for (const loc of this.locations) {
      if (loc.kind === 'value') {
        const token = loc.value.replace(SPACE, '');
        if (token) return { token, source: loc.name };
        continue;
      }
      const token = this.readFile(loc, maxBytes);
      if (token) return { token, source: `${loc.name} ${loc.path}` };
    }
    return undefined;
  }

  private readFile(loc: Location & { kind: 'file' }, maxBytes: number): string | undefined {
    const where = `${loc.name} ${loc.path}`;
    let fd: number;
    try {
      // O_NONBLOCK: a FIFO put where the token should be must not hang the connection setup.
      fd = openSync(loc.path, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch (err) {
      const errno = (err as NodeJS.ErrnoException).code;
      if (errno === 'ENOENT' && !loc.required) return undefined;
      throw new DcError('CONFIG', `bearer token file (${where}) cannot be opened: ${errno ?? 'error'}`, { detail: { path: loc.path, errno } });
    }
    try {
      // fstat on the open descriptor: what is checked is what is read, even if the file is replaced meanwhile.
      const st = fstatSync(fd);
      if (!st.isFile()) throw new DcError('CONFIG', `bearer token file (${where}) is not a regular file`, { detail: { path: loc.path } });
      if (this.ownerOnly && (st.mode & 0o077) !== 0) {
        throw new DcError('CONFIG', `bearer token file (${where}) is accessible by group or others; chmod 600 it`, {
          detail: { path: loc.path, mode: (st.mode & 0o777).toString(8) },
        });
      }
      const size = st.size;
      if (size > maxBytes + 4096) {
        // Whitespace around the token is allowed, a file far larger than any token is not read.
        throw new DcError('CONFIG', `bearer token file (${where}) is ${size} bytes; the server accepts tokens up to ${maxBytes}`, { detail: { path: loc.path, size } });
      }
      const buf = Buffer.alloc(size);
      let got = 0;
      while (got < size) {
        const n = readSync(fd, buf, got, size - got, got);
        if (n === 0) break;
        got += n;
      }
      return buf.subarray(0, got).toString('utf8').replace(SPACE, '') || undefined;
    } catch (err) {
      if (err instanceof DcError) throw err;
      const errno = (err as NodeJS.ErrnoException).code;
      throw new DcError('CONFIG', `bearer token file (${where}) cannot be read: ${errno ?? 'error'}`, { detail: { path: loc.path, errno } });
    } finally {
      closeSync(fd);
    }
  }
}
