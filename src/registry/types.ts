/** How to reach one registry: where it is, what verifies its certificate, and who we are to it. */
export interface RegistryAccess {
  /** host[:port], e.g. `registry.example.com:5443` (docker.io for Docker Hub). */
  host: string;
  /** `http` only for a registry that speaks plain HTTP (`insecure-registry`). */
  scheme: 'https' | 'http';
  /** PEM of the CA that signed the registry's certificate; used when `trust` is `ca`. */
  ca?: string;
  /** `system`: the system bundle (SSL_CERT_FILE, else the OS bundle, as Go reads it); `ca`: that bundle plus `ca`; `skip-verify`: no certificate check for this registry. */
  trust: 'system' | 'ca' | 'skip-verify';
  /** '' = anonymous. */
  username: string;
  /** '' = none. Never logged. */
  password: string;
}

/** Tuning of one client; every field has a default that suits a CI job. */
export interface RegistryClientOptions {
  /** Per request: connect, answer headers and body each within this (default 30 s). */
  timeoutMs?: number;
  /** Connections per origin, i.e. requests in flight at once (default 8). */
  concurrency?: number;
  /** Bound on the whole stage: every request, and every wait before a retry, ends once this signal aborts. */
  signal?: AbortSignal;
  /**
   * Retries of GET/HEAD on 408/429/5xx and resets, and of a GET whose body broke off (defaults: 4 retries, 250 ms
   * doubling, waits capped at 10 s). A `Retry-After` up to maxRetryAfterMs (default 10 s) is waited as asked; a longer
   * one is not waited for: that answer (429/503) is final.
   */
  retry?: { maxRetries?: number; minDelayMs?: number; maxDelayMs?: number; maxRetryAfterMs?: number };
  /** Proxy settings; default: HTTPS_PROXY / HTTP_PROXY / NO_PROXY from the environment. */
  proxy?: { httpProxy?: string; httpsProxy?: string; noProxy?: string };
  /**
   * Over the job's session with the registry (src/registry/session.ts): its connections, auth scheme and tokens,
   * shared with the other stages' clients; closing the client leaves them open. Default: a client of its own.
   */
  shared?: boolean;
}

/** The auth scheme a registry asked for on `GET /v2/`. */
export interface PingResult {
  scheme: 'basic' | 'bearer' | 'none';
  realm?: string;
  service?: string;
}

/** A manifest as the registry served it. */
export interface FetchedManifest {
  /** The `Docker-Content-Digest` header ('' when the registry sent none). */
  digest: string;
  /** sha256 of the body as received. */
  bodyDigest: string;
  /** The `Content-Type` the registry answered with (no parameters). */
  mediaType: string;
  body: Buffer;
}

/** A client for one registry: ping, credentials, manifests and blobs over the distribution HTTP API. */
export interface RegistryClient {
  readonly access: RegistryAccess;
  /** `GET /v2/` once (cached) and learn the auth scheme. */
  ping(): Promise<PingResult>;
  /** Prove the credentials work (token for `scope` when the registry uses tokens); throws RegistryError. */
  checkCredentials(scope?: string): Promise<void>;
  /** GET a manifest by tag or digest with all four manifest media types accepted. */
  getManifest(repo: string, reference: string): Promise<FetchedManifest>;
  /** HEAD a blob; throws RegistryError (code BLOB_UNKNOWN) when it is missing. */
  headBlob(repo: string, digest: string): Promise<void>;
  /** GET a small blob (an image config), following the registry's redirect to its storage; throws like headBlob. */
  getBlob(repo: string, digest: string): Promise<Buffer>;
  /** HTTP requests sent on the wire so far (retries and token fetches included). */
  requestCount(): number;
  /** Close the connections. */
  close(): Promise<void>;
}
