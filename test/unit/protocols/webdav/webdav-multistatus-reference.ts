/**
 * Test-only reference reading of a multistatus document, on a general XML parser (saxes) and
 * sharing no code with the production scanner: differential tests check that both agree on what
 * a document says, and on which documents are not XML at all.
 */
import { SaxesParser } from 'saxes';
import type { MultistatusEntry } from '../../../../src/protocols/webdav/webdav-multistatus-parser.ts';

const DAV = 'DAV:';
const FIELDS = new Set(['href', 'status', 'getcontentlength', 'getlastmodified', 'iscollection']);

function statusOf(text: string): number {
  const m = /^\s*HTTP\/\d(?:\.\d)?\s+(\d{3})/.exec(text);
  return m ? Number(m[1]) : 0;
}

/** Entries of a whole document, or the thrown error when it is not well-formed XML / not a DAV: multistatus. */
export function referenceParse(doc: string): MultistatusEntry[] {
  const out: MultistatusEntry[] = [];
  const sax = new SaxesParser({ xmlns: true });
  const stack: string[] = [];
  let response: MultistatusEntry | undefined;
  let propstat: { status: number; isDir: boolean; size?: number; mtime?: number } | undefined;
  let field: string | undefined;
  let fieldDepth = 0;
  let text = '';
  sax.on('opentag', (tag) => {
    const name = tag.uri === DAV ? tag.local : `{${tag.uri}}${tag.local}`;
    const parent = stack[stack.length - 1];
    stack.push(name);
    if (stack.length === 1 && name !== 'multistatus') throw new Error('not a multistatus');
    if (name === 'response' && parent === 'multistatus') response = { href: '', status: 200, isDir: false };
    else if (name === 'propstat' && parent === 'response' && response) propstat = { status: 0, isDir: false };
    else if (name === 'collection' && parent === 'resourcetype' && propstat) propstat.isDir = true;
    else if (
      FIELDS.has(name) &&
      ((name === 'href' && parent === 'response') ||
        (name === 'status' && (parent === 'response' || parent === 'propstat')) ||
        (name !== 'href' && name !== 'status' && parent === 'prop' && propstat))
    ) {
      field = name;
      fieldDepth = stack.length;
      text = '';
    }
  });
  const addText = (t: string) => {
    if (field !== undefined) text += t;
  };
  sax.on('text', addText);
  sax.on('cdata', addText);
  sax.on('closetag', () => {
    const depth = stack.length;
    const name = stack.pop();
    const parent = stack[stack.length - 1];
    if (field !== undefined && depth === fieldDepth) {
      const t = text.trim();
      if (field === 'href' && response) response.href = t;
      else if (field === 'status' && parent === 'propstat' && propstat) propstat.status = statusOf(text);
      else if (field === 'status' && parent === 'response' && response) response.status = statusOf(text) || 200;
      else if (field === 'getcontentlength' && propstat && t !== '' && Number.isSafeInteger(Number(t)) && Number(t) >= 0) propstat.size = Number(t);
      else if (field === 'getlastmodified' && propstat && Number.isFinite(Date.parse(t))) propstat.mtime = Date.parse(t) / 1000;
      else if (field === 'iscollection' && propstat && (t === '1' || t.toLowerCase() === 'true')) propstat.isDir = true;
      field = undefined;
    }
    if (name === 'propstat' && parent === 'response' && propstat && response) {
      if (propstat.status === 0 || (propstat.status >= 200 && propstat.status < 300)) {
        if (propstat.isDir) response.isDir = true;
        if (propstat.size !== undefined) response.size = propstat.size;
        if (propstat.mtime !== undefined) response.mtime = propstat.mtime;
      }
      propstat = undefined;
    } else if (name === 'response' && parent === 'multistatus' && response) {
      if (response.href === '') throw new Error('response without href');
      out.push(response);
      response = undefined;
    }
  });
  sax.on('error', (err) => {
    throw err;
  });
  sax.write(doc);
  sax.close();
  return out;
}
