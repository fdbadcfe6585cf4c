// How a shared system file is made of items that jobs add and take out again. Pure.
// Not `import ... from 'node:util'`: Node's ESM view of node:util reads every export, which loads worker_threads,
// parseArgs and util.diff (1 MiB of the main step's peak memory, bench/README.md).
const { isDeepStrictEqual } = process.getBuiltinModule('node:util');

/**
 * The kind of a shared file, as its ownership record stores it (so any job can take out an item another job placed).
 * `text-blocks`: a file of whole blocks of lines, e.g. a PEM bundle (certs.d's ca.crt) where each CA is one block.
 * `json-list`: a JSON object file whose top-level `key` is a list of strings that jobs add entries to, e.g. the Docker
 * daemon's config file and its `insecure-registries`; only the list's bytes are ever edited.
 */
export type ContentFormat = { kind: 'text-blocks' } | { kind: 'json-list'; key: string };

/** The operations the ownership rules need from a format; each is pure and never loses bytes it does not own. */
export interface SharedContent {
  /** true when `item` is in `content` */
  holds(content: string, item: string): boolean;
  /**
   * `content` with `item` added (`undefined`: the file does not exist yet). Throws, with the reason, when `content`
   * cannot be read as this format: such a file is never changed.
   */
  add(content: string | undefined, item: string): string;
  /**
   * `content` without one copy of `item` (the last that can go: the others, e.g. the original's, stay), such that every
   * item of `keep` that `content` holds is still held (one job's CA may be part of another job's bundle); undefined when
   * no copy can go so.
   */
  remove(content: string, item: string, keep?: string[]): string | undefined;
  /**
   * true when `content` (with every job's items taken out) is the file as it was before: then the backup, which has the
   * exact bytes, mode and modification time, may be put back. Anything else means someone else changed the file.
   */
  isOriginal(content: string, original: string): boolean;
  /** true when `content` (with every job's items taken out) is nothing: a file the jobs made can then go */
  isEmpty(content: string): boolean;
}

/**
 * Where `block` (without its final newline) starts as whole lines in `content`, the last such place at or before
 * `from`; -1 when none.
 */
function lastBlockAt(content: string, block: string, from = content.length): number {
  for (let at = content.lastIndexOf(block, from); at >= 0; at = at === 0 ? -1 : content.lastIndexOf(block, at - 1)) {
    const end = at + block.length;
    const startsLine = at === 0 || content[at - 1] === '\n';
    const endsLine = end === content.length || content[end] === '\n' || content[end] === '\r';
    if (startsLine && endsLine) return at;
  }
  return -1;
}

/** `content` without the block at `at` and its line end. */
function cutBlock(content: string, at: number, block: string): string {
  let end = at + block.length;
  if (content[end] === '\r') end++;
  if (content[end] === '\n') end++;
  return content.slice(0, at) + content.slice(end);
}

const holdsBlock = (content: string, item: string) => lastBlockAt(content, item.trimEnd()) >= 0;

const textBlocks: SharedContent = {
  holds: holdsBlock,
  add: (content, item) => {
    const block = `${item.trimEnd()}\n`;
    if (content === undefined || content === '') return block;
    // A PEM block must start on a line of its own.
    return `${content}${content.endsWith('\n') ? '' : '\n'}${block}`;
  },
  remove: (content, item, keep = []) => {
    const block = item.trimEnd();
    const held = keep.filter((k) => holdsBlock(content, k));
    for (let at = lastBlockAt(content, block); at >= 0; at = at === 0 ? -1 : lastBlockAt(content, block, at - 1)) {
      const cut = cutBlock(content, at, block);
      if (held.every((k) => holdsBlock(cut, k))) return cut;
    }
    return undefined;
  },
  // add() may have given a file without a final newline one: that is no change of the original.
  isOriginal: (content, original) => content.trimEnd() === original.trimEnd(),
  isEmpty: (content) => content.trim() === '',
};

// --- json-list ---------------------------------------------------------------------------------------------------

/** Where a JSON value lies in the text: [start, end). */
interface Span {
  start: number;
  end: number;
}

/** A member of the top-level object: its key (decoded), where the key starts and where its value lies. */
interface Member {
  key: string;
  keyStart: number;
  value: Span;
}

const WS = new Set([' ', '\t', '\n', '\r']);

function skipWs(text: string, at: number): number {
  while (at < text.length && WS.has(text[at] as string)) at++;
  return at;
}

