import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as core from '@actions/core';
import { firstLine, runProgram } from '../child-process.js';
import { ActionError } from '../errors.js';
import type { Inputs, TufRootPin } from '../inputs.js';
import { oneLine, quote } from '../untrusted.js';
import type { TufRepository } from './tuf.js';
import { parseWerfVersion, VERSION_RE, type WerfVersionSpec } from './version.js';

/** The werf that runs: its path and version (the action's `werf-path` and `werf-version` outputs). */
export interface WerfInstall {
  path: string;
  /** the version without `v`; `dev` for a local build given as werf-path (its version is unknown) */
  version: string;
  /** where this werf came from and how it was checked, in one sentence (the log and the job summary) */
  provenance: string;
}

/** Knobs for tests (main passes none): the runner's platform and CPU as Node names them (`win32`, `arm64`). */
export interface InstallOptions {
  platform?: string;
  arch?: string;
}

const TOOL_NAME = 'werf';
/** What werf releases (werf's release build: linux and darwin on amd64 and arm64, windows on amd64). */
const RELEASED_PLATFORMS = ['linux-amd64', 'linux-arm64', 'darwin-amd64', 'darwin-arm64', 'windows-amd64'];

/**
 * Installs werf the way `werf-version` asks, or takes `werf-path` as it is. A platform werf does not release for and a
 * `werf-version` that is no version fail before any request. By default werf comes through TUF (tuf.ts): the root
 * pinned by `werf-tuf-root`, the channel file `channels/{group}/{channel}` and the binary
 * `releases/{version}/{os}-{arch}/bin/werf` accepted only with the length and hashes of the signed targets metadata,
 * plus the release's PGP signature when `werf-signing-key` is set. A copy in the runner's tool cache is used only when
 * it still has the signed hashes (else it is downloaded again, with a warning). With `werf-verify-signature: false`
 * nothing is verified: plain downloads, cached apart (platform `…-unverified`) so that a verifying run never runs them.
 */
export async function installWerf(inputs: Inputs, opts: InstallOptions = {}): Promise<WerfInstall> {
  if (inputs.werfPath !== '') return useGivenWerf(inputs.werfPath);
  const platform = werfPlatform(opts.platform ?? process.platform, opts.arch ?? process.arch);
  const spec = parseWerfVersion(inputs.werfVersion);
  if (!inputs.werfVerifySignature) {
    if (inputs.werfSigningKey.trim() !== '')
      core.warning(
        'werf-signing-key is not used: werf-verify-signature is false, which turns every check of the download off.',
      );
    return installUnverified(inputs.werfBaseUrl, spec, platform);
  }
  return installThroughTuf(inputs, spec, platform);
}

/**
 * werf's name for a platform (`linux-amd64`), from Node's `process.platform` and `process.arch`; throws an ActionError
 * for a platform werf publishes no release for (windows-arm64, any other OS or CPU), before anything is downloaded.
 */
export function werfPlatform(platform: string, arch: string): string {
  const os = { linux: 'linux', darwin: 'darwin', win32: 'windows' }[platform] ?? platform;
  const cpu = { x64: 'amd64', arm64: 'arm64' }[arch] ?? arch;
  const name = `${os}-${cpu}`;
  if (!RELEASED_PLATFORMS.includes(name)) {
    throw new ActionError(
      `werf publishes no release for ${name} (only linux and darwin on amd64 and arm64, and windows-amd64): nothing was downloaded; run this job on one of those, or pass werf-path with a werf built for ${name}.`,
    );
  }
  return name;
}

/**
 * The TUF target paths of a release's binary and its detached PGP signature (`werf.exe` on Windows): the repository
 * serves them under `{werf-base-url}/targets/`. `release` is the name the channel file gives (the version).
 */
export function werfReleaseTargets(release: string, platform: string): { binary: string; signature: string } {
  const file = binaryName(platform);
  return {
    binary: `releases/${release}/${platform}/bin/${file}`,
    signature: `signatures/${release}/${platform}/bin/${file}.sig`,
  };
}

