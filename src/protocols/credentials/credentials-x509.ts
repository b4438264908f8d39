/**
 * X.509 material for TLS: a client certificate and key, or one proxy file holding both, and the
 * trusted CAs (a CA file, or a grid CA directory). Resolved here once for every protocol, from the
 * site keys, else the usual grid environment variables as gfal and the XRootD client read them.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DcError } from '../../core/errors.ts';
import type { SiteEnv } from '../protocol-site.ts';
import type { CredentialSettings } from './credentials-settings.ts';

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

/**
 * The TLS files of an HTTP site: `X509UserCert` + `X509UserKey`, else the proxy `X509UserProxy`;
 * CAs from `X509CertDir` and `CaFile`. An empty key falls back to X509_USER_CERT, X509_USER_KEY,
 * X509_USER_PROXY, X509_CERT_DIR in `env`. Undefined when nothing is configured (system CAs).
 */
export function x509FilesOf(settings: Readonly<CredentialSettings>, env: SiteEnv): TlsFiles | undefined {
  const proxy = settings.X509UserProxy || env.X509_USER_PROXY || undefined;
  const cert = settings.X509UserCert || env.X509_USER_CERT || undefined;
  const key = settings.X509UserKey || env.X509_USER_KEY || undefined;
  const files: TlsFiles = {
    certFile: cert ?? proxy,
    keyFile: cert ? (key ?? cert) : proxy,
    caDir: settings.X509CertDir || env.X509_CERT_DIR || undefined,
    caFile: settings.CaFile || undefined,
  };
  return files.certFile || files.caDir || files.caFile ? files : undefined;
}

/** The CA directory of an XRootD site over TLS: `CaDir`, else `X509CertDir`, else X509_CERT_DIR. */
export function xrootdCaDirOf(settings: Readonly<CredentialSettings>, env: SiteEnv): string | undefined {
  return settings.CaDir || settings.X509CertDir || env.X509_CERT_DIR || undefined;
}

/** Certificate files of an OpenSSL-style CA directory: hash links (`1a2b3c4d.0`), `*.pem`, `*.crt`. */
const CERT_FILE = /\.(pem|crt|\d+)$/;

/**
 * Every certificate of a CA directory, each once (hash links and `*.pem` name the same ones). A
 * dangling hash link is skipped: the certificate it named is gone, the others still count.
 */
export function loadCaDir(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    throw new DcError('CONFIG', `CA directory ${dir} is not readable: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const cas = new Set<string>();
  for (const name of names.sort()) {
    if (!CERT_FILE.test(name)) continue;
    const p = join(dir, name);
    try {
      if (!statSync(p).isFile()) continue;
      const text = readFileSync(p, 'utf8');
      if (text.includes('-----BEGIN CERTIFICATE-----')) cas.add(text);
    } catch {
      continue;
    }
  }
  if (cas.size === 0) throw new DcError('CONFIG', `CA directory ${dir} holds no certificate`);
  return [...cas];
}

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
  if (files.caDir) for (const ca of loadCaDir(files.caDir)) cas.add(ca);
  if (cas.size > 0) out.ca = [...cas];
  return out;
}
