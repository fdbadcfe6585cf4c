// werf's releases as The Update Framework (TUF) serves them, through tuf-js: a root pinned by version and SHA-512,
// root rotations, timestamp/snapshot/targets checked for signatures, thresholds, expiry and versions, and every target
// accepted only with the length and hashes of the signed targets metadata. Loaded with import() by install.ts, so
// tuf-js costs nothing to runs that take werf-path.
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Transform, Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as core from '@actions/core';
import { Updater, type Fetcher, type TargetFile } from 'tuf-js';
import { DownloadHTTPError, DownloadLengthMismatchError } from 'tuf-js/dist/error.js';
import { request, type Dispatcher } from '../undici.js';
import { ActionError } from '../errors.js';
import type { TufRootPin } from '../inputs.js';
import { oneLine } from '../untrusted.js';
import { replaceFile } from '../system/files.js';
import { releaseHostDispatcher } from './release-host.js';

/** tuf-js's own limit for a root file: a "root" larger than this is not one. */
const ROOT_MAX_LENGTH = 512_000;
const TOP_LEVEL_METADATA = ['root', 'targets', 'snapshot', 'timestamp'];

/** Where a TUF repository lives and what is trusted for it. */
export interface TufRepositoryOptions {
  /** werf-base-url, without a trailing slash: metadata at `{baseUrl}/…`, targets under `{baseUrl}/targets/…` */
  baseUrl: string;
  /** the root trusted first: `{baseUrl}/{version}.root.json` must have this SHA-512 */
  pin: TufRootPin;
  /** kept between runs (in the runner's tool cache): the last verified metadata and small targets */
  stateDir: string;
  /** this run's scratch folder (in RUNNER_TEMP); the caller removes it */
  workDir: string;
}

/** A TUF repository whose metadata has been refreshed and verified: what its signed targets metadata says. */
export interface TufRepository {
  /** The signed length and hashes of a target; undefined when the targets metadata does not list it. */
  target(targetPath: string): Promise<TargetFile | undefined>;
  /** Whether `file` has exactly the signed length and hashes of `target` (false when it is missing). */
  matches(target: TargetFile, file: string): Promise<boolean>;
  /** Downloads a target to `dest`, kept only with the signed length and hashes; `what` names it in errors. */
  download(target: TargetFile, dest: string, what: string): Promise<void>;
  /** A small target's content (a channel file): from the state folder while it is still the signed one. */
  read(target: TargetFile, what: string): Promise<Buffer>;
  /** How many HTTP requests the repository has cost so far. */
  readonly requests: number;
  /** Frees the HTTP client. */
  close(): Promise<void>;
}

/**
 * Opens werf's TUF repository at `baseUrl` and refreshes its metadata as the TUF client workflow requires. The first
 * time (no state yet) the root is fetched as `{baseUrl}/{pin.version}.root.json` and trusted only when its SHA-512 is
 * the pin; later runs start from the metadata verified last time (kept in `stateDir`), so only what changed is fetched
 * and older metadata is refused (rollback protection). The refreshed metadata goes back to `stateDir` only when it
 * verified. Every failure is an ActionError that says what the user can do.
 */
export async function openTufRepository(opts: TufRepositoryOptions): Promise<TufRepository> {
  const metadataDir = path.join(opts.workDir, 'metadata');
  const targetsDir = path.join(opts.workDir, 'targets');
  fs.mkdirSync(metadataDir, { recursive: true });
  fs.mkdirSync(targetsDir, { recursive: true });
  const fetcher = new ReleaseFetcher(opts.workDir);
  const newUpdater = () =>
    new Updater({
      metadataDir,
      metadataBaseUrl: opts.baseUrl,
      targetDir: targetsDir,
      targetBaseUrl: `${opts.baseUrl}/targets`,
      fetcher,
    });
  try {
    let updater: Updater | undefined;
    const cached = copyMetadata(path.join(opts.stateDir, 'metadata'), metadataDir);
    if (cached) {
      try {
        updater = newUpdater();
      } catch (err) {
        core.warning(
          `The TUF metadata of ${opts.baseUrl} kept in ${opts.stateDir} is damaged (${oneLine((err as Error).message)}): starting again from the pinned root ${opts.pin.version}.`,
        );
        fs.rmSync(metadataDir, { recursive: true, force: true });
        fs.mkdirSync(metadataDir);
      }
    }
    if (!updater) {
      await trustPinnedRoot(fetcher, opts, metadataDir);
      try {
        updater = newUpdater();
      } catch (err) {
        throw new ActionError(
          `The pinned TUF root ${opts.baseUrl}/${opts.pin.version}.root.json is not a valid, self-signed TUF root: check werf-tuf-root.`,
          { details: (err as Error).message },
        );
      }
    }
    const startedFrom = metadataVersion(metadataDir, 'root');
    try {
      await updater.refresh();
    } catch (err) {
      throw explainRefreshFailure(err, { ...opts, metadataDir, fetcher });
    }
    await saveMetadata(metadataDir, path.join(opts.stateDir, 'metadata'));
    const versions = TOP_LEVEL_METADATA.map((role) => `${role} ${metadataVersion(metadataDir, role)}`).join(', ');
    core.info(
      `TUF: the metadata of ${opts.baseUrl} verified from ${cached ? `the metadata kept from an earlier run (root ${startedFrom})` : `the pinned root ${opts.pin.version} (SHA-512 ${opts.pin.sha512.slice(0, 16)}…)`}: versions ${versions}; ${fetcher.count} request(s).`,
    );
    return new VerifiedRepository(updater, fetcher, opts, targetsDir);
  } catch (err) {
    await fetcher.close();
    throw err;
  }
}

