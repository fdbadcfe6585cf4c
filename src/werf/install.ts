import * as fs from 'node:fs';
import * as path from 'node:path';
import * as core from '@actions/core';
import * as exec from '@actions/exec';
import * as tc from '@actions/tool-cache';
import { EnvHttpProxyAgent, interceptors, request } from 'undici';
import { ActionError } from '../errors.js';
import type { Inputs } from '../inputs.js';
import { publicKeyFingerprints, verifyDetachedSignature } from './signature.js';

/** The werf that runs: its path and version (the action's `werf-path` and `werf-version` outputs). */
export interface WerfInstall {
  path: string;
  version: string;
}

/** What `werf-version` asks for: a release channel of a version group, or one exact version. */
export type WerfVersionSpec = { kind: 'channel'; group: string; channel: string } | { kind: 'exact'; version: string };

/** Where werf publishes its release key (werf's docs: `curl -sSL https://werf.io/werf.asc | gpg --import`). */
export const WERF_RELEASE_KEY_URL = 'https://werf.io/werf.asc';

/** Knobs for tests (main passes none): `releaseKeyUrl` replaces WERF_RELEASE_KEY_URL, e.g. with a local server. */
export interface InstallOptions {
  releaseKeyUrl?: string;
}

const TOOL_NAME = 'werf';
const VERSION_RE = /^v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)$/;

/**
 * Installs werf the way `werf-version` asks, or takes `werf-path` as it is. A channel (`2 stable`) is resolved through
 * `{base}/targets/channels/{group}/{channel}`; a version already in the runner's tool cache is used without any
 * download; otherwise the binary and its detached signature are downloaded, the signature is verified with
 * `werf-signing-key` (or, when that is empty, with werf's release key fetched from WERF_RELEASE_KEY_URL), and only then
 * is the binary cached (by version and platform) and put on PATH.
 */
export async function installWerf(inputs: Inputs, opts: InstallOptions = {}): Promise<WerfInstall> {
  if (inputs.werfPath !== '') return useGivenWerf(inputs.werfPath);

  const base = inputs.werfBaseUrl.replace(/\/+$/, '');
  const spec = parseWerfVersion(inputs.werfVersion);
  const version = spec.kind === 'exact' ? spec.version : await resolveChannel(base, spec);
  const platform = werfPlatform(process.platform, process.arch);
  const fileName = platform.startsWith('windows-') ? 'werf.exe' : 'werf';

  const cached = tc.find(TOOL_NAME, version, platform);
  if (cached !== '') {
    core.info(`werf ${version} (${platform}) is in the runner's tool cache: ${cached}`);
    core.addPath(cached);
    return { path: path.join(cached, fileName), version };
  }

  const urls = werfReleaseUrls(base, version, platform);
  // Fail before downloading 100 MB when the key to check them with is missing.
  const key = inputs.werfVerifySignature
    ? await signingKey(inputs.werfSigningKey, opts.releaseKeyUrl ?? WERF_RELEASE_KEY_URL)
    : undefined;
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
      core.warning(`werf-verify-signature is false: werf ${version} from ${base} runs without a signature check.`);
    }
    fs.chmodSync(binary, 0o755);
    const dir = await tc.cacheFile(binary, fileName, TOOL_NAME, version, platform);
    core.addPath(dir);
    return { path: path.join(dir, fileName), version };
  } finally {
    // Downloads live in RUNNER_TEMP; a rejected binary must not linger there either.
    for (const file of [binary, signature]) if (file) fs.rmSync(file, { force: true });
  }
}