/** The end of the JSON value that starts at `at` (in text already known to be valid JSON). */
function valueEnd(text: string, at: number): number {
  const c = text[at];
  if (c === '"') {
    for (let i = at + 1; ; i++) {
      if (text[i] === '\\') i++;
      else if (text[i] === '"') return i + 1;
    }
  }
  if (c === '{' || c === '[') {
    let depth = 0;
    for (let i = at; ; i++) {
      const d = text[i];
      if (d === '"') i = valueEnd(text, i) - 1;
      else if (d === '{' || d === '[') depth++;
      else if (d === '}' || d === ']') {
        depth--;
        if (depth === 0) return i + 1;
      }
    }
  }
  let i = at;
  while (i < text.length && !WS.has(text[i] as string) && !',}]'.includes(text[i] as string)) i++;
  return i;
}

/** The values of a JSON object or array whose text is `span` (members with their keys for an object). */
function entriesOf(text: string, span: Span): Member[] {
  const object = text[span.start] === '{';
  const entries: Member[] = [];
  let at = skipWs(text, span.start + 1);
  while (at < span.end - 1) {
    let key = '';
    const keyStart = at;
    if (object) {
      const keyEnd = valueEnd(text, at);
      key = JSON.parse(text.slice(at, keyEnd)) as string;
      at = skipWs(text, skipWs(text, keyEnd) + 1); // past the colon
    }
    const end = valueEnd(text, at);
    entries.push({ key, keyStart, value: { start: at, end } });
    at = skipWs(text, end);
    if (text[at] === ',') at = skipWs(text, at + 1);
  }
  return entries;
}

/** A JSON object file, read: its text (`{}` for an empty file), the value, and where the list of `key` is. */
interface JsonListFile {
  text: string;
  value: Record<string, unknown>;
  object: Span;
  members: Member[];
  /** the member `key`, when the object has it */
  list?: Member;
}

const JSON_TOKEN = {
  // eslint-disable-next-line no-control-regex
  string: /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y,
  number: /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y,
  literal: /true|false|null/y,
};

/**
 * Where `text` stops being JSON (RFC 8259, as Go's encoding/json reads it), or undefined when it is JSON. JSON.parse
 * says whether, but not where in every Node version, and its message may quote the text.
 */
function invalidJsonAt(text: string): number | undefined {
  let at = 0;
  const token = (re: RegExp): boolean => {
    re.lastIndex = at;
    if (!re.test(text)) return false;
    at = re.lastIndex;
    return true;
  };
  const value = (): boolean => {
    at = skipWs(text, at);
    const c = text[at];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      at = skipWs(text, at + 1);
      for (let first = true; ; first = false) {
        if (first && text[at] === close) break;
        if (c === '{') {
          at = skipWs(text, at);
          if (!token(JSON_TOKEN.string)) return false;
          at = skipWs(text, at);
          if (text[at] !== ':') return false;
          at++;
        }
        if (!value()) return false;
        at = skipWs(text, at);
        if (text[at] === close) break;
        if (text[at] !== ',') return false;
        at++;
      }
      at++; // past the closing bracket
      return true;
    }
    return token(JSON_TOKEN.string) || token(JSON_TOKEN.number) || token(JSON_TOKEN.literal);
  };
  if (!value()) return at;
  at = skipWs(text, at);
  return at === text.length ? undefined : at;
}

/** "line L, column C" of a position in `text`. */
function lineAndColumn(text: string, at: number): string {
  const before = text.slice(0, at).split('\n');
  return `line ${before.length}, column ${(before.at(-1) as string).length + 1}`;
}

/**
 * Reads `content` as a JSON object whose `key` (when present) is a list of strings; throws with the reason (never the
 * file's text, which may hold anything) when it is not. An empty file reads as `{}`, as the Docker daemon reads it.
 */
function readJsonList(content: string, key: string): JsonListFile {
  const text = content.trim() === '' ? '{}' : content;
  const bad = invalidJsonAt(text);
  if (bad !== undefined) throw new Error(`it is not valid JSON (at ${lineAndColumn(text, bad)})`);
  const value: unknown = JSON.parse(text);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('it is not a JSON object');
  const start = skipWs(text, 0);
  const object = { start, end: valueEnd(text, start) };
  const members = entriesOf(text, object);
  const named = members.filter((m) => m.key === key);
  if (named.length > 1) throw new Error(`it names ${JSON.stringify(key)} more than once`);
  const list = named[0];
  const listed = (value as Record<string, unknown>)[key];
  if (list && (!Array.isArray(listed) || listed.some((e) => typeof e !== 'string')))
    throw new Error(`its ${JSON.stringify(key)} is not a list of strings`);
  return { text, value: value as Record<string, unknown>, object, members, ...(list ? { list } : {}) };
}

