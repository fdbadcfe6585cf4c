/** A parsed `WWW-Authenticate` challenge: the scheme (lower case) and its parameters (keys lower case). */
export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/**
 * Parse a `WWW-Authenticate` header as registries send it (`Bearer realm="…",service="…",scope="…"` or
 * `Basic realm="…"`). Quoted values may contain commas and escaped quotes. Returns undefined for an empty header.
 */
export function parseChallenge(header: string | string[] | undefined): Challenge | undefined {
  const text = (Array.isArray(header) ? header[0] : header)?.trim();
  if (!text) return undefined;
  const m = /^([A-Za-z][\w-]*)\s*(.*)$/s.exec(text);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  // key=value or key="quoted, \"value\"", separated by commas.
  const re = /([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*,?\s*/gy;
  const rest = m[2] ?? '';
  let p: RegExpExecArray | null;
  while (re.lastIndex < rest.length && (p = re.exec(rest))) {
    const key = (p[1] ?? '').toLowerCase();
    params[key] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : (p[3] ?? '');
  }
  return { scheme: (m[1] ?? '').toLowerCase(), params };
}

/** The token scope for pulling from `repo` (`repository:NAME:pull`). */
export function pullScope(repo: string): string {
  return `repository:${repo}:pull`;
}
