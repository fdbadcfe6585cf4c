import * as fs from 'node:fs';
import * as path from 'node:path';
import * as core from '@actions/core';
import * as exec from '@actions/exec';
import * as tc from '@actions/tool-cache';
import { ActionError } from '../errors.js';
import type { Inputs } from '../inputs.js';
import { getText } from './release-host.js';
import { signingKey, WERF_RELEASE_KEY_URL } from './release-key.js';
import { verifyDetachedSignature } from './signature.js';

export { WERF_RELEASE_KEY_URL };

/** The werf that runs: its path and version (the action's `werf-path` and `werf-version` outputs). */
export interface WerfInstall {
  path: string;
  version: string;
}

/** What `werf-version` asks for: a release channel of a version group, or one exact version. */
export type WerfVersionSpec = { kind: 'channel'; group: string; channel: string } | { kind: 'exact'; version: string };

/** Knobs for tests (main passes none): `releaseKeyUrl` replaces WERF_RELEASE_KEY_URL, e.g. with a local server. */
export interface InstallOptions {
  releaseKeyUrl?: string;
}

const TOOL_NAME = 'werf';
const GROUPS = ['1.2', '2'];
const CHANNELS = ['alpha', 'beta', 'ea', 'stable', 'rock-solid'];
// Semantic Versioning 2.0.0 (semver.org's own pattern) with an optional "v": the tool cache keys by semver, so a
// version it cannot parse (a leading zero, an empty identifier) would never be found there again.
const ID = '(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)';
const VERSION_RE = new RegExp(
  `^v?((?:0|[1-9]\\d*)\\.(?:0|[1-9]\\d*)\\.(?:0|[1-9]\\d*)(?:-${ID}(?:\\.${ID})*)?(?:\\+[0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*)?)$`,
);

/**
 * Installs werf the way `werf-version` asks, or takes `werf-path` as it is. A channel (`2 stable`) is resolved through
 * `{base}/targets/channels/{group}/{channel}`; a version already in the runner's tool cache is used without any
 * download; otherwise the binary and its detached signature are downloaded, the signature is verified with
 * `werf-signing-key` (armored text; when empty, werf's release key fetched from WERF_RELEASE_KEY_URL), and only then is
 * the binary cached (by version and platform) and put on PATH. With `werf-verify-signature: false` the download is
 * cached apart (platform `…-unverified`), so that a run that verifies never picks up a copy nobody checked.
 */
export async function installWerf(inputs: Inputs, opts: InstallOptions = {}): Promise<WerfInstall> {
  if (inputs.werfPath !== '') return useGivenWerf(inputs.werfPath);

  const base = inputs.werfBaseUrl; // inputs.ts trims trailing slashes
  const spec = parseWerfVersion(inputs.werfVersion);
  const version = spec.kind === 'exact' ? spec.version : await resolveChannel(base, spec);
  const platform = werfPlatform(process.platform, process.arch);
  const fileName = platform.startsWith('windows-') ? 'werf.exe' : 'werf';
  const verify = inputs.werfVerifySignature;
  const unverifiedKey = `${platform}-unverified`;

  // A verified copy serves every run; an unverified one only runs that did not ask for a check.
  for (const arch of verify ? [platform] : [platform, unverifiedKey]) {
    const cached = tc.find(TOOL_NAME, version, arch);
    if (cached === '') continue;
    core.info(`werf ${version} (${arch}) is in the runner's tool cache: ${cached}`);
    if (arch === unverifiedKey) warnUnverified(version, base);
    core.addPath(cached);
    return { path: path.join(cached, fileName), version };
  }

  const urls = werfReleaseUrls(base, version, platform);
  // Fail before downloading 100 MB when the key to check them with is missing or is no key.
  const key = verify ? await signingKey(inputs.werfSigningKey, opts.releaseKeyUrl ?? WERF_RELEASE_KEY_URL) : undefined;
  core.info(`Downloading werf ${version} from ${urls.binary}`);
  const binary = await download(urls.binary, `werf ${version} (${platform})`);
  let signature: string | undefined;
  try {
    if (key) {
      signature = await download(urls.signature, `the signature of werf ${version}`, 'signature');
      const verified = await verifyDetachedSignature(
        fs.readFileSync(binary),
        fs.readFileSync(signature),
        key.armored,
        `werf ${version} (${urls.binary})`,
        key.name,
      );
      core.info(`The signature of werf ${version} is good (key ${verified.keyId}).`);
    } else {
      warnUnverified(version, base);
    }
    fs.chmodSync(binary, 0o755);
    const dir = await tc.cacheFile(binary, fileName, TOOL_NAME, version, key ? platform : unverifiedKey);
    core.addPath(dir);
    return { path: path.join(dir, fileName), version };
  } finally {
    // Downloads live in RUNNER_TEMP; a rejected binary must not linger there either.
    for (const file of [binary, signature]) if (file) fs.rmSync(file, { force: true });
  }
}

/**
 * Parses `werf-version`, the one grammar for it (inputs.ts validates with it too): `GROUP CHANNEL` with a group werf
 * publishes (1.2, 2) and one of its channels (alpha, beta, ea, stable, rock-solid), e.g. `2 stable`; or an exact
 * Semantic Version with an optional `v`, pre-release and build metadata (`2.75.3`, `v2.76.0-alpha.1`). The returned
 * exact version has no `v`. Throws an ActionError that names the input and the value for anything else.
 */
