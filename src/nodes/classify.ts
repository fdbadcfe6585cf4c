import type { CredentialSource } from './pull-secret.js';
import { remediationFor, type PullCause, type PullContext } from './remediation.js';

/** Whether a node can pull an image, in the words of the `pull-check` output. */
export type PullVerdict = 'pullable' | 'not-pullable' | 'needs-credentials';

/** A pull failure explained: the verdict, the reason in plain words and the fix for the node's runtime. */
export interface PullClassification {
  verdict: PullVerdict;
  cause: PullCause;
  reason: string;
  remediation: string;
}

// Patterns in order: the first match wins. TLS and transport causes come first because a message that says
// "x509" or "HTTP response to HTTPS client" also names the request that failed (often a manifest path).
const PATTERNS: Array<[PullCause, RegExp, string]> = [
  [
    'http-registry',
    /server gave HTTP response to HTTPS client|wrong version number|ERR_SSL_WRONG_VERSION_NUMBER|packet length too long/i,
    'the registry speaks plain HTTP, but the node connects with HTTPS',
  ],
  [
    'https-registry',
    /Client sent an HTTP request to an HTTPS server|\[manifests [^\]]+\]: 400 Bad Request/i,
    'the registry speaks HTTPS, but the node connects with plain HTTP (the registry answers 400 Bad Request)',
  ],
  [
    'unknown-authority',
    /certificate signed by unknown authority|UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_GET_ISSUER_CERT|self[- ]signed certificate|unable to verify the first certificate/i,
    "the node does not trust the CA that signed the registry's certificate",
  ],
  [
    'certificate-invalid',
    /certificate has expired|CERT_HAS_EXPIRED|CERT_NOT_YET_VALID|not yet valid|ERR_TLS_CERT_ALTNAME_INVALID|x509: certificate is valid for|doesn't contain any IP SANs|Hostname\/IP does not match/i,
    "the registry's certificate is expired, not yet valid, or not issued for this host name",
  ],
  [
    'unreachable',
    /ECONNREFUSED|connection refused|ENOTFOUND|no such host|EAI_AGAIN|i\/o timeout|ETIMEDOUT|EHOSTUNREACH|network is unreachable|ECONNRESET|connection reset/i,
    'the node cannot reach the registry (or its token service) over the network',
  ],
  [
    'denied',
    /403 Forbidden|\bDENIED\b|requested access to the resource is denied|insufficient_scope/,
    'the registry refused the pull for these credentials (no pull permission on the repository)',
  ],
  [
    'unauthorized',
    /401 Unauthorized|\bUNAUTHORIZED\b|authentication required|pull access denied|failed to fetch (anonymous|oauth) token|invalid username\/password|no basic auth credentials/i,
    'the registry requires credentials for the pull',
  ],
  [
    'platform-missing',
    /no match for platform in manifest|no matching manifest for .* in the manifest list|no image found in manifest list for architecture|PLATFORM_MISSING/i,
    "the image index has no manifest for the node's platform",
  ],
  [
    'blob-missing',
    /BLOB_UNKNOWN|blob unknown|httpReadSeeker: failed open|failed to copy:.*not found|blobs\/sha256:[0-9a-f]{64}.*(not found|404)/i,
    'a layer or config blob of the image is missing in the registry',
  ],
  [
    'manifest-missing',
    /MANIFEST_UNKNOWN|manifest unknown|NAME_UNKNOWN|: not found\s*$|not found: manifest|\bnot found\b|404 Not Found/im,
    'the manifest (the image by its digest) is not in the registry',
  ],
  [
    'invalid-name',
    /InvalidImageName|invalid reference format|Failed to apply default image tag/i,
    'the image reference is not valid',
  ],
];

