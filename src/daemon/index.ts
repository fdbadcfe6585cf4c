import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { X509Certificate } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import * as core from '@actions/core';
import type { DockerDaemonMode, Inputs } from '../inputs.js';
import { hostName, parseRepository } from '../reference.js';
import { normalizeRegistryHost } from '../registry/index.js';
import { certsDirs } from '../trust/install.js';
import { probeTls, type ProbeRoots } from '../trust/handshake.js';
import { backendFromEnv } from '../trust/plan.js';
import { oneLine } from '../untrusted.js';
import { jobsHolding } from '../system/owned-file.js';
import { daemonCheckFailure, insecureRegistriesFix, type DaemonConfigFile, type NotChanged } from './advice.js';
import {
  ConfigureFailed,
  configFileAccess,
  configureDaemon,
  decideMode,
  whyNotConfigure,
  type ConfigFileAccess,
  type ConfiguredEntry,
  type DaemonModeDecision,
} from './configure.js';
import { DaemonUnreachable, daemonAddress, readDaemonInfo } from './engine.js';
import { DEFAULT_DAEMON_JSON, findDaemonProcess, type DaemonProcess } from './process.js';
import { listsInsecure } from './reload.js';
import {
  needOf,
  needsTrustCheck,
  planDaemon,
  type DaemonNeed,
  type DaemonPlan,
  type DaemonRegistryFacts,
} from './plan.js';
import {
  currentInsecureEntries,
  daemonTreatment,
  needsAddresses,
  type DaemonRegistryConfig,
  type DaemonTreatment,
} from './registry-config.js';

export { daemonAddress, type DaemonAddress } from './engine.js';
export type { DaemonPlan, DaemonProblem, DaemonNeed } from './plan.js';

/**
 * What the action knows about the Docker daemon after its stage (for the diagnosis and the job summary): skipped and
 * why, not reachable and why, or checked: each verdict, and what configure changed in the daemon's config file.
 */
export type DaemonReport =
  | { state: 'skipped'; reason: 'off' | 'buildah' }
  | { state: 'unreachable'; address: string; reason: string }
  | {
      state: 'checked';
      address: string;
      treatments: Record<string, DaemonTreatment>;
      plan: DaemonPlan;
      /** the entries configure added, shared or found in the config file for this job (none: nothing to change) */
      configured?: DaemonChange;
    };

/** What configure did in the daemon's config file for this job: each entry, the post step undoes what it wrote. */
export interface DaemonChange {
  file: string;
  entries: ConfiguredEntry[];
}

