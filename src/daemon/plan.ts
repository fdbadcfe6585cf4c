import type { RegistrySettings } from '../inputs.js';
import type { DaemonTreatment } from './registry-config.js';

/** What the job's inputs ask of the daemon for one registry. */
export type DaemonNeed = 'plain-http' | 'skip-verify' | 'ca' | 'system';

/** Pure: the need of a registry's settings: plain HTTP beats skip-verify beats a CA (as the trust stage reads them). */
export function needOf(r: Pick<RegistrySettings, 'insecureRegistry' | 'skipTlsVerify' | 'caCert'>): DaemonNeed {
  if (r.insecureRegistry) return 'plain-http';
  if (r.skipTlsVerify) return 'skip-verify';
  return r.caCert !== '' ? 'ca' : 'system';
}

/** What the preflight learned about one registry the daemon pushes werf's stages to. */
export interface DaemonRegistryFacts {
  host: string;
  need: DaemonNeed;
  treatment: DaemonTreatment;
  /** the registry's folder in the daemon's certs.d (/etc/docker/certs.d/HOST:PORT) */
  certsDir: string;
  /** asked only of a verifying daemon: does its trust (system roots + certs.d) verify the registry's certificate? */
  verifiedByDaemon?: boolean;
  /** asked only for `ca` and a verifying daemon: is the CA from ca-cert among the certs.d files? */
  caInCertsDir?: boolean;
}

/** One registry the daemon will fail to push to, and what will go wrong, in one clause. */
export interface DaemonProblem {
  host: string;
  need: DaemonNeed;
  what: string;
  /** an insecure-registries entry fixes it (skip-verify, plain HTTP); a missing CA is fixed in certs.d instead */
  fixedByInsecureEntry: boolean;
}

/** The preflight's verdict: the registries that are fine (with why) and the problems, before anything is built. */
export interface DaemonPlan {
  fine: Array<{ host: string; because: string }>;
  problems: DaemonProblem[];
  /** host[:port] entries the daemon's insecure-registries needs for this job (what `configure` would add) */
  insecureToAdd: string[];
}

/** Pure: does a verifying daemon still need to be asked whether its trust verifies the registry? */
export function needsTrustCheck(need: DaemonNeed, treatment: DaemonTreatment): boolean {
  return !treatment.insecure && (need === 'skip-verify' || need === 'ca');
}

/**
 * Pure: turns what the preflight learned into the verdict. An insecure registry for the daemon takes HTTP and any
 * certificate; a verifying daemon needs HTTPS, and a certificate its own trust verifies: the CA in its certs.d
 * (ca-cert), or system roots / an admin's certs.d CA (skip-tls-verify, which never reaches the daemon).
 */
export function planDaemon(facts: DaemonRegistryFacts[]): DaemonPlan {
  const plan: DaemonPlan = { fine: [], problems: [], insecureToAdd: [] };
  for (const f of facts) {
    const problem = problemOf(f);
    if (problem) {
      plan.problems.push(problem);
      if (problem.fixedByInsecureEntry) plan.insecureToAdd.push(f.host);
    } else {
      plan.fine.push({ host: f.host, because: fineBecause(f) });
    }
  }
  return plan;
}

function problemOf(f: DaemonRegistryFacts): DaemonProblem | undefined {
  if (f.treatment.insecure || f.need === 'system') return undefined;
  if (f.need === 'plain-http') {
    return {
      host: f.host,
      need: f.need,
      what: `${f.host} speaks plain HTTP (insecure-registry), but the daemon speaks HTTPS to it, as ${f.treatment.because}: its push would fail with "http: server gave HTTP response to HTTPS client"`,
      fixedByInsecureEntry: true,
    };
  }
  if (f.verifiedByDaemon) return undefined;
  if (f.need === 'skip-verify') {
    return {
      host: f.host,
      need: f.need,
      what: `skip-tls-verify does not reach the daemon, which verifies ${f.host}'s certificate, as ${f.treatment.because}, and does not trust it: its push would fail with "x509: certificate signed by unknown authority"`,
      fixedByInsecureEntry: true,
    };
  }
  if (f.caInCertsDir) return undefined;
  return {
    host: f.host,
    need: f.need,
    what: `the CA from ca-cert is not in ${f.certsDir}/, where the daemon looks for ${f.host}'s CA: its push would fail with "x509: certificate signed by unknown authority"`,
    fixedByInsecureEntry: false,
  };
}

function fineBecause(f: DaemonRegistryFacts): string {
  if (f.treatment.insecure) return `insecure for the daemon: ${f.treatment.because}`;
  if (f.need === 'system') return 'HTTPS, its certificate verified with the system roots (as the trust stage found)';
  if (f.caInCertsDir) return `the daemon trusts the CA in ${f.certsDir}/`;
  return `the daemon verifies its certificate (system roots or ${f.certsDir}/)`;
}
