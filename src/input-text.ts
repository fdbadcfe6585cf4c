// How the text of an input is read before it is validated: as the runner hands it over (untrimmed), with the
// limits that keep a wrong value from hanging the step or reaching a registry, and with errors that say where a
// value is wrong without repeating it (a value may be a secret, and a YAML parser's message quotes the text).
import * as fs from 'node:fs';
import { quote } from './untrusted.js';

/** The largest password or token accepted: registries refuse larger Authorization headers (nginx: 8 KiB a line). */
const MAX_PASSWORD_BYTES = 16 * 1024;
/** The largest `registries` list and `kube-config-base64`: far above real ones (GitHub stores secrets up to 48 KB). */
export const MAX_SECRET_INPUT_BYTES = 256 * 1024;
/** The largest file `ca-cert` or `werf-signing-key` may name (a CA bundle of a whole OS is about 220 KiB). */
export const MAX_INPUT_FILE_BYTES = 1024 * 1024;

/**
 * An input's text as the runner sets it (`INPUT_<NAME>`, spaces as `_`, upper case), untrimmed: `core.getInput`
 * trims, which would silently change a password with spaces around it. '' when unset.
 */
export function rawInput(name: string, env: NodeJS.ProcessEnv = process.env): string {
  return env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '';
}

/** Whether a value holds a line break the runner would split a log line at (it splits at CR, LF and CRLF). */
export function hasLineBreak(value: string): boolean {
  return /[\r\n]/.test(value);
}

/**
 * A password or token as werf and the registry get it (pure): the text as written, except the line break(s) at its
 * end that a YAML block scalar (`|`, `>`) adds, which no registry password has. Spaces and tabs stay.
 */
export function passwordText(raw: string): string {
  return raw.replace(/[\r\n]+$/, '');
}

/**
 * What is wrong with a password (pure), in a sentence that names the input (`name`) but never the value: a line
 * break inside, or a size no registry accepts. undefined when it is fine.
 */
export function passwordProblem(name: string, password: string): string | undefined {
  if (hasLineBreak(password)) {
    return `Input ${name} has a line break inside it: a password or token is one line (only a line break at its end, as a YAML block scalar adds, is dropped).`;
  }
  const bytes = Buffer.byteLength(password, 'utf8');
  if (bytes > MAX_PASSWORD_BYTES) {
    return `Input ${name} is ${sizeText(bytes)}, more than the ${sizeText(MAX_PASSWORD_BYTES)} a password or token may have here: registries refuse an Authorization header that large; check that the right secret is passed.`;
  }
  return undefined;
}

