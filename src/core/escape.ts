import { canonicalName, hasRawBytes } from './name-bytes.ts';

/**
 * How a name is written on one line of a list file. Names are written as they are, except:
 * backslash becomes `\\`, newline `\n`, carriage return `\r`, tab `\t`, any other control
 * character (U+0000–U+001F, U+007F) `\xHH`, and a byte that is not UTF-8 (held as U+DC80–U+DCFF,
 * src/core/name-bytes.ts) `\xHH` with HH its value (80–ff). So every line is exactly one name,
 * the line is valid UTF-8, and unescapeName() gives the name's bytes back. Names without those
 * characters are unchanged.
 */
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /[\\\u0000-\u001f\u007f\udc80-\udcff]/u;

function hex2(c: number): string {
  return c.toString(16).padStart(2, '0');
}

export function escapeName(name: string): string {
  if (!NEEDS_ESCAPE.test(name)) return name;
  let out = '';
  for (const ch of name) {
    const c = ch.charCodeAt(0);
    if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + hex2(c);
    else if (c >= 0xdc80 && c <= 0xdcff) out += '\\x' + hex2(c - 0xdc00); // a lone surrogate: one raw byte
    else out += ch;
  }
  return out;
}

/**
 * Reads a name written by escapeName(). `\xHH` below 80 is that character, from 80 up that byte;
 * bytes that together are valid UTF-8 give the character (`\xc3\xa9` is "é"). A backslash not
 * starting one of the escapes above is kept as it is.
 */
export function unescapeName(line: string): string {
  if (!line.includes('\\')) return line;
  let bytes = false;
  const out = line.replace(/\\(\\|n|r|t|x[0-9a-fA-F]{2})/g, (_, e: string) => {
    if (e === '\\') return '\\';
    if (e === 'n') return '\n';
    if (e === 'r') return '\r';
    if (e === 't') return '\t';
    const v = parseInt(e.slice(1), 16);
    if (v < 0x80) return String.fromCharCode(v);
    bytes = true;
    return String.fromCharCode(0xdc00 + v);
  });
  return bytes ? canonicalName(out) : out;
}

/** `\xHH` with HH from 80: what marks a stored text as escaped. */
const STORED_ESCAPE = /\\x[89a-fA-F][0-9a-fA-F]/;

/**
 * How a name is stored in a database text column (the inventory `import` writes). MariaDB
 * (utf8mb4) and PostgreSQL (UTF8) text cannot hold bytes that are not UTF-8, so a name holding such
 * bytes is stored escaped (escapeName); so is a UTF-8 name that itself looks like one (holds `\x80`
 * to `\xff` literally), so the two never meet. Every other name is stored as it is, as the databases
 * of other tools hold them. nameFromStoredText() reads either back.
 */
export function nameToStoredText(name: string): string {
  return hasRawBytes(name) || STORED_ESCAPE.test(name) ? escapeName(name) : name;
}

/** The name a database text holds: unescaped when it holds `\xHH` with HH from 80, else as it is. */
export function nameFromStoredText(text: string): string {
  return STORED_ESCAPE.test(text) ? unescapeName(text) : text;
}
