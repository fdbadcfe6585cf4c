import * as core from '@actions/core';

import type { Inputs, RegistrySettings } from './inputs.js';
import type { TrustSetup } from './trust/index.js';
import { ActionError } from './errors.js';
import { childEnv, lastLine, runProgram } from './child-process.js';
import { oneLine, quote } from './untrusted.js';
import { exportForLaterSteps, recordCleanup } from './state.js';
import {
  checkCredentials,
  describeTlsError,
  DOCKER_HUB,
  faultReason,
  RegistryError,
  type RegistryAccess,
} from './registry/index.js';
import { accessOf } from './trust/plan.js';
import { addHubKeyForOtherTools, makeDockerConfigDir } from './docker-config.js';

/**
 * The argv of `werf cr login` (pure): the password comes on stdin, never in argv; `--insecure-registry` for a registry
 * that is not verified or speaks HTTP (cr login has no --skip-tls-verify-registry); no REGISTRY for Docker Hub, which
 * is werf's default.
 */
export function crLoginArgs(r: RegistrySettings, dockerConfig: string): string[] {
  const insecure = r.skipTlsVerify || r.insecureRegistry ? ['--insecure-registry'] : [];
  const registry = r.host === DOCKER_HUB ? [] : [r.host];
  return [
    'cr',
    'login',
    '--username',
    r.username,
    '--password-stdin',
    ...insecure,
    '--docker-config',
    dockerConfig,
    ...registry,
  ];
}

/** The values that reveal a password: itself and the base64 `user:pass` a docker config.json holds. */
export function derivedSecrets(username: string, password: string): string[] {
  return [password, Buffer.from(`${username}:${password}`).toString('base64')].filter((s) => s !== '');
}

const registriesWithCredentials = (inputs: Inputs) =>
  inputs.registries.filter((r) => r.username !== '' && r.password !== '');

/**
 * Starts the direct credential check of every registry that has credentials (see login) and returns the sentences
 * of those not accepted. It needs only the inputs (`access` defaults to how the trust plan reaches each registry), so
 * the main step starts it right after reading them: the checks run while werf is installed and the registries' TLS
 * is checked, and login only reads their outcome. Never rejects. With `shared`, the checks run over the job's session
 * with each registry (src/registry/session.ts): the connection and the auth they set up serve the verification too.
 * `stop` ends them early (the step ended before login read them).
 */
export function checkCredentialsOf(
  inputs: Inputs,
  access: (r: RegistrySettings) => RegistryAccess = accessOf,
  opts: { shared?: boolean; stop?: AbortSignal } = {},
): Promise<string[]> {
  const checks = registriesWithCredentials(inputs).map((r) => credentialProblem(r, access(r), opts));
  return Promise.all(checks).then((failures) => failures.filter((p): p is string => p !== undefined));
}

/**
 * Logs into every registry that has credentials, with `werf cr login` semantics: first a direct credential check
 * against the registry (so a wrong password fails in seconds, before any build, naming the registry, the user and the
 * registry's answer; `checked`, when the main step started it early with checkCredentialsOf), then
 * `werf cr login --password-stdin` into a docker config dir of this job under RUNNER_TEMP, exported as
 * WERF_DOCKER_CONFIG and DOCKER_CONFIG (the runner's ~/.docker is never written). Records logout and removal for the
 * post step. Without credentials nothing is created and the config dir in use is returned.
 */
export async function login(
  inputs: Inputs,
  werfPath: string,
  trust: TrustSetup,
  checked?: Promise<string[]>,
): Promise<{ dockerConfig: string }> {
  const withCredentials = registriesWithCredentials(inputs);
  for (const r of withCredentials) derivedSecrets(r.username, r.password).forEach((s) => core.setSecret(s));
  if (withCredentials.length === 0) {
    return { dockerConfig: process.env.WERF_DOCKER_CONFIG || process.env.DOCKER_CONFIG || '' };
  }

  const problems = await (checked ?? checkCredentialsOf(inputs, (r) => trust.access(r.host)));
  if (problems.length === 1) throw new ActionError(problems[0] as string);
  if (problems.length > 1) throw new ActionError(`${problems.length} registry logins failed: ${problems.join(' ')}`);

  const dockerConfig = await makeDockerConfigDir(withCredentials.map((r) => r.host));
  const env = childEnv({ ...trust.env, WERF_DOCKER_CONFIG: dockerConfig, DOCKER_CONFIG: dockerConfig });
  for (const r of withCredentials) {
    recordCleanup({ kind: 'logout', registry: r.host, werfPath, dockerConfig });
    const out = await runProgram(werfPath, crLoginArgs(r, dockerConfig), {
      input: Buffer.from(r.password, 'utf8'), // no trailing newline: werf takes stdin as the password as it is
      env,
    });
    if (out.exitCode !== 0) {
      const said = lastLine(out.stderr) || lastLine(out.stdout);
      throw new ActionError(
        `werf cr login to ${r.host} as ${quote(r.username)} failed: ${said ? oneLine(said) : `exit code ${out.exitCode}`}`,
        {
          details: `${out.stdout}\n${out.stderr}`.trim(),
        },
      );
    }
    core.info(`Logged in to ${r.host} as ${quote(r.username)} (werf cr login).`);
  }
  if (withCredentials.some((r) => r.host === DOCKER_HUB)) await addHubKeyForOtherTools(dockerConfig);

  exportForLaterSteps('WERF_DOCKER_CONFIG', dockerConfig, { credentials: true });
  exportForLaterSteps('DOCKER_CONFIG', dockerConfig, { credentials: true });
  return { dockerConfig };
}

/**
 * How the credential check rides out a registry that is briefly unwell: 5xx, 429 and resets are retried with backoff
 * for about 10 s in all (0.6 + 1.25 + 2.5 + 5 s), a Retry-After of up to 5 s is waited as asked; a 401/403 is an
 * answer and fails at once.
 */
const CREDENTIAL_CHECK_RETRY = { maxRetries: 4, minDelayMs: 625, maxDelayMs: 5_000, maxRetryAfterMs: 5_000 };

/** The direct check of one registry's credentials: undefined when accepted, else the sentence the user must read. */
async function credentialProblem(
  r: RegistrySettings,
  access: RegistryAccess,
  { shared, stop }: { shared?: boolean; stop?: AbortSignal },
): Promise<string | undefined> {
  try {
    // The signal bounds the whole check (ping, token, check) should several of its requests each need the backoff.
    const bound = AbortSignal.timeout(45_000);
    const signal = stop ? AbortSignal.any([bound, stop]) : bound;
    await checkCredentials(access, { timeoutMs: 15_000, retry: CREDENTIAL_CHECK_RETRY, signal, shared });
    return undefined;
  } catch (err) {
    const tls = describeTlsError(err, r.host);
    if (tls) return `Cannot log in to ${r.host} as ${quote(r.username)}: ${tls}`;
    if (err instanceof RegistryError && (err.status === 401 || err.status === 403)) {
      return `Login to ${r.host} as ${quote(r.username)} was refused: ${oneLine(err.message)}. Check the username and password (or token) for ${r.host}.`;
    }
    const reason = err instanceof RegistryError ? faultReason(err) : undefined;
    const retried = err instanceof RegistryError && (err.status === 429 || (err.status ?? 0) >= 500);
    const why = reason ? ` (${reason}${retried ? ', still after retrying for about 10 s' : ''})` : '';
    return `Cannot check the credentials of ${quote(r.username)} for ${r.host}${why}: ${oneLine((err as Error).message)}`;
  }
}