/** A size in words: bytes below 1 KiB, else KiB or MiB. */
export function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${Math.round((bytes / 1024) * 10) / 10} KiB`;
  return `${Math.round((bytes / 1024 / 1024) * 10) / 10} MiB`;
}

/** A file's text read within a bound, or why it was not read (a clause: "there is no such file"). */
export type BoundedRead = { ok: true; text: string } | { ok: false; why: string };

/**
 * Reads a regular file of at most `maxBytes` (UTF-8). Anything else is refused before it is opened (a directory, a
 * FIFO, a device such as /dev/zero: reading those would fail, block or never end) or while it is read (a file larger
 * than the bound, also one that grows). Never blocks: the file is opened non-blocking and checked again once open.
 */
export function readBoundedFile(file: string, maxBytes: number): BoundedRead {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (err) {
    return { ok: false, why: openFailure(err) };
  }
  if (!stat.isFile()) return { ok: false, why: `it is ${fileKind(stat)}, not a regular file` };
  if (stat.size > maxBytes) return { ok: false, why: `it is larger than ${sizeText(maxBytes)}` };
  let fd: number;
  try {
    // O_NONBLOCK: if the path was swapped for a FIFO since the stat, open returns instead of waiting for a writer.
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  } catch (err) {
    return { ok: false, why: openFailure(err) };
  }
  try {
    const opened = fs.fstatSync(fd);
    if (!opened.isFile()) return { ok: false, why: `it is ${fileKind(opened)}, not a regular file` };
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    while (length < buffer.length) {
      const n = fs.readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
    }
    if (length > maxBytes) return { ok: false, why: `it is larger than ${sizeText(maxBytes)}` };
    return { ok: true, text: buffer.subarray(0, length).toString('utf8') };
  } catch (err) {
    return { ok: false, why: openFailure(err) };
  } finally {
    fs.closeSync(fd);
  }
}

function openFailure(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return 'there is no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'it cannot be read (permission denied)';
  if (code === 'ENAMETOOLONG') return 'the name is too long for a path';
  return `it cannot be read (${code ?? 'error'})`;
}

function fileKind(stat: fs.Stats): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a FIFO (named pipe)';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  if (stat.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * An input value for an error message about it when it may be shown: a short one-line value (a path, a name)
 * JSON-quoted; for anything else only its shape, so that a key or a secret pasted into the wrong input is not
 * repeated in the log. Pure.
 */
export function shownValue(value: string): string {
  if (!hasLineBreak(value) && value.length <= 256) return quote(value);
  const lines = value.split(/\r\n|\r|\n/).length;
  return `(a value of ${value.length} characters${lines > 1 ? ` on ${lines} lines` : ''}, not shown)`;
}

/**
 * Where a YAML text is wrong and why, from js-yaml's exception (pure): "at line 3, column 13: a value that starts with
 * "*" is read as a YAML alias: quote it". The exception's message is never used: it quotes the text around the error,
 * and that text may be a password.
 */
export function yamlErrorWhere(err: unknown): string {
  const e = err as { reason?: unknown; mark?: { line?: unknown; column?: unknown } } | null;
  const line = typeof e?.mark?.line === 'number' ? e.mark.line + 1 : undefined;
  const column = typeof e?.mark?.column === 'number' ? e.mark.column + 1 : undefined;
  const where = line !== undefined ? `at line ${line}${column !== undefined ? `, column ${column}` : ''}` : 'somewhere';
  const reason = typeof e?.reason === 'string' ? e.reason : '';
  const known = YAML_PROBLEMS.find(([pattern]) => pattern.test(reason));
  return `${where}: ${known ? known[1] : 'the YAML syntax is broken there'}`;
}

// js-yaml's reasons (lib/loader.js) by their fixed beginnings; some go on to quote the text they met: never shown.
const YAML_PROBLEMS: Array<[RegExp, string]> = [
  [/^(unidentified alias|name of an alias)/, 'a value that starts with "*" is read as a YAML alias: quote it'],
  [
    /^(unknown tag|undeclared tag|tag |named tag|unacceptable node kind|cannot resolve a node|there is a previously declared suffix)/,
    'a value that starts with "!" is read as a YAML tag: quote it',
  ],
  [/^(name of an anchor|duplication of an anchor)/, 'a value that starts with "&" is read as a YAML anchor: quote it'],
  [
    /within a flow collection|missed comma between flow collection entries/,
    'a "[" or "{" opens a YAML list or mapping that is not closed: quote a value that starts with one',
  ],
  [
    /quoted scalar|unknown escape sequence|expected hexadecimal character|expected valid JSON character/,
    'a quoted value is not closed, or has an escape sequence YAML does not know',
  ],
  [/^tab characters/, 'a tab in the indentation: indent with spaces'],
  [/^duplicated mapping key/, 'a key appears twice in one entry'],
  [/^(the stream contains non-printable|null byte)/, 'a control character: the text must be printable'],
  [
    /^(bad indentation|can not read|a whitespace character is expected|incomplete explicit mapping pair|end of the stream or a document separator|a line break is expected|missing indentation)/,
    'a "key: value" pair is expected at the indentation of its entry (quote a value that starts with * ! & [ { | > % @ or `)',
  ],
];
