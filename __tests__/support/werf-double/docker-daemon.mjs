// werf's Docker backend in the double: when a Docker daemon is there, werf's stages go to --repo through it, with the
// daemon's own trust (/etc/docker/certs.d, insecure-registries) and the job's docker config for the credentials.
// The image is put into the daemon with `docker load` (no build, no network: the tiny image the double makes) and
// pushed with `docker push`; werf's texts wrap the daemon's: `unable to push image "<ref>": <docker's error>`.
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { WerfError } from './cli.mjs';
import { dockerArchive, imageParts } from './oci-image.mjs';

/**
 * The docker CLI the double drives: Debian's docker.io (/usr/bin/docker, 20.10, installed with the daemon by .ci/run),
 * by its path, not by PATH order: a newer CLI earlier on PATH (/usr/local/bin/docker 28 on the development machines)
 * would make the result depend on the machine; 20.10 speaks the daemon's own API version and words errors as it does.
 * werf itself embeds docker's CLI code rather than running a binary.
 */
export const DOCKER_CLI = '/usr/bin/docker';

/**
 * DOCKER_HOST (or the default socket) when a daemon's unix socket is there, else undefined: then the double emulates
 * the daemon's push (skopeo with the certs dir and daemon.json knobs), as before. Real werf without a daemon fails; a
 * test that wants no daemon points DOCKER_HOST at a socket that does not exist.
 */
export function reachableDaemon(env = process.env) {
  const host = env.DOCKER_HOST || 'unix:///var/run/docker.sock';
  if (!host.startsWith('unix://')) return host;
  try {
    return statSync(host.slice('unix://'.length)).isSocket() ? host : undefined;
  } catch {
    return undefined;
  }
}

function docker(args, { host, configDir, input }) {
  const r = spawnSync(DOCKER_CLI, ['--config', configDir, ...args], {
    input,
    env: { ...process.env, DOCKER_HOST: host },
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (r.error) throw new WerfError(`docker ${args[0]}: ${r.error.message}`);
  return r;
}

/**
 * Puts one platform's image of werf image `imageName` into the daemon as `ref` and pushes it; prints docker's lines as
 * werf shows them. Returns the digest the daemon pushed. A failed push throws werf's error with docker's cause.
 */
export function pushThroughDaemon({ host, configDir, ref, imageName, digest, platform }, out) {
  const archive = dockerArchive(imageParts({ imageName, digest, platform }), ref);
  const loaded = docker(['load'], { host, configDir, input: archive });
  if (loaded.status !== 0) throw new WerfError(`unable to load image ${ref}: ${loaded.stderr.trim()}`);
  const pushed = docker(['push', ref], { host, configDir });
  out(pushed.stdout.replace(/^/gm, '│ ').replace(/│ $/, ''));
  if (pushed.status !== 0) {
    const cause = pushed.stderr.trim().split('\n').pop() ?? `exit status ${pushed.status}`;
    throw new WerfError(`unable to push image "${ref}": ${cause}`);
  }
  const pushedDigest = /: digest: (sha256:[0-9a-f]{64}) size: \d+/.exec(pushed.stdout)?.[1];
  if (!pushedDigest) throw new WerfError(`unable to push image "${ref}": no digest in docker's output`);
  return pushedDigest;
}