class VerifiedRepository implements TufRepository {
  constructor(
    private readonly updater: Updater,
    private readonly fetcher: ReleaseFetcher,
    private readonly opts: TufRepositoryOptions,
    private readonly targetsDir: string,
  ) {}

  get requests(): number {
    return this.fetcher.count;
  }

  async target(targetPath: string): Promise<TargetFile | undefined> {
    let info: TargetFile | undefined;
    try {
      info = await this.updater.getTargetInfo(targetPath);
    } catch (err) {
      throw explainRefreshFailure(err, {
        ...this.opts,
        metadataDir: path.join(this.opts.workDir, 'metadata'),
        fetcher: this.fetcher,
      });
    }
    // Length alone proves nothing: a target must come with a hash to check it by.
    if (info && Object.keys(info.hashes).length === 0) {
      throw new ActionError(
        `The signed TUF metadata of ${this.opts.baseUrl} lists ${targetPath} without a hash: it cannot be verified; nothing was installed.`,
      );
    }
    return info;
  }

  async matches(target: TargetFile, file: string): Promise<boolean> {
    try {
      await target.verify(fs.createReadStream(file));
      return true;
    } catch {
      return false;
    }
  }

  async download(target: TargetFile, dest: string, what: string): Promise<void> {
    const before = this.fetcher.count;
    try {
      await this.updater.downloadTarget(target, dest);
    } catch (err) {
      fs.rmSync(dest, { force: true });
      const url = this.fetcher.count > before ? this.fetcher.lastUrl : `${this.opts.baseUrl}/targets/${target.path}`;
      const message = (err as Error).message;
      if (err instanceof DownloadHTTPError) {
        throw new ActionError(
          `${what} is in the signed TUF metadata of ${this.opts.baseUrl}, but ${url} answered ${err.statusCode}: the repository or its mirror is incomplete; nothing was installed.`,
        );
      }
      if (err instanceof DownloadLengthMismatchError || /^Expected (length|hash) /.test(message)) {
        throw new ActionError(
          `${what} downloaded from ${url} does not match the signed TUF metadata of ${this.opts.baseUrl} (${oneLine(message)}): the download was altered or damaged; nothing was installed.`,
        );
      }
      throw new ActionError(`Could not download ${what} from ${url}.`, { details: message });
    }
  }

  async read(target: TargetFile, what: string): Promise<Buffer> {
    const name = encodeURIComponent(target.path);
    const kept = path.join(this.opts.stateDir, 'targets', name);
    if (await this.matches(target, kept)) return fs.readFileSync(kept);
    const fresh = path.join(this.targetsDir, name);
    await this.download(target, fresh, what);
    const content = fs.readFileSync(fresh);
    await saveFile(fresh, kept);
    return content;
  }

  async close(): Promise<void> {
    await this.fetcher.close();
  }
}

/** Fetches `{version}.root.json` and keeps it as the trusted root only when its SHA-512 is the pinned one. */
async function trustPinnedRoot(fetcher: ReleaseFetcher, opts: TufRepositoryOptions, metadataDir: string) {
  const url = `${opts.baseUrl}/${opts.pin.version}.root.json`;
  let root: Buffer;
  try {
    root = await fetcher.downloadBytes(url, ROOT_MAX_LENGTH);
  } catch (err) {
    if (err instanceof DownloadHTTPError) {
      throw new ActionError(
        `werf-base-url ${opts.baseUrl} has no TUF root version ${opts.pin.version}: ${url} answered ${err.statusCode}; check werf-base-url (a TUF repository such as https://tuf.werf.io) and werf-tuf-root.`,
      );
    }
    if (err instanceof DownloadLengthMismatchError) {
      throw new ActionError(
        `${url} is larger than any TUF root (over ${ROOT_MAX_LENGTH} bytes): it is not the root that werf-tuf-root pins; nothing was installed.`,
      );
    }
    throw unreachable(opts.baseUrl, err);
  }
  const sha512 = createHash('sha512').update(root).digest('hex');
  if (sha512 !== opts.pin.sha512) {
    throw new ActionError(
      `The TUF root ${url} has SHA-512 ${sha512}, but werf-tuf-root pins ${opts.pin.sha512}: it is not the root you trust; nothing was installed. Check werf-base-url, and werf-tuf-root for a mirror with its own root.`,
    );
  }
  fs.writeFileSync(path.join(metadataDir, 'root.json'), root);
}

