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
  /** Site key `BearerTokenFile`: when set, the only place a token is taken from. */
  tokenFile?: string;
  /** The process environment (read once by the caller, then frozen). */
  env?: Readonly<{ BEARER_TOKEN?: string; BEARER_TOKEN_FILE?: string; XDG_RUNTIME_DIR?: string }>;
  /** Effective uid, for the `bt_u<uid>` file names. */
  uid?: number;
}

type Location = { kind: 'value'; name: string; value: string } | { kind: 'file'; name: string; path: string; required: boolean };

/** isspace() of the C locale: what the reference client strips around a token. */
const SPACE = /^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g;

/**
 * Finds the bearer token as the XRootD ztn client does (WLCG bearer token discovery): the value of
 * `BEARER_TOKEN`, the file named by `BEARER_TOKEN_FILE`, `$XDG_RUNTIME_DIR/bt_u<uid>`, then
 * `/tmp/bt_u<uid>` — unless the site names a `BearerTokenFile`, which then is the only source.
 * Files are read afresh for every new connection, so a token rotated while a run lasts is picked up
 * (a size+mtime cache could miss a same-size rewrite within one clock tick; a token file is tiny and
 * connections are few). They must not be accessible by group or others, as the reference client demands.
 */
export class BearerTokenSource implements BearerTokenProvider {
  private readonly locations: Location[];

  constructor(settings: BearerTokenSettings = {}) {
    const env = settings.env ?? {};
    const uid = settings.uid ?? process.geteuid?.() ?? 0;
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
      if ((st.mode & 0o077) !== 0) {
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
