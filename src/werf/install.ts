import * as fs from 'node:fs';
import * as path from 'node:path';
import * as core from '@actions/core';
import * as exec from '@actions/exec';
import * as tc from '@actions/tool-cache';
import { EnvHttpProxyAgent, interceptors, request } from 'undici';
import { ActionError } from '../errors.js';
import type { Inputs } from '../inputs.js';
import { verifyDetachedSignature } from './signature.js';

/** The werf that runs: its path and version (the action's `werf-path` and `werf-version` outputs). */
export interface WerfInstall {
  path: string;
  version: string;
}

/** What `werf-version` asks for: a release channel of a version group, or one exact version. */
export type WerfVersionSpec = { kind: 'channel'; group: string; channel: string } | { kind: 'exact'; version: string };

const TOOL_NAME = 'werf';
const VERSION_RE = /^v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)$/;

/**
 * Installs werf the way `werf-version` asks, or takes `werf-path` as it is. A channel (`2 stable`) is resolved through
 * `{base}/targets/channels/{group}/{channel}`; a version already in the runner's tool cache is used without any
 * download; otherwise the binary and its detached signature are downloaded, the signature is verified with
 * `werf-signing-key`, and only then is the binary cached (by version and platform) and put on PATH.
 */
export async function installWerf(inputs: Inputs): Promise<WerfInstall> {
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
  const key = inputs.werfVerifySignature ? signingKey(inputs.werfSigningKey) : '';
  core.info(`Downloading werf ${version} from ${urls.binary}`);
  const binary = await download(urls.binary, `werf ${version} (${platform})`);
  let signature: string | undefined;
  try {
    if (inputs.werfVerifySignature) {
      signature = await download(urls.signature, `the signature of werf ${version}`, 'signature');
      const verified = await verifyDetachedSignature(
        fs.readFileSync(binary),
        fs.readFileSync(signature),
        key,
        `werf ${version} (${urls.binary})`,
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
  // The proxy settings of the runner (HTTPS_PROXY, NO_PROXY) apply; transient 5xx and resets are retried.
  const dispatcher = new EnvHttpProxyAgent().compose(interceptors.retry({ maxRetries: 3, minTimeout: 500 }));
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

/** The armored key to verify with: `werf-signing-key` text, or the file it names. */
function signingKey(value: string): string {
  const given = value.trim();
  if (given === '') {
    // werf's release key (published at https://werf.io/werf.asc) could not be obtained when this action was written;
    // bundling a key we cannot check would be worse than asking for one.
    throw new ActionError(
      "werf's release key is not bundled yet; pass werf-signing-key (werf's key from https://werf.io/werf.asc) or werf-verify-signature: false.",
    );
  }
  if (given.includes('-----BEGIN PGP')) return given;
  try {
    return fs.readFileSync(given, 'utf8');
  } catch (err) {
    throw new ActionError(`werf-signing-key is neither an armored public key nor a readable file: ${given}.`, {
      details: (err as Error).message,
    });
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