/** Parses `werf-version`: `GROUP CHANNEL` (`2 stable`) or an exact version (`2.75.3`, `v2.75.3`). */
export function parseWerfVersion(value: string): WerfVersionSpec {
  const words = value.trim().split(/\s+/);
  if (words.length === 2) return { kind: 'channel', group: words[0] as string, channel: words[1] as string };
  const exact = words.length === 1 ? VERSION_RE.exec(words[0] as string) : null;
  if (exact) return { kind: 'exact', version: exact[1] as string };
  throw new ActionError(
    `werf-version "${value}" is neither "GROUP CHANNEL" (e.g. "2 stable") nor an exact version (e.g. "2.75.3").`,
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

/** Reads the version a channel pointer names; an unknown channel or a pointer that is not a version is an error. */
async function resolveChannel(base: string, spec: { group: string; channel: string }): Promise<string> {
  const url = `${base}/targets/channels/${encodeURIComponent(spec.group)}/${encodeURIComponent(spec.channel)}`;
  const dispatcher = releaseDispatcher();
  try {
    const response = await request(url, { dispatcher, headersTimeout: 30_000, bodyTimeout: 30_000 });
    const body = (await response.body.text()).trim();
    if (response.statusCode === 404) {
      throw new ActionError(
        `werf-version "${spec.group} ${spec.channel}" names no channel at ${base}: use a group (1.2, 2) and a channel (alpha, beta, ea, stable, rock-solid), or an exact version.`,
        { details: `GET ${url} -> 404` },
      );
    }
    if (response.statusCode !== 200) {
      throw new ActionError(
        `Could not read werf's "${spec.group} ${spec.channel}" channel: ${url} answered ${response.statusCode}.`,
      );
    }
    const version = VERSION_RE.exec(body)?.[1];
    if (!version) {
      throw new ActionError(`werf's channel pointer ${url} holds no version: check werf-base-url.`, {
        details: `body: ${body.slice(0, 200)}`,
      });
    }
    core.info(`werf channel "${spec.group} ${spec.channel}" is version ${version}.`);
    return version;
  } catch (err) {
    if (err instanceof ActionError) throw err;
    throw new ActionError(
      `Could not reach werf-base-url ${base} to read the "${spec.group} ${spec.channel}" channel.`,
      {
        details: `GET ${url}: ${(err as Error).message}`,
      },
    );
  } finally {
    await dispatcher.close();
  }
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

/** The runner's proxy settings (HTTPS_PROXY, NO_PROXY) apply; transient 5xx and resets are retried. */
function releaseDispatcher() {
  return new EnvHttpProxyAgent().compose(interceptors.retry({ maxRetries: 3, minTimeout: 500 }));
}

/** The armored key to verify with and its name for errors: `werf-signing-key` (text or file), or werf's release key. */
async function signingKey(value: string, releaseKeyUrl: string): Promise<{ armored: string; name: string }> {
  const given = value.trim();
  if (given === '')
    return { armored: await fetchReleaseKey(releaseKeyUrl), name: `werf's release key from ${releaseKeyUrl}` };
  if (given.includes('-----BEGIN PGP')) return { armored: given, name: 'werf-signing-key' };
  try {
    return { armored: fs.readFileSync(given, 'utf8'), name: 'werf-signing-key' };
  } catch (err) {
    throw new ActionError(`werf-signing-key is neither an armored public key nor a readable file: ${given}.`, {
      details: (err as Error).message,
    });
  }
}

/**
 * Fetches werf's release key the way werf's docs do (`curl -sSL https://werf.io/werf.asc | gpg --import`), checks it is
 * an OpenPGP public key and logs its fingerprint, so that users can check it and pin the key in `werf-signing-key`.
 */
async function fetchReleaseKey(url: string): Promise<string> {
  const body = await fetchKeyText(url);
  let fingerprints: string[];
  try {
    fingerprints = await publicKeyFingerprints(body);
  } catch (err) {
    throw new ActionError(
      `${url} did not serve an armored OpenPGP public key, so werf's release key is unknown; nothing was downloaded: pass werf-signing-key (the key text or the path of a file with it).`,
      { details: `${(err as Error).message}\nbody: ${body.slice(0, 200)}` },
    );
  }
  core.info(
    `werf's release key from ${url} has fingerprint ${fingerprints.join(', ')}; to pin it, pass that key as werf-signing-key.`,
  );
  return body;
}

/** GETs the key text, following redirects as `curl -L` does, but never from HTTPS down to plain HTTP. */
async function fetchKeyText(url: string): Promise<string> {
  const airGapped = 'air-gapped runners must pass werf-signing-key (the key text or the path of a file with it)';
  const dispatcher = releaseDispatcher();
  let current = url;
  try {
    for (let hops = 0; ; hops++) {
      const response = await request(current, { dispatcher, headersTimeout: 30_000, bodyTimeout: 30_000 });
      const location = response.headers.location;
      if (response.statusCode >= 300 && response.statusCode < 400 && typeof location === 'string' && hops < 5) {
        await response.body.dump();
        const next = new URL(location, current);
        if (new URL(current).protocol === 'https:' && next.protocol !== 'https:') {
          throw new ActionError(
            `Could not fetch werf's release key from ${url}: it redirects to plain HTTP (${next.href}); nothing was downloaded: ${airGapped}.`,
          );
        }
        current = next.href;
        continue;
      }
      const body = await response.body.text();
      if (response.statusCode === 200) return body;
      throw new ActionError(
        `Could not fetch werf's release key from ${url} (it answered ${response.statusCode}); nothing was downloaded: ${airGapped}.`,
        { details: `GET ${current} -> ${response.statusCode}: ${body.slice(0, 200)}` },
      );
    }
  } catch (err) {
    if (err instanceof ActionError) throw err;
    throw new ActionError(`Could not fetch werf's release key from ${url}; nothing was downloaded: ${airGapped}.`, {
      details: `GET ${current}: ${(err as Error).message}`,
    });
  } finally {
    await dispatcher.close();
  }
}

/** `werf-path`: no download; the version is what the binary says (`werf version` prints e.g. `v2.75.3`). */
async function useGivenWerf(werfPath: string): Promise<WerfInstall> {
  const absolute = path.resolve(werfPath);
  try {
    fs.accessSync(absolute, fs.constants.X_OK);
  } catch {
    throw new ActionError(`werf-path ${werfPath} is not an executable file.`);
  }
  const result = await exec.getExecOutput(absolute, ['version'], { silent: true, ignoreReturnCode: true });
  const version = VERSION_RE.exec(result.stdout.trim().split('\n')[0]?.trim() ?? '')?.[1];
  if (result.exitCode !== 0 || !version) {
    throw new ActionError(`werf-path ${werfPath} did not answer "version" like werf does: is it werf?`, {
      details: `exit code ${result.exitCode}\n${result.stdout}\n${result.stderr}`,
    });
  }
  core.addPath(path.dirname(absolute));
  return { path: absolute, version };
}
