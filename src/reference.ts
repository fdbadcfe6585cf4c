import { ActionError } from './errors.js';
import { quote } from './untrusted.js';

/**
 * Container image references as Distribution's `reference` package defines them, with Docker's normalization
 * (`docker.io` for a first component that is not a host, `library/` for official images). Pure: no I/O.
 */

/** A parsed image reference: `fullName` is normalized (`docker.io/library/nginx`), `familiarName` is what docker shows. */
export interface ImageReference {
  domain: string;
  path: string;
  tag?: string;
  digest?: string;
  fullName: string;
  familiarName: string;
}

/** A validated repository name (`repo`, `final-repo`): `name` is the value as the user wrote it, for werf's argv. */
export interface RepositoryName {
  name: string;
  domain: string;
  path: string;
  fullName: string;
  familiarName: string;
}

const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const PATH_MAX_LENGTH = 255;

// The grammar, piece by piece, as in distribution/reference/regexp.go.
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN_NAME = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*`;
const IPV6 = '\\[[a-fA-F0-9:]+\\]';
const DOMAIN_RE = new RegExp(`^(?:${DOMAIN_NAME}|${IPV6})(?::[0-9]+)?$`);
const PATH_COMPONENT_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG_RE = /^\w[\w.-]{0,127}$/;
const DIGEST_RE = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const DIGEST_HEX_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };
const ANCHORED_ID_RE = /^[a-f0-9]{64}$/;
const SCHEME_RE = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//;

/** The parts of a reference string, split the way Docker splits them, before any validation. */
interface RawParts {
  domain: string;
  domainGiven: boolean;
  path: string;
  tag?: string;
  digest?: string;
}

function splitReference(input: string): RawParts {
  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  // A tag is after the last ':' that follows the last '/': in `host:5000/app` the ':' is the port's.
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/') && !(rest.startsWith('[') && !rest.includes('/'))) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const slash = rest.indexOf('/');
  const first = slash === -1 ? '' : rest.slice(0, slash);
  // Docker's rule: the first component is a domain only with a '.' or ':', as `localhost`, or with uppercase letters.
  const isDomain = slash !== -1 && (/[.:]/.test(first) || first === 'localhost' || first !== first.toLowerCase());
  let domain = isDomain ? first : DEFAULT_DOMAIN;
  let path = isDomain ? rest.slice(slash + 1) : rest;
  if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && path !== '' && !path.includes('/')) path = `library/${path}`;
  return { domain, domainGiven: isDomain, path, tag, digest };
}

/** What is wrong with a registry host, or undefined. */
function domainProblem(domain: string): string | undefined {
  if (DOMAIN_RE.test(domain)) return undefined;
  return `has an invalid registry host ${quote(domain)}: a host name (letters, digits, "-" and "."), an IPv4 address or an IPv6 address in brackets, with an optional ":PORT" of digits`;
}

/** What is wrong with a repository path, or undefined. */
function pathProblem(path: string): string | undefined {
  if (path === '' || path === 'library/') return 'has no repository path';
  if (path.length > PATH_MAX_LENGTH) {
    return `has a repository path of ${path.length} characters; the limit is ${PATH_MAX_LENGTH}`;
  }
  const bad = /[^a-z0-9._\-/A-Z]/.exec(path);
  if (bad) {
    return `contains ${quote(bad[0])}, which a repository path cannot hold: lowercase letters, digits, "/", and ".", "_", "__" or "-" between them`;
  }
  if (/[A-Z]/.test(path)) return 'must be lowercase in its repository path';
  for (const component of path.split('/')) {
    if (component === '') return 'has an empty path component (a "//", or a "/" at the start or the end)';
    if (!PATH_COMPONENT_RE.test(component)) {
      return `has the path component ${quote(component)}, which must start and end with a letter or digit and have only ".", "_", "__" or "-" between them`;
    }
  }
  return undefined;
}

function digestProblem(digest: string): string | undefined {
  if (!DIGEST_RE.test(digest)) {
    return `has an invalid digest ${quote(digest)}: expected ALGORITHM:HEX such as "sha256:" and 64 hexadecimal digits`;
  }
  const [algorithm = '', hex = ''] = digest.split(':');
  const expected = DIGEST_HEX_LENGTH[algorithm];
  if (expected !== undefined && hex.length !== expected) {
    return `has an invalid digest ${quote(digest)}: a ${algorithm} digest has ${expected} hexadecimal digits, not ${hex.length}`;
  }
  return undefined;
}

function tagProblem(tag: string): string | undefined {
  if (TAG_RE.test(tag)) return undefined;
  return `has an invalid tag ${quote(tag)}: 1 to 128 letters, digits, "_", "." or "-", not starting with "." or "-"`;
}

/** The first problem with a reference, in the order a reader checks it, or undefined when it is valid. */
function referenceProblem(input: string, parts: RawParts): string | undefined {
  if (input === '') return 'is empty';
  if (/\s/.test(input)) return 'contains whitespace';
  if (SCHEME_RE.test(input)) return 'must not start with a scheme such as "https://"';
  if (ANCHORED_ID_RE.test(input)) return 'is a 64-character hexadecimal image ID, not a name';
  if (parts.domainGiven) {
    const problem = domainProblem(parts.domain);
    if (problem) return problem;
  }
  return (
    pathProblem(parts.path) ??
    (parts.tag !== undefined ? tagProblem(parts.tag) : undefined) ??
    (parts.digest !== undefined ? digestProblem(parts.digest) : undefined)
  );
}

function familiar(domain: string, path: string): string {
  if (domain !== DEFAULT_DOMAIN) return `${domain}/${path}`;
  return path.startsWith('library/') && path.indexOf('/', 8) === -1 ? path.slice(8) : path;
}

/**
 * Parses an image reference (`[domain[:port]/]path[:tag][@digest]`) by Distribution's grammar and normalizes it the
 * way Docker does. Throws an ActionError whose message says what is wrong with the input.
 */
export function parseImageReference(input: string): ImageReference {
  const parts = splitReference(input);
  const problem = referenceProblem(input, parts);
  if (problem) throw new ActionError(`Image reference ${quote(input)} ${problem}.`);
  const fullName = `${parts.domain}/${parts.path}`;
  return {
    domain: parts.domain,
    path: parts.path,
    ...(parts.tag !== undefined ? { tag: parts.tag } : {}),
    ...(parts.digest !== undefined ? { digest: parts.digest } : {}),
    fullName,
    familiarName: familiar(parts.domain, parts.path),
  };
}

/**
 * Validates a `repo` or `final-repo` value: a repository name only. A scheme, a tag, a digest, uppercase letters or a
 * trailing slash is rejected with a message that shows the corrected value; other problems say what is wrong. The
 * caller skips an empty optional `final-repo`; an empty value here is an error.
 */
export function parseRepository(input: string, inputName: 'repo' | 'final-repo'): RepositoryName {
  const why = (problem: string) => `${inputName} ${quote(input)} ${problem}`;
  if (input.trim() === '') throw new ActionError(why('is empty: give a repository such as "registry.example.com/app"'));
  const { clauses, corrected, example } = correctRepository(input, inputName);
  const parts = splitReference(corrected);
  const remaining = referenceProblem(corrected, parts);
  if (clauses.length > 0) {
    // Show the corrected value only when it is valid; otherwise say what else is wrong.
    const tail = remaining ? `; and it ${remaining}` : `; ${example ? 'for example' : 'use'} ${quote(corrected)}`;
    throw new ActionError(`${why(clauses.join('; '))}${tail}`);
  }
  if (remaining) throw new ActionError(why(remaining));
  return {
    name: input,
    domain: parts.domain,
    path: parts.path,
    fullName: `${parts.domain}/${parts.path}`,
    familiarName: familiar(parts.domain, parts.path),
  };
}

/** The fixable problems of a repository value, each as a clause with its reason, and the value with all of them fixed. */
function correctRepository(
  input: string,
  inputName: string,
): { clauses: string[]; corrected: string; example?: boolean } {
  const clauses: string[] = [];
  let value = input;
  if (value !== value.trim()) {
    clauses.push('must not have spaces around it');
    value = value.trim();
  }
  const scheme = SCHEME_RE.exec(value);
  if (scheme) {
    clauses.push(
      `must not contain a scheme: werf picks HTTPS itself (set insecure-registry: true for a plain-HTTP registry)`,
    );
    value = value.slice(scheme[0].length);
  }
  if (/\/+$/.test(value) && value.replace(/\/+$/, '') !== '') {
    clauses.push('must not end with "/"');
    value = value.replace(/\/+$/, '');
  }
  const parts = splitReference(value);
  // `localhost:5000`, `registry.example.com` or `[::1]:5000`: a registry without a repository (the ':' is a port's).
  const portOrNothing = parts.tag === undefined || /^\d+$/.test(parts.tag);
  if (!value.includes('/') && parts.digest === undefined && portOrNothing && looksLikeHost(value)) {
    clauses.push('names a registry but no repository in it: add the repository path');
    return { clauses, corrected: `${value}/app`, example: true };
  }
  const cut = value.search(parts.digest !== undefined ? /@/ : /$/);
  let name = value.slice(0, cut);
  if (parts.tag !== undefined) name = name.slice(0, name.length - parts.tag.length - 1);
  if (parts.tag !== undefined && parts.digest !== undefined) {
    clauses.push(`must not contain a tag or a digest: ${tagReason(inputName)}`);
  } else if (parts.tag !== undefined) {
    clauses.push(`must not contain a tag: ${tagReason(inputName)}`);
  } else if (parts.digest !== undefined) {
    clauses.push('must not contain a digest: a digest names one image, and werf needs the repository the images go to');
  }
  // Uppercase in the path, or in a first component Docker would then take for a host (`MyUser/app`).
  const slash = name.indexOf('/');
  const first = slash === -1 ? '' : name.slice(0, slash);
  const firstIsHost = /[.:]/.test(first) || first === 'localhost';
  const lowered = firstIsHost ? `${first}/${name.slice(slash + 1).toLowerCase()}` : name.toLowerCase();
  if (lowered !== name && !/\s/.test(name)) {
    clauses.push('must be lowercase: repository paths allow no uppercase letters');
    name = lowered;
  }
  return { clauses, corrected: name };
}

function tagReason(inputName: string): string {
  return inputName === 'final-repo' ? 'werf tags final images itself' : 'werf tags the images it stores there itself';
}

function looksLikeHost(value: string): boolean {
  const host = value.replace(/:\d+$/, '');
  return host.includes('.') || host === 'localhost' || host.startsWith('[');
}

/**
 * host[:port] as a reference writes it (an IPv6 address in brackets), split into the name or IP address that a
 * connection opens and a certificate must name (without brackets), and the port when one is written. Pure.
 */
export function splitHostPort(host: string): { name: string; port?: number } {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(host);
  if (v6) return v6[2] === undefined ? { name: v6[1] as string } : { name: v6[1] as string, port: Number(v6[2]) };
  const withPort = /^(.*):(\d+)$/.exec(host);
  return withPort ? { name: withPort[1] as string, port: Number(withPort[2]) } : { name: host };
}

/** host[:port] (or [v6]:port) -> the bare host name or IP address the certificate must name. Pure. */
export function hostName(host: string): string {
  return splitHostPort(host).name;
}