/** The tool-cache folder that keeps the verified TUF metadata of one repository URL under one root pin. */
export function tufStateDir(toolCache: string, baseUrl: string, pin: TufRootPin): string {
  const key = createHash('sha256').update(`${baseUrl}\n${pin.version}\n${pin.sha512}`).digest('hex').slice(0, 16);
  return path.join(toolCache, 'werf-tuf', key);
}

// The tool cache (and @actions/http-client with it) is loaded only by the installs that use it, never for werf-path.
const loadToolCache = () => import('@actions/tool-cache');

function binaryName(platform: string): string {
  return platform.startsWith('windows-') ? 'werf.exe' : 'werf';
}

/** A checker of the release's PGP signature with `werf-signing-key`; openpgp is loaded only here. */
interface SignatureCheck {
  verify(data: Buffer, signature: Buffer, what: string): Promise<{ keyId: string }>;
}

async function signatureCheck(armored: string): Promise<SignatureCheck> {
  const pgp = await import('./signature.js');
  await pgp.readSigningKeys(armored);
  return { verify: (data, signature, what) => pgp.verifyDetachedSignature(data, signature, armored, what) };
}

/** The verified install: TUF metadata from the pinned root, the signed targets, the tool cache checked against them. */
async function installThroughTuf(inputs: Inputs, spec: WerfVersionSpec, platform: string): Promise<WerfInstall> {
  const base = inputs.werfBaseUrl; // inputs.ts trims trailing slashes
  const pin = inputs.werfTufRoot;
  // Fail before any download when the key to check with is no key.
  const pgp = inputs.werfSigningKey.trim() !== '' ? await signatureCheck(inputs.werfSigningKey) : undefined;
  const toolCache = process.env.RUNNER_TOOL_CACHE;
  if (!toolCache) throw new ActionError('RUNNER_TOOL_CACHE is not set: is this a GitHub Actions runner?');
  const { openTufRepository } = await import('./tuf.js');
  const tc = await loadToolCache();
  const workDir = fs.mkdtempSync(path.join(process.env.RUNNER_TEMP || os.tmpdir(), 'werf-tuf-'));
  let repo: TufRepository | undefined;
  try {
    repo = await openTufRepository({ baseUrl: base, pin, stateDir: tufStateDir(toolCache, base, pin), workDir });
    const { release, version } =
      spec.kind === 'exact' ? { release: spec.version, ...spec } : await readChannel(repo, base, spec);
    const targets = werfReleaseTargets(release, platform);
    const what = `werf ${version} (${platform})`;
    const binary = await repo.target(targets.binary);
    if (!binary) {
      throw new ActionError(
        spec.kind === 'exact'
          ? `werf ${version} is not in the signed TUF metadata of ${base} for ${platform} (no target ${targets.binary}): there is no such release; check werf-version and werf-base-url.`
          : `werf's "${spec.group} ${spec.channel}" channel names werf ${version}, but the signed TUF metadata of ${base} has no ${platform} build of it (no target ${targets.binary}): the repository or its mirror is incomplete; pick another channel or version.`,
      );
    }
    const fileName = binaryName(platform);
    const checkSignature = async (file: string) => {
      if (!pgp) return;
      const info = await (repo as TufRepository).target(targets.signature);
      if (!info) {
        throw new ActionError(
          `${what} has no PGP signature in the signed TUF metadata of ${base} (no target ${targets.signature}): nothing was installed; leave werf-signing-key empty to rely on TUF alone.`,
        );
      }
      const signature = path.join(workDir, `${fileName}.sig`);
      await (repo as TufRepository).download(info, signature, `the PGP signature of ${what}`);
      const good = await pgp.verify(fs.readFileSync(file), fs.readFileSync(signature), `${what} (${base})`);
      core.info(`The PGP signature of werf ${version} is good (key ${good.keyId}).`);
    };
    const provenance = `verified through TUF from ${base} (root pinned at version ${pin.version})${pgp ? ' and by its PGP signature' : ''}`;

    const cached = tc.find(TOOL_NAME, version, platform);
    if (cached !== '') {
      const file = path.join(cached, fileName);
      if (await repo.matches(binary, file)) {
        await checkSignature(file);
        core.info(
          `werf ${version} (${platform}) is in the runner's tool cache and has the signed length and hashes: ${cached} (no download; ${repo.requests} metadata request(s)).`,
        );
        core.addPath(cached);
        return { path: file, version, provenance: `${provenance}; from the runner's tool cache` };
      }
      core.warning(
        `The copy of werf ${version} in the runner's tool cache (${cached}) does not have the signed length and hashes: it was changed after it was cached; downloading it again.`,
      );
    }
    const download = path.join(workDir, fileName);
    core.info(`Downloading werf ${version} (${platform}) from ${base}/targets/${targets.binary}`);
    await repo.download(binary, download, what);
    await checkSignature(download);
    fs.chmodSync(download, 0o755);
    const dir = await tc.cacheFile(download, fileName, TOOL_NAME, version, platform);
    core.info(`werf ${version} has the signed length and hashes; cached in ${dir} (${repo.requests} request(s)).`);
    core.addPath(dir);
    return { path: path.join(dir, fileName), version, provenance };
  } finally {
    await repo?.close();
    // Downloads live in RUNNER_TEMP; a rejected binary must not linger there either.
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

/** The release a channel names, from its signed channel file. */
async function readChannel(
  repo: TufRepository,
  base: string,
  spec: { group: string; channel: string },
): Promise<{ release: string; version: string }> {
  const name = `"${spec.group} ${spec.channel}"`;
  const info = await repo.target(`channels/${spec.group}/${spec.channel}`);
  if (!info) {
    throw new ActionError(
      `werf's ${name} channel is not in the signed TUF metadata of ${base}: that group and channel are not published there; pick another channel or an exact version, or check werf-base-url.`,
    );
  }
  const release = (await repo.read(info, `the ${name} channel file`)).toString('utf8').trim();
  const version = VERSION_RE.exec(release)?.[1];
  if (!version) {
    throw new ActionError(`werf's ${name} channel file at ${base} names no version: ${quote(release.slice(0, 100))}.`);
  }
  core.info(`werf channel ${name} is version ${version} (signed).`);
  return { release, version };
}

/** `werf-verify-signature: false`: plain downloads, nothing checked, cached apart from verified copies. */
async function installUnverified(base: string, spec: WerfVersionSpec, platform: string): Promise<WerfInstall> {
  const tc = await loadToolCache();
  const { release, version } =
    spec.kind === 'exact' ? { release: spec.version, version: spec.version } : await resolveChannel(base, spec);
  const fileName = binaryName(platform);
  const unverifiedKey = `${platform}-unverified`;
  const provenance = `downloaded from ${base} without verification (werf-verify-signature: false)`;

  // A verified copy serves every run; an unverified one only runs that did not ask for a check.
  for (const arch of [platform, unverifiedKey]) {
    const cached = tc.find(TOOL_NAME, version, arch);
    if (cached === '') continue;
    core.info(`werf ${version} (${arch}) is in the runner's tool cache: ${cached}`);
    if (arch === unverifiedKey) warnUnverified(version, base);
    core.addPath(cached);
    return {
      path: path.join(cached, fileName),
      version,
      provenance:
        arch === unverifiedKey ? `${provenance}; from the runner's tool cache` : "from the runner's tool cache",
    };
  }

  const url = `${base}/targets/${werfReleaseTargets(release, platform).binary}`;
  core.info(`Downloading werf ${version} from ${url}`);
  const binary = await download(url, `werf ${version} (${platform})`);
  try {
    warnUnverified(version, base);
    fs.chmodSync(binary, 0o755);
    const dir = await tc.cacheFile(binary, fileName, TOOL_NAME, version, unverifiedKey);
    core.addPath(dir);
    return { path: path.join(dir, fileName), version, provenance };
  } finally {
    fs.rmSync(binary, { force: true });
  }
}

function warnUnverified(version: string, base: string): void {
  core.warning(`werf-verify-signature is false: werf ${version} from ${base} runs without any verification.`);
}

/** Reads the version a channel pointer names without TUF; a pointer that is missing or is not a version is an error. */
async function resolveChannel(
  base: string,
  spec: { group: string; channel: string },
): Promise<{ release: string; version: string }> {
  const url = `${base}/targets/channels/${spec.group}/${spec.channel}`;
  const name = `"${spec.group} ${spec.channel}"`;
  let response: { status: number; body: string };
  try {
    const { getText } = await import('./release-host.js');
    response = await getText(url);
  } catch (err) {
    throw new ActionError(`Could not reach werf-base-url ${base} to read the ${name} channel.`, {
      details: `GET ${url}: ${(err as Error).message}`,
    });
  }
  const release = response.body.trim();
  if (response.status === 404) {
    throw new ActionError(
      `werf's ${name} channel is not published at ${base}: check werf-base-url, or pick another channel or an exact version.`,
      { details: `GET ${url} -> 404` },
    );
  }
  if (response.status !== 200)
    throw new ActionError(`Could not read werf's ${name} channel: ${url} answered ${response.status}.`);
  const version = VERSION_RE.exec(release)?.[1];
  if (!version) {
    throw new ActionError(`werf's channel pointer ${url} holds no version: check werf-base-url.`, {
      details: `body: ${release.slice(0, 200)}`,
    });
  }
  core.info(`werf channel ${name} is version ${version}.`);
  return { release, version };
}

/** Downloads into RUNNER_TEMP with the tool cache's downloader (retries 5xx), naming what failed in the error. */
async function download(url: string, what: string): Promise<string> {
  const tc = await loadToolCache();
  try {
    return await tc.downloadTool(url);
  } catch (err) {
    const status = err instanceof tc.HTTPError ? err.httpStatusCode : undefined;
    if (status === 404)
      throw new ActionError(`${what} is not published at ${url}: check werf-version and werf-base-url.`);
    throw new ActionError(`Could not download ${what} from ${url}.`, { details: (err as Error).message });
  }
}

/**
 * `werf-path`: no download; the version is what the binary says (`werf version` prints e.g. `v2.75.3`, and `dev` for
 * a local build, whose version is then unknown).
 */
async function useGivenWerf(werfPath: string): Promise<WerfInstall> {
  const absolute = path.resolve(werfPath);
  try {
    fs.accessSync(absolute, fs.constants.X_OK);
    if (!fs.statSync(absolute).isFile()) throw new Error('not a file');
  } catch {
    throw new ActionError(`werf-path ${werfPath} is not an executable file: give the path of the werf binary.`);
  }
  const result = await runProgram(absolute, ['version']);
  const said = firstLine(result.stdout);
  // Not added to PATH: its folder (often /usr/local/bin) would shadow the tools later steps set up.
  if (result.exitCode === 0 && said === 'dev') {
    core.info(
      `werf-path ${oneLine(werfPath)} is a local build: \`werf version\` says "dev", so its version is unknown.`,
    );
    return { path: absolute, version: 'dev', provenance: `werf-path ${absolute} (a local build)` };
  }
  const version = VERSION_RE.exec(said)?.[1];
  if (result.exitCode !== 0 || !version) {
    throw new ActionError(`werf-path ${werfPath} did not answer "version" like werf does: is it werf?`, {
      details: `exit code ${result.exitCode}\n${result.stdout}\n${result.stderr}`,
    });
  }
  return { path: absolute, version, provenance: `werf-path ${absolute}` };
}
