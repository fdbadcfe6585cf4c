import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { X509Certificate } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import * as core from '@actions/core';
import type { Inputs } from '../inputs.js';
import { parseRepository } from '../reference.js';
import { normalizeRegistryHost } from '../registry/index.js';
import { certsDirs } from '../trust/install.js';
import { probeTls, type ProbeRoots } from '../trust/handshake.js';
import { backendFromEnv } from '../trust/plan.js';
import { oneLine } from '../untrusted.js';
import { daemonCheckFailure, insecureRegistriesFix, type DaemonConfigFile } from './advice.js';
import { DaemonUnreachable, daemonAddress, readDaemonInfo } from './engine.js';
import { findDaemonProcess } from './process.js';
import {
  needOf,
  needsTrustCheck,
  planDaemon,
  type DaemonNeed,
  type DaemonPlan,
  type DaemonRegistryFacts,
} from './plan.js';
import {
  addressPart,
  currentInsecureEntries,
  daemonTreatment,
  needsAddresses,
  type DaemonRegistryConfig,
  type DaemonTreatment,
} from './registry-config.js';

export { daemonAddress, type DaemonAddress } from './engine.js';
export type { DaemonPlan, DaemonProblem, DaemonNeed } from './plan.js';

/** What the action knows about the Docker daemon after its stage: what it asked and, when it did, each verdict. */
export type DaemonReport =
  | { state: 'skipped'; reason: 'off' | 'buildah' }
  | { state: 'unreachable'; address: string; reason: string }
  | { state: 'checked'; address: string; treatments: Record<string, DaemonTreatment>; plan: DaemonPlan };

/**
 * The Docker daemon stage, before anything is built: for the registry werf's Docker backend pushes the stages to
 * (repo's host), asks the daemon (`GET /info` on DOCKER_HOST's unix socket, else the default socket) whether it will
 * verify TLS or allow HTTP there, and whether its trust (system roots, /etc/docker/certs.d, where the trust stage put
 * ca-cert) verifies the registry. Fails with the exact daemon.json change and reload command when the push would
 * fail; warns and goes on when the daemon cannot be reached (werf will say if it needs it); skipped for `off` and for
 * the Buildah backend. Changes nothing: `auto`, `check` and `configure` all check in this version (changing the
 * daemon's config file, for `configure` and for `auto` on GitHub-hosted runners, comes with the module for owned
 * system changes: lock, owner ledger, undo only while the file holds what this job wrote).
 */
export async function checkDockerDaemon(inputs: Inputs, env: NodeJS.ProcessEnv = process.env): Promise<DaemonReport> {
  const mode = inputs.dockerDaemon;
  if (mode === 'off') {
    core.info('docker-daemon: off: the action does not look at the Docker daemon.');
    return { state: 'skipped', reason: 'off' };
  }
  if (backendFromEnv(env) === 'buildah') {
    core.info('werf builds with Buildah (WERF_BUILDAH_MODE): no Docker daemon pushes the stages.');
    return { state: 'skipped', reason: 'buildah' };
  }
  const host = normalizeRegistryHost(parseRepository(inputs.repo, 'repo').domain);
  const settings = inputs.registries.find((r) => r.host === host);
  const need = settings ? needOf(settings) : 'system';
  const address = daemonAddress(env);
  if (address.kind !== 'unix') {
    return unreachable(address.shown, 'the action checks a daemon on a unix socket only', host, need);
  }
  let config: DaemonRegistryConfig;
  try {
    config = (await readDaemonInfo(address.socketPath)).RegistryConfig ?? {};
  } catch (err) {
    if (!(err instanceof DaemonUnreachable)) throw err;
    return unreachable(address.shown, err.reason, host, need);
  }

  const treatment = daemonTreatment(config, host, await addressesOf(config, host));
  const facts: DaemonRegistryFacts = {
    host,
    need,
    treatment,
    certsDir: path.join(certsDirs(env).docker, host),
  };
  if (needsTrustCheck(need, treatment)) Object.assign(facts, await daemonTrust(facts, settings?.caCert ?? ''));
  const plan = planDaemon([facts]);
  for (const f of plan.fine)
    core.info(`The Docker daemon at ${oneLine(address.shown)} pushes to ${f.host}: ${f.because}.`);
  const report: DaemonReport = { state: 'checked', address: address.shown, treatments: { [host]: treatment }, plan };
  if (plan.problems.length === 0) return report;

  // The check failed: find out exactly what to tell (the daemon's process and config file), then stop the job.
  // (`configure` will instead add plan.insecureToAdd to that file here, reload, and plan again from GET /info.)
  const fix =
    plan.insecureToAdd.length > 0
      ? await fixFor(plan.insecureToAdd, address.socketPath, currentInsecureEntries(config))
      : undefined;
  throw daemonCheckFailure(address.shown, plan.problems, fix, mode);
}

