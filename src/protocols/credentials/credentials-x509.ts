/**
 * Credentials of a WebDAV site: a bearer token read from a file (WLCG tokens rotate every few
 * minutes, so the file is re-read when it changes) and X.509 material for TLS (client certificate
 * and key, or one proxy file holding both, plus a grid CA directory). Token text never leaves this
 * module except as the Authorization header value: error messages name the file, never its content.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DcError } from '../../core/errors.ts';

/** How often the token file's identity (inode, size, mtime) is re-checked at most. */
const RECHECK_MS = 1_000;

export class BearerTokenSource {
  private token: string | undefined;
  private identity = '';
  private checkedAt = 0;
  private reading: Promise<void> | undefined;

  constructor(
    readonly file: string,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The `Authorization` header value. `force` re-reads now (after a 401: the token may have rotated).
   * A file momentarily empty or missing while it is being replaced keeps the last good token.
   */
  async header(force = false): Promise<string> {
    if (force || this.token === undefined || this.now() - this.checkedAt >= RECHECK_MS) {
      this.reading ??= this.refresh(force).finally(() => (this.reading = undefined));
      await this.reading;
    }
    if (this.token === undefined) throw new DcError('CONFIG', `bearer token file ${this.file} is missing or empty`);
    return `Bearer ${this.token}`;
  }

  /** Current token, for comparing before/after a forced re-read (never for printing). */
  get current(): string | undefined {
    return this.token;
  }

  private async refresh(force: boolean): Promise<void> {
    this.checkedAt = this.now();
    let id: string;
    try {
      const st = await stat(this.file);
      id = `${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch {
      return;
    }
    if (!force && id === this.identity && this.token !== undefined) return;
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch {
      return;
    }
    const token = text.trim();
    if (token === '') return;
    if (/\s/.test(token)) throw new DcError('CONFIG', `bearer token file ${this.file} holds more than one word`);
    this.token = token;
    this.identity = id;
  }
}

export interface TlsFiles {
  /** Client certificate (PEM), or an X.509 proxy holding certificate, key and chain. */
  certFile?: string;
  /** Client key (PEM); defaults to `certFile` (a proxy carries its key). */
  keyFile?: string;
  /** A CA bundle file (PEM). */
  caFile?: string;
  /** A grid CA directory (`/etc/grid-security/certificates`): hashed `*.0` and `*.pem` certificates. */
  caDir?: string;
}

export interface TlsOptions {
  cert?: string;
  key?: string;
  ca?: string[];
}

const CERT_FILE = /^(?:[0-9a-f]{8}\.\d+|.*\.pem|.*\.crt)$/;

/** Reads the TLS material once; a file that cannot be read is a CONFIG error naming it. */
export async function loadTlsOptions(files: TlsFiles): Promise<TlsOptions> {
  const read = async (file: string, what: string) => {
    try {
      return await readFile(file, 'utf8');
    } catch (err) {
      throw new DcError('CONFIG', `cannot read ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
  };
  const out: TlsOptions = {};
  if (files.certFile) {
    out.cert = await read(files.certFile, 'client certificate');
    out.key = await read(files.keyFile ?? files.certFile, 'client key');
    if (!out.key.includes('PRIVATE KEY')) throw new DcError('CONFIG', `no private key in ${files.keyFile ?? files.certFile}`);
  }
  const cas = new Set<string>();
  if (files.caFile) cas.add(await read(files.caFile, 'CA file'));
  if (files.caDir) {
    let names: string[];
    try {
      names = await readdir(files.caDir);
    } catch (err) {
      throw new DcError('CONFIG', `cannot read CA directory ${files.caDir}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    // Hash links and *.pem name the same certificates: the Set keeps one copy of each.
    for (const name of names.sort()) {
      if (!CERT_FILE.test(name)) continue;
      const text = await readFile(join(files.caDir, name), 'utf8').catch(() => '');
      if (text.includes('BEGIN CERTIFICATE')) cas.add(text);
    }
    if (cas.size === 0) throw new DcError('CONFIG', `no CA certificate found in ${files.caDir}`);
  }
  if (cas.size > 0) out.ca = [...cas];
  return out;
}
