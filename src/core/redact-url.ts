/**
 * A URL safe to print: the password, if any, replaced. Database and storage URLs carry
 * credentials (`mysql://user:secret@host/db`), and every layer that names one in an error or a
 * log line goes through here.
 */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@');
}