/**
 * The Docker daemon stage, before anything is built: for the registry werf's Docker backend pushes the stages to
 * (repo's host), asks the daemon (`GET /info` on DOCKER_HOST's unix socket, else the default socket) whether it will
 * verify TLS or allow HTTP there, and whether its trust (system roots, /etc/docker/certs.d, where the trust stage put
 * ca-cert) verifies the registry. When the push would fail and an `insecure-registries` entry fixes it, `configure`
 * (and `auto` on a GitHub-hosted runner where the config file can be written) adds the entry for this job and reloads
 * the daemon (src/daemon/configure.ts; the post step takes it out); otherwise, or when that cannot be done, the job
 * fails with the exact daemon.json change and reload command. A daemon that cannot be reached is a warning (werf will
 * say if it needs it); skipped for `off` and for the Buildah backend.
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
  const socketPath = address.socketPath;
  let seen: Assessment;
  try {
    seen = await assess(socketPath, host, need, settings?.caCert ?? '', env);
  } catch (err) {
    if (!(err instanceof DaemonUnreachable)) throw err;
    return unreachable(address.shown, err.reason, host, need);
  }
  const report = (a: Assessment, configured?: DaemonChange): DaemonReport => {
    // `because` may name the daemon's own insecure CIDRs (GET /info): one plain line.
    for (const f of a.plan.fine)
      core.info(oneLine(`The Docker daemon at ${address.shown} pushes to ${f.host}: ${f.because}.`));
    return {
      state: 'checked',
      address: address.shown,
      treatments: { [host]: a.treatment },
      plan: a.plan,
      ...(configured ? { configured } : {}),
    };
  };
  if (seen.plan.problems.length === 0) {
    // Fine because of an entry another job placed for its own run: this job needs it as long, so it shares it.
    const shared =
      (need === 'plain-http' || need === 'skip-verify') && listsInsecure(seen.config, host)
        ? await shareAnotherJobsEntry(mode, host, socketPath, env)
        : undefined;
    return report(seen, shared);
  }

  // The check failed: find out exactly what to tell (the daemon's process and config file); then change the daemon
  // for this job (configure, or auto on a GitHub-hosted runner) or stop the job.
  const { plan } = seen;
  const current = currentInsecureEntries(seen.config);
  const proc = plan.insecureToAdd.length > 0 ? await findDaemonProcess(socketPath) : undefined;
  const file = await readConfigFile(proc?.configFile ?? DEFAULT_DAEMON_JSON);
  const fix =
    plan.insecureToAdd.length > 0
      ? insecureRegistriesFix(plan.insecureToAdd, { current, file, ...(proc ? { process: proc } : {}) })
      : undefined;
  const fail = (notChanged: NotChanged) => daemonCheckFailure(address.shown, plan.problems, fix, notChanged);
  const { access, decision } = await modeFor(mode, file.path, env);
  if (decision.mode === 'check') throw fail(decision.notChanged);
  const refuse = (reason: string) => fail({ mode: 'configure', input: mode === 'auto' ? 'auto' : 'configure', reason });
  const refusal = whyNotConfigure({
    problems: plan.problems,
    socketPath,
    file,
    current,
    ...(proc ? { process: proc } : {}),
  });
  if (refusal || !proc) throw refuse(refusal ?? 'no dockerd process');
  if (!access || 'reason' in access) throw refuse(access?.reason ?? 'no access');

  core.info(
    oneLine(`${decision.because}: adding ${plan.insecureToAdd.join(', ')} to insecure-registries in ${file.path}.`),
  );
  let configured: ConfiguredEntry[];
  try {
    configured = await configureDaemon({ socketPath, process: proc, hosts: plan.insecureToAdd, files: access.files });
  } catch (err) {
    if (!(err instanceof ConfigureFailed)) throw err;
    for (const w of err.warnings) core.warning(w, { title: 'Docker daemon' });
    throw refuse(err.reason);
  }
  for (const c of configured) core.info(oneLine(configuredLine(c, file.path, proc, access.how)));

  // Plan again from what the daemon says now.
  const after = await assess(socketPath, host, need, settings?.caCert ?? '', env);
  if (after.plan.problems.length > 0) {
    const unchanged = configured.filter((c) => c.outcome === 'unchanged').map((c) => c.host);
    throw refuse(
      unchanged.length > 0
        ? `${file.path} lists ${unchanged.join(', ')} already (the runner's own entry, which the action never changes), but the daemon has not loaded it`
        : 'the daemon still does not treat the registry as insecure after its reload',
    );
  }
  return report(after, { file: file.path, entries: configured });
}

/**
 * The mode this job runs with for the daemon's config file `file`, and how the file can be written (asked only when
 * the mode may change it: check never looks).
 */
async function modeFor(
  mode: Exclude<DockerDaemonMode, 'off'>,
  file: string,
  env: NodeJS.ProcessEnv,
): Promise<{ decision: DaemonModeDecision; access?: ConfigFileAccess }> {
  const access = mode === 'check' ? undefined : await configFileAccess(file);
  const githubHosted = env.RUNNER_ENVIRONMENT === 'github-hosted';
  return { decision: decideMode(mode, { githubHosted, file, ...(access ? { access } : {}) }), access };
}