/** What a failed refresh (or target lookup) means for the user, from tuf-js's error and what was fetched. */
function explainRefreshFailure(
  err: unknown,
  ctx: TufRepositoryOptions & { metadataDir: string; fetcher: ReleaseFetcher },
): ActionError {
  if (err instanceof ActionError) return err;
  const base = ctx.baseUrl;
  const message = (err as Error).message ?? String(err);
  const details = `${message}\nrequests: ${ctx.fetcher.urls.join(' ')}`;
  const http = ctx.fetcher.lastHttpError;
  if (err instanceof DownloadHTTPError || (http && message.includes('Failed to download'))) {
    const status = err instanceof DownloadHTTPError ? err.statusCode : http?.status;
    const url = http?.url ?? ctx.fetcher.lastUrl;
    return new ActionError(
      `Could not read werf's TUF metadata from ${base}: ${url} answered ${status}; check werf-base-url (a TUF repository such as https://tuf.werf.io, or its mirror).`,
      { details },
    );
  }
  if (ctx.fetcher.lastNetworkError) return unreachable(base, ctx.fetcher.lastNetworkError, details);
  const expired = /(\w+)\.json is expired/.exec(message);
  if (expired) {
    const role = expired[1] as string;
    const when = expiryOf(role, ctx);
    return new ActionError(
      `werf's TUF metadata at ${base} has expired: ${role}.json expired ${when ? `at ${when}` : 'already'}. The repository is not kept up to date, or something serves an old copy of it (a freeze attack); nothing was installed.`,
      { details },
    );
  }
  if (/is less than current version/.test(message)) {
    return new ActionError(
      `${base} serves older TUF metadata than this runner already verified (${oneLine(message)}): a rollback to an earlier state; nothing was installed. If the repository was rebuilt on purpose, delete ${ctx.stateDir} from the runner's tool cache.`,
      { details },
    );
  }
  if (/was signed by \d+\/\d+ keys|failed to verify|no signature for key|no public key found/.test(message)) {
    return new ActionError(
      `werf's TUF metadata at ${base} is not signed by the keys its trusted root names (${oneLine(message)}): the repository or its mirror was altered, or werf-tuf-root pins another repository's root; nothing was installed.`,
      { details },
    );
  }
  if (/Expected (length|hash) |Max length reached/.test(message)) {
    return new ActionError(
      `werf's TUF metadata at ${base} does not match the hashes and lengths that its signed metadata gives for it (${oneLine(message)}): the repository or its mirror serves altered or mixed files; nothing was installed.`,
      { details },
    );
  }
  if (/version/i.test(message)) {
    return new ActionError(
      `werf's TUF metadata at ${base} is inconsistent (${oneLine(message)}): it mixes files of different states (a mirror caught mid-sync?); nothing was installed.`,
      { details },
    );
  }
  return new ActionError(`werf's TUF metadata at ${base} was refused (${oneLine(message)}); nothing was installed.`, {
    details,
  });
}

function unreachable(base: string, err: unknown, details?: string): ActionError {
  return new ActionError(`Could not reach werf-base-url ${base}.`, { details: details ?? (err as Error).message });
}

/** The `expires` of a role's metadata as last fetched (or as kept), for "expired at …"; undefined when unknown. */
function expiryOf(role: string, ctx: { metadataDir: string; fetcher: ReleaseFetcher }): string | undefined {
  const fetched = ctx.fetcher.bodies.get(`${role}.json`);
  const file = path.join(ctx.metadataDir, `${role}.json`);
  const body = role !== 'root' && fetched ? fetched : fs.existsSync(file) ? fs.readFileSync(file) : undefined;
  try {
    const expires = (JSON.parse(body?.toString('utf8') ?? '') as { signed?: { expires?: unknown } }).signed?.expires;
    const date = typeof expires === 'string' ? new Date(expires) : undefined;
    return date && !Number.isNaN(date.getTime()) ? date.toISOString() : undefined;
  } catch {
    return undefined;
  }
}

