import * as core from '@actions/core';
import { ActionError } from '../errors.js';
import { getText } from './release-host.js';
import { publicKeyFingerprints } from './signature.js';

/** Where werf publishes its release key (werf's docs: `curl -sSL https://werf.io/werf.asc | gpg --import`). */
export const WERF_RELEASE_KEY_URL = 'https://werf.io/werf.asc';

const AIR_GAPPED = 'air-gapped runners must pass werf-signing-key (the key text or the path of a file with it)';

/** The armored key to verify with and its name for errors: `werf-signing-key`, or werf's release key when that is ''. */
export async function signingKey(given: string, releaseKeyUrl: string): Promise<{ armored: string; name: string }> {
  if (given.trim() === '')
    return { armored: await fetchReleaseKey(releaseKeyUrl), name: `werf's release key from ${releaseKeyUrl}` };
  try {
    await publicKeyFingerprints(given);
  } catch (err) {
    // The message never quotes the value: whatever was passed, it is not for the log.
    throw new ActionError(
      'werf-signing-key is not an armored OpenPGP public key: pass the key text ("-----BEGIN PGP PUBLIC KEY BLOCK-----" ...) or the path of a file with it.',
      { details: (err as Error).message },
    );
  }
  return { armored: given, name: 'werf-signing-key' };
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

/** GETs the key text; a key that reached us over plain HTTP after an HTTPS start is refused (the redirect history). */
async function fetchKeyText(url: string): Promise<string> {
  let response: { status: number; body: string; via: URL[] };
  try {
    response = await getText(url);
  } catch (err) {
    throw new ActionError(`Could not fetch werf's release key from ${url}; nothing was downloaded: ${AIR_GAPPED}.`, {
      details: `GET ${url}: ${(err as Error).message}`,
    });
  }
  const downgrade = url.startsWith('https:') ? response.via.find((hop) => hop.protocol !== 'https:') : undefined;
  if (downgrade) {
    throw new ActionError(
      `Could not fetch werf's release key from ${url}: it redirects to plain HTTP (${downgrade.href}); nothing was downloaded: ${AIR_GAPPED}.`,
    );
  }
  if (response.status !== 200) {
    const last = response.via.at(-1)?.href ?? url;
    throw new ActionError(
      `Could not fetch werf's release key from ${url} (it answered ${response.status}); nothing was downloaded: ${AIR_GAPPED}.`,
      { details: `GET ${last} -> ${response.status}: ${response.body.slice(0, 200)}` },
    );
  }
  return response.body;
}
