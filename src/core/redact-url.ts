/**
 * Query parameters whose value is a credential: bearer tokens (`?authz=`, `access_token=`), signed
 * URLs (S3 `X-Amz-Signature`, `X-Amz-Credential`, `X-Amz-Security-Token`, Azure `sig`), API keys and
 * passwords. Matched on the whole name or on a part of it, case-insensitively: printing a harmless
 * parameter as `***` costs nothing, printing a token costs the site.
 */
const SECRET_NAME = /token|secret|passw|pwd|signature|credential|authz|^auth$|^authorization$|apikey|api_key|^key$|^sig$|^session/i;

/**
 * A URL safe to print: the password of its user part and the values of its credential-like query
 * parameters replaced by `***`. Database, storage, dump and feed URLs can carry credentials
 * (`mysql://user:secret@host/db`, `https://host/dump.tsv?access_token=…`), and every layer that
 * names one in an error or a log line goes through here. Works on any text holding a URL (root://
 * URLs with `//path`, unparsable strings): nothing is decoded or normalised.
 */
export function redactUrl(url: string): string {
  return url
    .replace(/(\/\/[^:/@?#\s]*:)[^@/?#\s]*@/, '$1***@')
    .replace(/([?&;])([^=&;#\s]+)=([^&;#\s]*)/g, (all, sep: string, name: string) => (isSecretName(name) ? `${sep}${name}=***` : all));
}

function isSecretName(name: string): boolean {
  let decoded = name;
  try {
    decoded = decodeURIComponent(name);
  } catch {
    // A malformed escape: judged as written.
  }
  return SECRET_NAME.test(decoded);
}

/** Field names whose values are credentials whatever they hold. */
const SECRET_FIELD = /password|passwd|token|secret|authorization|credential|cookie|proxy/i;
/** Longest string scrubbed (a log field longer than this is cut first by whoever logs it). */
const MAX_SCRUB = 64 * 1024;

/**
 * A log line's fields with every credential hidden, whatever layer wrote them: values of fields
 * named like a credential become `***`, and every string that may hold a URL goes through
 * redactUrl (a token in a query, a password in a user part). The loggers (CLI and each run's log)
 * pass every line through here: a message that quotes a URL from an error of a library is
 * covered too. Objects are followed four levels down; nothing is changed in place.
 */
export function scrubSecrets<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return (value.length <= MAX_SCRUB && /[@=]/.test(value) ? redactUrl(value) : value) as T;
  if (value === null || typeof value !== 'object' || depth > 4) return value;
  if (Array.isArray(value)) return value.map((v) => scrubSecrets(v, depth + 1)) as T;
  if (value instanceof Error) return { name: value.name, message: scrubSecrets(value.message, depth + 1) } as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_FIELD.test(k) && v !== undefined && v !== null && v !== '' ? '***' : scrubSecrets(v, depth + 1);
  return out as T;
}