/** The version of a verified metadata file in the folder (a number, or '?' when it cannot be read). */
function metadataVersion(dir: string, role: string): string {
  try {
    const version = (
      JSON.parse(fs.readFileSync(path.join(dir, `${role}.json`), 'utf8')) as { signed: { version: unknown } }
    ).signed.version;
    return Number.isInteger(version) ? String(version) : '?';
  } catch {
    return '?';
  }
}

/** Copies the kept top-level metadata into this run's folder; false when there is no kept root. */
function copyMetadata(from: string, to: string): boolean {
  if (!fs.existsSync(path.join(from, 'root.json'))) return false;
  for (const role of TOP_LEVEL_METADATA) {
    const file = path.join(from, `${role}.json`);
    if (fs.existsSync(file)) fs.copyFileSync(file, path.join(to, `${role}.json`));
  }
  return true;
}

/** Puts this run's verified metadata back in the state folder, file by file, each replaced whole. */
async function saveMetadata(from: string, to: string): Promise<void> {
  for (const role of TOP_LEVEL_METADATA) {
    const file = path.join(from, `${role}.json`);
    if (fs.existsSync(file)) await saveFile(file, path.join(to, `${role}.json`));
  }
}

/** Copies a file (with its mode) to `dest`, replaced whole: another job reading the state sees old or new, never half. */
async function saveFile(file: string, dest: string): Promise<void> {
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  await replaceFile(dest, fs.readFileSync(file), fs.statSync(file).mode & 0o7777);
}

/**
 * tuf-js's Fetcher over undici (the runner's proxy settings, redirects, retries), downloading into this run's folder
 * (RUNNER_TEMP) with the length cap that the signed metadata gives. Remembers what it fetched, for errors and counts.
 */
class ReleaseFetcher implements Fetcher {
  readonly urls: string[] = [];
  /** the last body of each metadata file fetched, by file name (`timestamp.json`) */
  readonly bodies = new Map<string, Buffer>();
  lastHttpError?: { url: string; status: number };
  lastNetworkError?: Error;
  private dispatcher?: Dispatcher;

  constructor(private readonly tempDir: string) {}

  get count(): number {
    return this.urls.length;
  }

  get lastUrl(): string {
    return this.urls.at(-1) ?? '';
  }

  async downloadBytes(url: string, maxLength: number): Promise<Buffer> {
    const chunks: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk);
        callback();
      },
    });
    await this.fetchInto(url, maxLength, sink);
    const body = Buffer.concat(chunks);
    this.bodies.set(path.posix.basename(new URL(url).pathname), body);
    return body;
  }

  async downloadFile<T>(url: string, maxLength: number, handler: (file: string) => Promise<T>): Promise<T> {
    const file = path.join(this.tempDir, `download-${randomBytes(6).toString('hex')}`);
    try {
      await this.fetchInto(url, maxLength, fs.createWriteStream(file, { mode: 0o600 }));
      return await handler(file);
    } finally {
      fs.rmSync(file, { force: true });
    }
  }

  async close(): Promise<void> {
    await this.dispatcher?.close();
  }

  private async fetchInto(url: string, maxLength: number, sink: Writable): Promise<void> {
    this.urls.push(url);
    this.dispatcher ??= releaseHostDispatcher();
    let body: Readable;
    try {
      const response = await request(url, { dispatcher: this.dispatcher, headersTimeout: 30_000, bodyTimeout: 60_000 });
      if (response.statusCode !== 200) {
        await response.body.dump();
        throw this.httpError(url, response.statusCode);
      }
      body = response.body;
    } catch (err) {
      if (err instanceof DownloadHTTPError) throw err;
      // undici's retry interceptor gives up on a 5xx with an error that carries the status.
      const status = (err as { statusCode?: unknown }).statusCode;
      if (typeof status === 'number' && status >= 400) throw this.httpError(url, status);
      this.lastNetworkError = new Error(`GET ${url}: ${(err as Error).message}`);
      throw this.lastNetworkError;
    }
    let received = 0;
    const cap = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        received += chunk.length;
        if (received > maxLength)
          callback(new DownloadLengthMismatchError(`Max length reached: over ${maxLength} bytes`));
        else callback(null, chunk);
      },
    });
    try {
      await pipeline(body, cap, sink);
    } catch (err) {
      if (err instanceof DownloadLengthMismatchError) throw err;
      this.lastNetworkError = new Error(`GET ${url}: ${(err as Error).message}`);
      throw this.lastNetworkError;
    }
  }

  private httpError(url: string, status: number): DownloadHTTPError {
    // A missing next root is how TUF ends the root walk: not a failure to remember.
    if (!(/\/\d+\.root\.json$/.test(url) && (status === 403 || status === 404))) this.lastHttpError = { url, status };
    return new DownloadHTTPError(`Failed to download: GET ${url} answered ${status}`, status);
  }
}
