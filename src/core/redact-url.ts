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
