// werf's slugs (pkg/slug) for the double: a name that is not valid as it is becomes its slugified form, cropped, plus
// a dash and the murmur3 (32-bit) hash of the original in hex without leading zeros.

/** MurmurHash3 x86 32-bit of the UTF-8 bytes of `text`, seed 0 (spaolacci/murmur3 as werf's LegacyMurmurHash uses). */
export function murmur3(text) {
  const bytes = Buffer.from(text, 'utf8');
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  const rotl = (x, r) => (x << r) | (x >>> (32 - r));
  const mixK = (k) => Math.imul(rotl(Math.imul(k, c1), 15), c2);
  let h = 0;
  const blocks = bytes.length >> 2;
  for (let i = 0; i < blocks; i++) {
    h ^= mixK(bytes.readInt32LE(i * 4));
    h = (Math.imul(rotl(h, 13), 5) + 0xe6546b64) | 0;
  }
  const tail = bytes.subarray(blocks * 4);
  if (tail.length > 0) {
    let k = 0;
    for (let i = tail.length - 1; i >= 0; i--) k = (k << 8) | tail[i];
    h ^= mixK(k);
  }
  h ^= bytes.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0).toString(16);
}

// What werf's table makes of each ASCII character: letters lower-cased, digits kept, these punctuation marks a dash,
// anything else dropped. Other characters: werf transliterates them with a table of its own; the double approximates
// it with the Unicode decomposition (é -> e), dropping what is left.
const DASH = new Set([...'&(){}-_[],.;:=+<>~/ ']);
function transliterate(char) {
  if (/^[a-z0-9]$/.test(char)) return char;
  if (/^[A-Z]$/.test(char)) return char.toLowerCase();
  if (DASH.has(char)) return '-';
  if (char.charCodeAt(0) < 128) return '';
  return char
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

/** werf's slugify: transliterate, no leading, doubled or trailing dashes. */
export function slugify(text) {
  let result = '';
  let previousDash = false;
  let lastDash = false;
  for (const char of text) {
    const cursor = transliterate(char);
    if (cursor === '') continue;
    lastDash = cursor === '-';
    if (lastDash && (result === '' || previousDash)) continue;
    result += cursor;
    previousDash = lastDash;
  }
  return result !== '' && lastDash ? result.slice(0, -1) : result;
}

// werf's slug(): crop the slugified text to leave room for "-<hash>"; a cropped text that starts with a dash loses its
// LAST character (a legacy quirk werf keeps for reproducibility).
function slug(text, maxSize) {
  const hash = murmur3(text);
  const slugged = slugify(text);
  if (slugged === '') return hash;
  let cropped = slugged.slice(0, maxSize - hash.length - 1);
  if (cropped.startsWith('-')) cropped = cropped.slice(0, -1);
  return `${cropped}-${hash}`;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Why `name` is not a Kubernetes namespace (werf's validateKubernetesNamespace), or '' when it is one. */
export function namespaceProblem(name) {
  const prefix = 'kubernetes namespace should be a valid DNS-1123 label';
  if (name.length === 0) return '';
  if (name.length > 63) return `${prefix}: "${name}" is ${name.length} chars long`;
  if (!DNS1123_LABEL.test(name))
    return `${prefix}: a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`;
  return '';
}

/** Why `name` is not a Helm release name (werf's validateHelmRelease), or '' when it is one. */
export function releaseProblem(name) {
  const prefix = 'helm release name should be a valid DNS-1123 subdomain and be maximum 53 chars';
  if (name.length === 0) return '';
  if (name.length > 53) return `${prefix}: "${name}" is ${name.length} chars long`;
  if (!DNS1123_SUBDOMAIN.test(name))
    return `${prefix}: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`;
  return '';
}

/** werf's slug.KubernetesNamespace: the name itself when valid, else its slug (at most 63 characters). */
export const kubernetesNamespace = (name) => (namespaceProblem(name) ? slug(name, 63) : name);

/** werf's slug.HelmRelease: the name itself when valid, else its slug (at most 53 characters). */
export const helmRelease = (name) => (releaseProblem(name) ? slug(name, 53) : name);
