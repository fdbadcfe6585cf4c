import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as core from '@actions/core';
import { jobDir } from '../jobdir.js';
import { exportForLaterSteps } from '../state.js';
import { systemRoots } from '../registry/index.js';
import { placeCaFile, type PlaceResult } from './place.js';
import { oneLine } from '../untrusted.js';

/** One registry's checked CA, ready to install. */
export interface CaToInstall {
  host: string;
  pem: string;
}

/** What was installed: the env werf and later steps need, where each CA went, and what could not be written. */
export interface InstalledCas {
  env: Record<string, string>;
  bundlePath: string;
  places: PlaceResult[];
  warnings: string[];
}

const PLACED = {
  created: 'created',
  extended: 'added to the CAs already there',
  shared: 'already placed by another job on this runner: shared until the last one is done',
  unchanged: 'already there',
} as const;

/** Where the Docker daemon and Buildah look for a registry's CA; tests point them at temp dirs. */
export function certsDirs(env: NodeJS.ProcessEnv = process.env): { docker: string; containers: string } {
  return {
    docker: env.WERF_SHIP_DOCKER_CERTS_DIR || '/etc/docker/certs.d',
    containers: env.WERF_SHIP_CONTAINERS_CERTS_DIR || '/etc/containers/certs.d',
  };
}

/**
 * Installs each registry's CA where every client looks: a bundle of the system roots plus the CAs under RUNNER_TEMP,
 * returned in `env` (for werf) and exported for later steps (this process's own env is left as given) as
 * SSL_CERT_FILE (Go) and NODE_EXTRA_CA_CERTS (Node steps); and `<certs dir>/<host[:port]>/ca.crt` for the Docker daemon
 * and for Buildah (owned changes: locked, recorded as this job's, shared with other jobs on the runner). A system place
 * that cannot be written gives a warning with the command that fixes it. Every change is recorded for the post step.
 */
export async function installCas(cas: CaToInstall[]): Promise<InstalledCas> {
  // The job's private folder under RUNNER_TEMP (removed by the post step): werf and later steps run as this user.
  const dir = path.join(jobDir(), 'trust');
  await fs.mkdir(dir, { recursive: true });

  const extra = cas.map((c) => `# ${c.host} (ca-cert)\n${c.pem.trim()}\n`).join('');
  const roots = systemRoots();
  const bundlePath = path.join(dir, 'ca-bundle.pem');
  await fs.writeFile(bundlePath, `${roots.pem.trimEnd()}\n${extra}`, { mode: 0o644 });
  core.info(oneLine(`CA bundle for werf: ${roots.source} + ${cas.map((c) => c.host).join(', ')} -> ${bundlePath}`));

  // NODE_EXTRA_CA_CERTS adds to Node's roots: keep what it already named, add the CAs.
  const previousExtra = process.env.NODE_EXTRA_CA_CERTS;
  const kept = previousExtra ? await fs.readFile(previousExtra, 'utf8').catch(() => '') : '';
  const nodeExtraPath = path.join(dir, 'node-extra-ca.pem');
  await fs.writeFile(nodeExtraPath, `${kept.trimEnd()}\n${extra}`.trimStart(), { mode: 0o644 });

  const places: PlaceResult[] = [];
  const warnings: string[] = [];
  const { docker, containers } = certsDirs();
  for (const ca of cas) {
    for (const [who, certsDir] of [
      ['the Docker daemon', docker],
      ['Buildah', containers],
    ] as const) {
      const result = await placeCaFile(path.join(certsDir, ca.host, 'ca.crt'), ca.pem, ca.host);
      places.push(result);
      if (result.placed) core.info(oneLine(`CA for ${ca.host} for ${who}: ${result.path} (${PLACED[result.action]})`));
      else {
        warnings.push(
          `Could not install the CA for ${ca.host} where ${who} looks (${result.path}): ${result.reason}. ` +
            `Pushes through ${who} will fail with "x509: certificate signed by unknown authority" until it is there; run on the runner: ${result.fix}`,
        );
      }
    }
  }

  const env = { SSL_CERT_FILE: bundlePath, NODE_EXTRA_CA_CERTS: nodeExtraPath };
  for (const [name, value] of Object.entries(env)) {
    // For the later steps only: this process keeps the trust it was given. werf gets `env` explicitly, and "system"
    // (src/registry/roots.ts) must stay the runner's own roots, for the action's checks and for the nodes' view alike.
    const given = process.env[name];
    exportForLaterSteps(name, value);
    if (given === undefined) delete process.env[name];
    else process.env[name] = given;
  }
  return { env, bundlePath, places, warnings };
}
