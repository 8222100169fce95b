/** Host names out of URLs, `user@host:path` remote specs and bare hosts. */
import { PH, type Word } from './ast.ts';

/** Normalise a bare host name; a dynamic prefix (PH) is dropped: `$(..).evil.tld` -> evil.tld. */
export function normHost(h: string): string | null {
  h = h.replace(/\{\}/g, PH); // xargs -I{} / find -exec placeholders
  const i = h.lastIndexOf(PH);
  if (i >= 0) h = h.slice(i + 1).replace(/^[.-]+/, '');
  h = h.toLowerCase().replace(/\.$/, '');
  if (!h || !/^[a-z0-9._:%-]+$/.test(h) || !/[a-z0-9]/.test(h)) return null;
  return h;
}

/** Host of a URL, `user@host:port/path`, `host:port` or bare host (given as Word.shape). */
export function hostFromUrlish(shape: string): string | null {
  const s = shape.trim();
  if (!s) return null;
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([\s\S]*)$/.exec(s);
  if (m && m[1]!.toLowerCase() === 'file') return null;
  const rest = m ? m[2]! : s;
  const end = rest.search(/[/?#]/);
  let auth = end >= 0 ? rest.slice(0, end) : rest;
  const at = auth.lastIndexOf('@');
  if (at >= 0) auth = auth.slice(at + 1);
  let host: string;
  if (auth.startsWith('[')) {
    const e = auth.indexOf(']');
    host = e > 0 ? auth.slice(1, e) : auth.slice(1);
  } else {
    const colons = auth.split(':').length - 1;
    host = colons === 1 ? auth.slice(0, auth.indexOf(':')) : auth;
  }
  return normHost(host);
}

/** `[user@]host:path`, `host::module`, `scheme://...` remote specs (scp/rsync/git). */
export function remoteSpec(w: Word): { host: string | null } | null {
  const t = w.shape;
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(t)) {
    if (/^file:/i.test(t)) return null;
    return { host: hostFromUrlish(t) };
  }
  if (/^(?:\/|\.\.?\/|~)/.test(t)) return null;
  const m = /^(?:[^@/:\s]+@)?(\[[^\]/]+\]|[^:/\s]+):/.exec(t);
  if (!m) return null;
  return { host: normHost(m[1]!.replace(/^\[|\]$/g, '')) };
}

export const URL_IN_TEXT_RE = /\b[A-Za-z][A-Za-z0-9+.-]{1,15}:\/\/[^\s'"<>`|;&(){}\\]+/g;