/**
 * Reads a pull failure as a node's runtime or our registry client reports it (containerd/ctr output, a kubelet event
 * or pod status message such as `Failed to pull image ...: rpc error: ... x509: certificate signed by unknown
 * authority`, a Docker or CRI-O message, or a RegistryError) and says whether the image is pullable with other
 * settings, why it failed, and what to change on the nodes (containerd hosts.toml, Docker certs.d or
 * insecure-registries, CRI-O registries.conf, the system trust store, or an imagePullSecret).
 */
export function classifyPullError(error: unknown, ctx: PullContext): PullClassification {
  const text = errorText(error);
  const status = statusOf(error);
  let cause: PullCause = 'unknown';
  let reason = '';
  for (const [name, pattern, words] of PATTERNS) {
    if (pattern.test(text)) {
      cause = name;
      reason = words;
      break;
    }
  }
  if (cause === 'unknown' && status === 401) [cause, reason] = ['unauthorized', 'the registry requires credentials'];
  if (cause === 'unknown' && status === 403) [cause, reason] = ['denied', 'the registry refused the pull'];
  if (cause === 'unknown')
    reason = /BackOff|Back-off/i.test(text) ? 'the kubelet backs off pulling' : 'the pull failed';
  const verdict: PullVerdict = cause === 'unauthorized' || cause === 'denied' ? 'needs-credentials' : 'not-pullable';
  if (verdict === 'needs-credentials' && ctx.sent) reason = credentialsReason(cause, ctx.sent) ?? reason;
  const sentNone = ctx.sent?.kind === 'unusable' ? `${ctx.sent.problem.reason}; ` : '';
  let remediation = remediationFor(cause, ctx);
  // A failure credentials would not fix: its own fix first, then the secret's.
  if (ctx.sent?.kind === 'unusable' && verdict !== 'needs-credentials') {
    remediation = `${remediation}\n${ctx.sent.problem.fix}`;
  }
  return { verdict, cause, reason: `${sentNone}${reason}: ${detailOf(error, text)}`, remediation };
}

// Whose credentials the registry refused, when the check knows what it sent.
function credentialsReason(cause: PullCause, sent: CredentialSource): string | undefined {
  const whose =
    sent.kind === 'secret'
      ? `the credentials in secret ${sent.secret}`
      : sent.kind === 'login' && sent.loggedIn
        ? `the login's credentials (standing in for secret ${sent.secret})`
        : undefined;
  if (!whose) return undefined;
  return cause === 'denied'
    ? `the registry refused the pull for ${whose} (no pull permission on the repository)`
    : `the registry refused ${whose}`;
}

// Our client's TLS and network errors carry advice for the runner; for a node, the request and the code say it.
function detailOf(error: unknown, text: string): string {
  const e = error as { request?: unknown; code?: unknown; status?: unknown } | null;
  if (
    e &&
    typeof e === 'object' &&
    typeof e.request === 'string' &&
    typeof e.code === 'string' &&
    e.status === undefined
  ) {
    return `${e.request}: ${e.code}`;
  }
  return lastLine(text);
}

/** The whole message of an error and its causes (undici wraps the TLS error in `cause`), codes included. */
function errorText(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    if (typeof current === 'string') {
      parts.push(current);
      break;
    }
    if (typeof current !== 'object') {
      parts.push(String(current));
      break;
    }
    const { message, code } = current as { message?: unknown; code?: unknown };
    if (typeof message === 'string' && message) parts.push(message);
    if (typeof code === 'string' && code && !parts.some((p) => p.includes(code))) parts.push(code);
    current = (current as { cause?: unknown }).cause;
  }
  return parts.join(': ');
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

// ctr prints log lines ("trying next host ...") before its final `ctr: ...` line; the last line is the one that counts.
function lastLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^(elapsed|unpacking|time=)/.test(l));
  const line = lines.at(-1) ?? text.trim();
  // The cause is at the end of a runtime's message (after the image and request it names): keep both ends.
  return line.length > 400 ? `${line.slice(0, 120)} … ${line.slice(-280)}` : line;
}
