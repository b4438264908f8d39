/**
 * How a name is written on one line of a list file. Names are written as they are, except:
 * backslash becomes `\\`, newline `\n`, carriage return `\r`, tab `\t`, and any other control
 * character (U+0000–U+001F, U+007F) `\xHH`. So every line is exactly one name, and
 * unescapeName() gives the name back. Names without those characters are unchanged.
 */
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /[\\\u0000-\u001f\u007f]/;

export function escapeName(name: string): string {
  if (!NEEDS_ESCAPE.test(name)) return name;
  let out = '';
  for (const ch of name) {
    const c = ch.charCodeAt(0);
    if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out;
}

export function unescapeName(line: string): string {
  if (!line.includes('\\')) return line;
  return line.replace(/\\(\\|n|r|t|x[0-9a-fA-F]{2})/g, (_, e: string) => {
    if (e === '\\') return '\\';
    if (e === 'n') return '\n';
    if (e === 'r') return '\r';
    if (e === 't') return '\t';
    return String.fromCharCode(parseInt(e.slice(1), 16));
  });
}
