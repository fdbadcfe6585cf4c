import * as core from '@actions/core';
import type { Inputs } from '../inputs.js';
import { normalizeRegistryHost, type RegistryAccess } from '../registry/index.js';
import { ActionError, combineProblems } from '../errors.js';
import { checkCaCert } from './ca.js';
import { judgeProbe, probeTls, proxied, type Expectation } from './handshake.js';
import { installCas, type CaToInstall } from './install.js';
import { backendFromEnv, defaultAccess, planTrust, type WerfTlsFlags } from './plan.js';

/** The trust stage's result: werf's TLS flags, how the action's own checks reach each registry, and werf's env. */
export interface TrustSetup {
  werfFlags: WerfTlsFlags;
  /** how to reach a registry (host[:port]; Docker Hub's aliases are one); anonymous system-trust HTTPS when unknown */
  access(host: string): RegistryAccess;
  /** what werf must get in its environment (SSL_CERT_FILE, NODE_EXTRA_CA_CERTS); also exported for later steps */
  env: Record<string, string>;
}

/**
 * The trust stage: checks each `ca-cert` (PEM, dates, a CA) and, with a TLS handshake, that it signs what the registry
 * serves (or that the system roots do when no CA is given); installs the CAs for werf, Node steps, the Docker daemon
 * and Buildah; and warns about every registry that is not verified or not encrypted. Throws an ActionError (all
 * problems at once) before anything is installed when a CA or a registry's certificate is wrong, or when a CA is given
 * on a runner that is not Linux (`platform`, default process.platform), where werf would not see it.
 */
export async function setUpTrust(inputs: Inputs, platform: NodeJS.Platform = process.platform): Promise<TrustSetup> {
  const plan = planTrust(inputs.registries, backendFromEnv());
  const problems: string[] = [];
  const warnings: string[] = [];
  const cas: (CaToInstall & { subject: string })[] = [];

  const withCa = inputs.registries.filter((reg) => reg.caCert !== '' && !reg.insecureRegistry);
  if (withCa.length > 0 && platform !== 'linux') throw notLinux(withCa, platform);
  for (const r of withCa) {
    try {
      const check = checkCaCert(r.caCert, { host: r.host });
      warnings.push(...check.warnings);
      cas.push({ host: r.host, pem: check.pem, subject: check.certs.map((c) => c.subject).join('", "') });
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  if (problems.length > 0) throw combineProblems(problems, 'registry TLS checks failed');

  // Registries checked against the given CA, or against the roots werf will trust; skip-verify and HTTP ones are not.
  const checks = inputs.registries
    .filter((r) => !r.insecureRegistry && !r.skipTlsVerify)
    .filter((r) => {
      if (!proxied(r.host)) return true;
      core.info(
        `${r.host} is reached through HTTPS_PROXY: its certificate is checked by werf, not by a direct handshake.`,
      );
      return false;
    })
    .map(async (r) => {
      const ca = cas.find((c) => c.host === r.host);
      const expect: Expectation = ca ? { mode: 'ca', caSubject: ca.subject } : { mode: 'system' };
      const problem = judgeProbe(r.host, await probeTls(r.host, ca ? { ca: ca.pem } : 'system'), expect);
      // A top-level ca-cert also reaches a public registry beside the private one (e.g. final-repo on Docker Hub):
      // werf trusts the system roots plus the CA, so a certificate the system roots verify is fine as it is.
      if (problem && ca && !judgeProbe(r.host, await probeTls(r.host, 'system'), { mode: 'system' })) {
        core.info(
          `${r.host} is verified by the system roots; ca-cert is not needed for it and is not installed for it.`,
        );
        cas.splice(cas.indexOf(ca), 1);
        return undefined;
      }
      return problem;
    });
  problems.push(...(await Promise.all(checks)).filter((p): p is string => p !== undefined));
  if (problems.length > 0) throw combineProblems(problems, 'registry TLS checks failed');

  let env: Record<string, string> = {};
  if (cas.length > 0) {
    const installed = await installCas(cas);
    env = installed.env;
    warnings.push(...installed.warnings);
  }
  for (const w of [...warnings, ...plan.warnings]) core.warning(w, { title: 'Registry trust' });

  const accesses = new Map(plan.accesses.map((a) => [a.host, a]));
  return {
    werfFlags: plan.werfFlags,
    access: (host) => accesses.get(normalizeRegistryHost(host)) ?? defaultAccess(host),
    env,
  };
}

/**
 * werf on macOS and Windows verifies with the OS trust store and ignores SSL_CERT_FILE, and /etc/docker/certs.d and sudo
 * are Linux things: a CA installed there would silently not reach werf, so the job stops before anything is installed.
 */
function notLinux(registries: Inputs['registries'], platform: NodeJS.Platform): ActionError {
  const hosts = registries.map((r) => r.host).join(', ');
  return new ActionError(
    `ca-cert is installed for werf only on Linux runners, and this runner is ${platform} (ca-cert given for ${hosts}): ` +
      `install the CA in the system trust store of this runner and leave ca-cert empty, or use a Linux runner.`,
  );
}