export function parseWerfVersion(value: string): WerfVersionSpec {
  const words = value.trim().split(/\s+/);
  const [first = '', second] = words;
  if (words.length === 2 && GROUPS.includes(first) && CHANNELS.includes(second as string))
    return { kind: 'channel', group: first, channel: second as string };
  const exact = words.length === 1 ? VERSION_RE.exec(first) : null;
  if (exact) return { kind: 'exact', version: exact[1] as string };
  throw new ActionError(
    `Input "werf-version" must be "GROUP CHANNEL" (groups ${GROUPS.join(', ')}; channels ${CHANNELS.join(', ')}) or an exact version like 2.75.3, not "${value}".`,
  );
}

/** werf's name for a platform (`linux-amd64`), from Node's `process.platform` and `process.arch`. */
export function werfPlatform(platform: string, arch: string): string {
  const os = { linux: 'linux', darwin: 'darwin', win32: 'windows' }[platform];
  const cpu = { x64: 'amd64', arm64: 'arm64' }[arch];
  if (!os || !cpu)
    throw new ActionError(`werf has no release for ${platform}/${arch}: use werf-path with your own build.`);
  return `${os}-${cpu}`;
}

/** Where a release's binary and its detached signature are published under `werf-base-url`. */
export function werfReleaseUrls(
  base: string,
  version: string,
  platform: string,
): { binary: string; signature: string } {
  const file = platform.startsWith('windows-') ? 'werf.exe' : 'werf';
  return {
    binary: `${base}/targets/releases/${version}/${platform}/bin/${file}`,
    signature: `${base}/targets/signatures/${version}/${platform}/bin/${file}.sig`,
  };
}

function warnUnverified(version: string, base: string): void {
  core.warning(`werf-verify-signature is false: werf ${version} from ${base} runs without a signature check.`);
}

/** Reads the version a channel pointer names; a pointer that is missing or is not a version is an error. */
async function resolveChannel(base: string, spec: { group: string; channel: string }): Promise<string> {
  const url = `${base}/targets/channels/${spec.group}/${spec.channel}`;
  const name = `"${spec.group} ${spec.channel}"`;
  let response: { status: number; body: string };
  try {
    response = await getText(url);
  } catch (err) {
    throw new ActionError(`Could not reach werf-base-url ${base} to read the ${name} channel.`, {
      details: `GET ${url}: ${(err as Error).message}`,
    });
  }
  const body = response.body.trim();
  if (response.status === 404) {
    throw new ActionError(
      `werf's ${name} channel is not published at ${base}: check werf-base-url, or pick another channel or an exact version.`,
      { details: `GET ${url} -> 404` },
    );
  }
  if (response.status !== 200)
    throw new ActionError(`Could not read werf's ${name} channel: ${url} answered ${response.status}.`);
  const version = VERSION_RE.exec(body)?.[1];
  if (!version) {
    throw new ActionError(`werf's channel pointer ${url} holds no version: check werf-base-url.`, {
      details: `body: ${body.slice(0, 200)}`,
    });
  }
  core.info(`werf channel ${name} is version ${version}.`);
  return version;
}

/** Downloads into RUNNER_TEMP with the tool cache's downloader (retries 5xx), naming what failed in the error. */
async function download(url: string, what: string, kind: 'binary' | 'signature' = 'binary'): Promise<string> {
  try {
    return await tc.downloadTool(url);
  } catch (err) {
    const status = err instanceof tc.HTTPError ? err.httpStatusCode : undefined;
    if (status === 404 && kind === 'signature') {
      throw new ActionError(
        `${what} is missing at ${url}: nothing was installed; set werf-verify-signature: false only for a mirror you trust.`,
      );
    }
    if (status === 404)
      throw new ActionError(`${what} is not published at ${url}: check werf-version and werf-base-url.`);
    throw new ActionError(`Could not download ${what} from ${url}.`, { details: (err as Error).message });
  }
}

/** `werf-path`: no download; the version is what the binary says (`werf version` prints e.g. `v2.75.3`). */
async function useGivenWerf(werfPath: string): Promise<WerfInstall> {
  const absolute = path.resolve(werfPath);
  try {
    fs.accessSync(absolute, fs.constants.X_OK);
    if (!fs.statSync(absolute).isFile()) throw new Error('not a file');
  } catch {
    throw new ActionError(`werf-path ${werfPath} is not an executable file: give the path of the werf binary.`);
  }
  const result = await exec
    .getExecOutput(absolute, ['version'], { silent: true, ignoreReturnCode: true })
    .catch((err: Error) => ({ exitCode: -1, stdout: '', stderr: err.message }));
  const version = VERSION_RE.exec(result.stdout.trim().split('\n')[0]?.trim() ?? '')?.[1];
  if (result.exitCode !== 0 || !version) {
    throw new ActionError(`werf-path ${werfPath} did not answer "version" like werf does: is it werf?`, {
      details: `exit code ${result.exitCode}\n${result.stdout}\n${result.stderr}`,
    });
  }
  // Not added to PATH: its folder (often /usr/local/bin) would shadow the tools later steps set up.
  return { path: absolute, version };
}