const NEEDS: Record<Exclude<DaemonNeed, 'system'>, string> = {
  'plain-http': 'to be in its insecure-registries (insecure-registry)',
  'skip-verify': 'to be in its insecure-registries, or a certificate it verifies itself (skip-tls-verify)',
  ca: "the CA from ca-cert in the daemon's certs.d",
};

/** A daemon the action cannot ask: a warning when the registry needs something of it, else a line in the log. */
function unreachable(address: string, reason: string, host: string, need: DaemonNeed): DaemonReport {
  const text = `Cannot check the Docker daemon at ${oneLine(address)} (${oneLine(reason)})`;
  if (need === 'system') core.info(`${text}; ${host} needs nothing special of it.`);
  else
    core.warning(
      `${text}: the action cannot tell whether it will push werf's stages to ${host}, which needs ${NEEDS[need]}; werf fails if the daemon does not. With the Buildah backend, set docker-daemon: off.`,
      { title: 'Docker daemon' },
    );
  return { state: 'unreachable', address, reason };
}

/** The host's IP addresses, when the daemon's verdict depends on them (insecure CIDRs and no entry of its own). */
async function addressesOf(config: DaemonRegistryConfig, host: string): Promise<string[]> {
  if (!needsAddresses(config, host)) return [];
  const name = addressPart(host);
  if (isIP(name)) return [name];
  try {
    return (await lookup(name, { all: true })).map((a) => a.address);
  } catch {
    return []; // the daemon cannot resolve it either: it takes the registry for a secure one
  }
}

/** Does the daemon's own trust verify the registry: the CA in its certs.d (ca-cert), else system roots or certs.d? */
async function daemonTrust(
  facts: DaemonRegistryFacts,
  caCert: string,
): Promise<Pick<DaemonRegistryFacts, 'caInCertsDir' | 'verifiedByDaemon'>> {
  const certsPem = await certsDirPem(facts.certsDir);
  if (facts.need === 'ca' && caCert !== '' && holdsAny(certsPem, caCert)) return { caInCertsDir: true };
  const verifies = async (roots: ProbeRoots) => {
    const probe = await probeTls(facts.host, roots, 5_000);
    return probe.kind === 'tls' && probe.authorized && probe.hostnameError === undefined;
  };
  const verified = (certsPem !== '' && (await verifies({ ca: certsPem }))) || (await verifies('system'));
  return { caInCertsDir: false, verifiedByDaemon: verified };
}

/** The certificates of the `*.crt` files in a registry's certs.d folder, as the daemon reads them. */
async function certsDirPem(dir: string): Promise<string> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const texts = await Promise.all(
    names.filter((n) => n.endsWith('.crt')).map((n) => fs.readFile(path.join(dir, n), 'utf8').catch(() => '')),
  );
  return texts.join('\n');
}

/** True when a certificate of `wanted` (PEM) is among those of `pem`. */
function holdsAny(pem: string, wanted: string): boolean {
  const prints = (text: string) =>
    (text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).flatMap((block) => {
      try {
        return [new X509Certificate(block).fingerprint256];
      } catch {
        return [];
      }
    });
  const have = new Set(prints(pem));
  return prints(wanted).some((p) => have.has(p));
}

/** The exact change for the user: the daemon's process and config file, read (never written). */
async function fixFor(hosts: string[], socketPath: string, current: string[]) {
  const proc = await findDaemonProcess(socketPath);
  const filePath = proc?.configFile ?? '/etc/docker/daemon.json';
  const file: DaemonConfigFile = { path: filePath };
  try {
    file.text = await fs.readFile(filePath, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    file.unreadable = code === 'ENOENT' ? 'missing' : (code ?? 'unreadable');
  }
  return insecureRegistriesFix(hosts, { current, file, ...(proc ? { process: proc } : {}) });
}