/** The list's entries (decoded) with where each lies. */
function listEntries(file: JsonListFile): Array<{ value: string; span: Span }> {
  if (!file.list) return [];
  return entriesOf(file.text, file.list.value).map((e) => ({
    value: JSON.parse(file.text.slice(e.value.start, e.value.end)) as string,
    span: e.value,
  }));
}

/** The text between an opening bracket and its first entry (the file's own indentation), or `fallback`. */
function leadIn(text: string, open: number, first: number | undefined, fallback: string): string {
  return first === undefined ? fallback : text.slice(open + 1, first) || ' ';
}

function jsonList(key: string): SharedContent {
  const quotedKey = JSON.stringify(key);
  const holds = (content: string, item: string) => {
    try {
      return listEntries(readJsonList(content, key)).some((e) => e.value === item);
    } catch {
      return false;
    }
  };
  return {
    holds,
    add: (content, item) => {
      const entry = JSON.stringify(item);
      if (content === undefined || content.trim() === '') return `{\n  ${quotedKey}: [${entry}]\n}\n`;
      const file = readJsonList(content, key);
      const { text } = file;
      const insert = (at: number, what: string) => text.slice(0, at) + what + text.slice(at);
      if (file.list) {
        const entries = listEntries(file);
        const last = entries.at(-1);
        // An empty list gets the entry inside its brackets; else after the last entry, spaced as the first one is.
        if (!last) return `${text.slice(0, file.list.value.start)}[${entry}]${text.slice(file.list.value.end)}`;
        const gap = leadIn(text, file.list.value.start, entries[0]?.span.start, ' ');
        return insert(last.span.end, `,${gap}${entry}`);
      }
      const lastMember = file.members.at(-1);
      const member = `${quotedKey}: [${entry}]`;
      if (!lastMember) return `${text.slice(0, file.object.start)}{\n  ${member}\n}${text.slice(file.object.end)}`;
      const gap = leadIn(text, file.object.start, file.members[0]?.keyStart, ' ');
      return insert(lastMember.value.end, `,${gap}${member}`);
    },
    remove: (content, item, keep = []) => {
      let file: JsonListFile;
      try {
        file = readJsonList(content, key);
      } catch {
        return undefined;
      }
      const entries = listEntries(file);
      const held = keep.filter((k) => holds(content, k));
      for (let i = entries.length - 1; i >= 0; i--) {
        if (entries[i]?.value !== item) continue;
        const list = file.list as Member;
        // The entry and one comma beside it: the one before it, or for the first entry the one after it.
        const cut =
          entries.length === 1
            ? { start: list.value.start + 1, end: list.value.end - 1 }
            : i > 0
              ? { start: (entries[i - 1] as { span: Span }).span.end, end: (entries[i] as { span: Span }).span.end }
              : { start: (entries[0] as { span: Span }).span.start, end: (entries[1] as { span: Span }).span.start };
        const without = content.slice(0, cut.start) + content.slice(cut.end);
        if (held.every((k) => holds(without, k))) return without;
      }
      return undefined;
    },
    // A list the jobs emptied ([]) where the original had no such key is the original: the daemon reads both alike.
    isOriginal: (content, original) => {
      try {
        const now = readJsonList(content, key).value; // a fresh parse: ours to change
        const before = readJsonList(original, key).value;
        if (!(key in before) && Array.isArray(now[key]) && (now[key] as unknown[]).length === 0) delete now[key];
        return isDeepStrictEqual(now, before);
      } catch {
        return content.trimEnd() === original.trimEnd();
      }
    },
    isEmpty: (content) => {
      try {
        const { value } = readJsonList(content, key);
        return Object.keys(value).every((k) => k === key && (value[k] as unknown[]).length === 0);
      } catch {
        return false;
      }
    },
  };
}

/**
 * Pure: why `content` cannot take entries of the list `key` (not JSON, not an object, `key` not a list of strings, or
 * named twice), or undefined when it can. Never quotes the file's text.
 */
export function jsonListProblem(content: string, key: string): string | undefined {
  try {
    readJsonList(content, key);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** The operations of a format kind. */
export function sharedContent(format: ContentFormat): SharedContent {
  switch (format.kind) {
    case 'text-blocks':
      return textBlocks;
    case 'json-list':
      return jsonList(format.key);
  }
}
