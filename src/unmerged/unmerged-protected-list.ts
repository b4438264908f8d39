import { readFile } from 'node:fs/promises';
import { Agent, type Dispatcher } from 'undici';
import type { SiteConfig } from '../config/config-loader.ts';
import { DcError, errorMessage } from '../core/errors.ts';
import { redactUrl } from '../core/redact-url.ts';
import { BearerTokenSource } from '../protocols/credentials/credentials-bearer-token.ts';
import { loadTlsOptions, x509FilesOf } from '../protocols/credentials/credentials-x509.ts';
import type { SiteEnv } from '../protocols/protocol-site.ts';

/** Largest protected list read: the CMS workload service's is a few MB. */
const MAX_BYTES = 256 * 1024 * 1024;

export interface ProtectedListSource {
  lfns: string[];
  /** The URL (credentials redacted) or the file it came from. */
  source: string;
}

/**
 * The protected LFN list as JSON: the CMS workload service's `{"result": [...]}` or a plain list of
 * LFN strings. Anything else is a PROTOCOL error naming `where`.
 */
export function parseProtectedList(text: string, where: string): string[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new DcError('PROTOCOL', `${where}: the protected list is not JSON (${errorMessage(err)})`);
  }
  const list = Array.isArray(data) ? data : typeof data === 'object' && data !== null && Array.isArray((data as { result?: unknown }).result) ? (data as { result: unknown[] }).result : undefined;
  if (!list) throw new DcError('PROTOCOL', `${where}: the protected list is neither {"result": [...]} nor a JSON list`);
  list.forEach((v, i) => {
    if (typeof v !== 'string' || !v.startsWith('/')) throw new DcError('PROTOCOL', `${where}: entry ${i} of the protected list is not an LFN (${JSON.stringify(v)?.slice(0, 80)})`);
  });
  return list as string[];
}

/**
 * Reads the site's protected list: `ProtectedLfnsUrl` over http(s) with the site's X.509 client
 * certificate or proxy and CAs, and its bearer token (sent over https only), or `ProtectedLfnsFile`.
 * Fails with a DcError saying why; the caller then cleans nothing.
 */
export async function fetchProtectedList(site: SiteConfig, env: SiteEnv, signal: AbortSignal): Promise<ProtectedListSource> {
  if (site.ProtectedLfnsUrl) {
    const source = redactUrl(site.ProtectedLfnsUrl);
    return { lfns: parseProtectedList(await fetchText(site, env, signal), source), source };
  }
  if (site.ProtectedLfnsFile) {
    let text: string;
    try {
      text = await readFile(site.ProtectedLfnsFile, 'utf8');
    } catch (err) {
      throw new DcError('IO', `cannot read ProtectedLfnsFile ${site.ProtectedLfnsFile}: ${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}`);
    }
    return { lfns: parseProtectedList(text, site.ProtectedLfnsFile), source: site.ProtectedLfnsFile };
  }
  throw new DcError('CONFIG', `site ${site.name}: neither ProtectedLfnsUrl nor ProtectedLfnsFile is set, and without the protected list nothing in the unmerged area can be cleaned`);
}

async function fetchText(site: SiteConfig, env: SiteEnv, signal: AbortSignal): Promise<string> {
  const url = new URL(site.ProtectedLfnsUrl);
  const shown = redactUrl(site.ProtectedLfnsUrl);
  const files = x509FilesOf(site, env);
  const tls = files ? await loadTlsOptions(files) : {};
  const timeoutMs = site.Timeout * 1000;
  const agent = new Agent({ connect: { ...tls, timeout: Math.min(timeoutMs, 30_000) }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  try {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (url.protocol === 'https:') {
      const auth = await new BearerTokenSource({ tokenFile: site.BearerTokenFile || undefined, env }).header().catch(() => undefined);
      if (auth) headers.authorization = auth;
    }
    let res: Dispatcher.ResponseData;
    try {
      res = await agent.request({ origin: url.origin, path: url.pathname + url.search, method: 'GET', headers, signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) });
    } catch (err) {
      if (signal.aborted) throw new DcError('ABORTED', `fetching the protected list ${shown} aborted`);
      throw new DcError('IO', `cannot fetch the protected list ${shown}: ${errorMessage(err)}`, { cause: err });
    }
    if (res.statusCode !== 200) {
      await res.body.dump().catch(() => undefined);
      throw new DcError('IO', `cannot fetch the protected list ${shown}: HTTP ${res.statusCode}`, { detail: { httpStatus: res.statusCode } });
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of res.body) {
      size += (c as Buffer).length;
      if (size > MAX_BYTES) {
        res.body.destroy();
        throw new DcError('PROTOCOL', `the protected list ${shown} is larger than ${MAX_BYTES} bytes`);
      }
      chunks.push(c as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  } finally {
    await agent.close().catch(() => undefined);
  }
}