/** What the daemon says now about one registry, and the verdict. */
interface Assessment {
  config: DaemonRegistryConfig;
  treatment: DaemonTreatment;
  plan: DaemonPlan;
}

/** Asks the daemon (GET /info) how it treats `host`, and its trust when that matters; throws DaemonUnreachable. */
async function assess(
  socketPath: string,
  host: string,
  need: DaemonNeed,
  caCert: string,
  env: NodeJS.ProcessEnv,
): Promise<Assessment> {
  const config = (await readDaemonInfo(socketPath)).RegistryConfig ?? {};
  const treatment = daemonTreatment(config, host, await addressesOf(config, host));
  const facts: DaemonRegistryFacts = { host, need, treatment, certsDir: path.join(certsDirs(env).docker, host) };
  if (needsTrustCheck(need, treatment)) Object.assign(facts, await daemonTrust(facts, caCert));
  return { config, treatment, plan: planDaemon([facts]) };
}

/** The log line for one registry configure handled. */
function configuredLine(c: ConfiguredEntry, file: string, proc: DaemonProcess, how: string): string {
  switch (c.outcome) {
    case 'created':
    case 'extended':
      return `Added ${c.host} to insecure-registries in ${file}${c.outcome === 'created' ? ' (a new file)' : ''} ${how} and reloaded dockerd (pid ${proc.pid}): GET /info listed it after ${Math.round(c.reloadMs ?? 0)} ms. The post step takes it out again.`;
    case 'shared':
      return `${c.host} is in insecure-registries in ${file} for another job on this runner: this job shares the entry, which stays until the last job that needs it is done.`;
    case 'unchanged':
      return `${file} lists ${c.host} in insecure-registries already (the runner's own entry): nothing written, and never taken out.`;
  }
}

/**
 * The daemon lists `host` because another job on this runner put it into the config file for its own run; its post
 * step takes it out when that job is done, which may be before this job's push. With configure (or auto resolving to
 * it) this job claims the entry too, so it stays while this job runs; with check, a warning says so.
 */
async function shareAnotherJobsEntry(
  mode: Exclude<DockerDaemonMode, 'off'>,
  host: string,
  socketPath: string,
  env: NodeJS.ProcessEnv,
): Promise<DaemonChange | undefined> {
  const proc = await findDaemonProcess(socketPath);
  if (!proc) return undefined;
  const holding = await jobsHolding(proc.configFile, host);
  if (!holding?.placed) return undefined;
  const others = holding.holders.map((h) => h.description).join('; ') || 'a job that ended';
  const { access, decision } = await modeFor(mode, proc.configFile, env);
  const warn = (why: string) =>
    core.warning(
      `The Docker daemon lists ${host} in insecure-registries only for another job on this runner (${oneLine(others)}), whose post step takes it out when that job is done: this job's push fails if that comes first. ${why}`,
      { title: 'Docker daemon' },
    );
  if (decision.mode === 'check' || !access || 'reason' in access) {
    warn(
      'Set docker-daemon: configure to have this job share the entry, or list the registry in the config file yourself.',
    );
    return undefined;
  }
  try {
    const entries = await configureDaemon({ socketPath, process: proc, hosts: [host], files: access.files });
    for (const c of entries) core.info(oneLine(configuredLine(c, proc.configFile, proc, access.how)));
    return { file: proc.configFile, entries };
  } catch (err) {
    if (!(err instanceof ConfigureFailed)) throw err;
    for (const w of err.warnings) core.warning(w, { title: 'Docker daemon' });
    warn(`This job could not share it: ${err.reason}.`);
    return undefined;
  }
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
  const name = hostName(host);
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

/** The daemon's config file as this user can read it (never written here): its text, or why there is none. */
async function readConfigFile(filePath: string): Promise<DaemonConfigFile> {
  const file: DaemonConfigFile = { path: filePath };
  try {
    file.text = await fs.readFile(filePath, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    file.unreadable = code === 'ENOENT' ? 'missing' : (code ?? 'unreadable');
  }
  return file;
}
