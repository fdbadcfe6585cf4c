import { ActionError } from '../errors.js';
import type { Inputs } from '../inputs.js';
import { oneLine } from '../untrusted.js';

/** What the other stages add to the werf command line: the build report path, the kubeconfig file, the TLS flags. */
export interface WerfCommandContext {
  /** absolute path (in RUNNER_TEMP) where werf writes its build report (`.json`) */
  buildReportPath: string;
  /** absolute path of the private (0600) kubeconfig file written from `kube-config-base64` */
  kubeConfigPath?: string;
  /** the trust stage's verdict for werf's own registry client (they apply to every repo werf talks to) */
  tls: { skipTlsVerifyRegistry: boolean; insecureRegistry: boolean };
}

// Flags the action sets from its inputs: the same flag again in `args` would silently win (the last value counts) and
// skip the checks made on the input.
const OWNED_FLAGS: Record<string, string> = {
  '--repo': 'the repo input',
  '--final-repo': 'the final-repo input',
  '--save-build-report': 'the action (it reads the report)',
  '--build-report-path': 'the action (it reads the report)',
  '--env': 'the env input',
  '--kube-config': 'the kube-config-base64 input',
  '--kube-context': 'the kube-context input',
  '--insecure-registry': 'the insecure-registry input',
  '--skip-tls-verify-registry': 'the skip-tls-verify input',
  '--docker-config': 'the login (username/password or registries)',
};
// Flags whose value is a credential (werf v2's converge and build; werf/werf docs/_includes/reference/cli): on argv
// it is readable by every process on the runner (`ps`, /proc/PID/cmdline), and the action logs the command line.
// Every werf flag has an environment twin (WERF_ + the name in upper case), which werf reads the same way.
const SECRET_FLAG_NAMES = [
  '--kube-config-base64',
  '--kube-key-data',
  '--kube-auth-provider-config',
  '--secret-key',
  '--release-storage-sql-connection',
];
// --repo-github-token, --final-repo-docker-hub-password, --kube-token, --kube-auth-password, ...
const SECRET_FLAG_PATTERN = /^--(?:[a-z0-9]+-)*(?:password|token)$/;

/** Whether a werf flag (`--name`, without a value) takes a credential as its value. */
export function isSecretFlag(flag: string): boolean {
  const name = flag.toLowerCase();
  return SECRET_FLAG_NAMES.includes(name) || SECRET_FLAG_PATTERN.test(name);
}

/** The environment variable werf reads for a flag: `--repo-github-token` -> `WERF_REPO_GITHUB_TOKEN`. */
export function envTwin(flag: string): string {
  return `WERF_${flag.replace(/^--/, '').toUpperCase().replace(/-/g, '_')}`;
}

/**
 * Problems with the extra `args` (one per line), as input-error sentences: a flag the action sets itself from an
 * input, or a flag that would put a secret on the command line (named with the environment variable to use instead;
 * its value is never repeated). Empty when the args are fine. Call it with the other input checks, so these are
 * reported before anything runs.
 */
export function checkExtraArgs(args: string[]): string[] {
  const problems: string[] = [];
  for (const arg of args) {
    const flag = arg.split('=')[0] as string;
    if (!flag.startsWith('--')) continue;
    if (isSecretFlag(flag)) {
      const twin = envTwin(flag.toLowerCase());
      const instead =
        flag.toLowerCase() === '--kube-config-base64'
          ? 'use the kube-config-base64 input'
          : `set ${twin} in the step's env instead (env: ${twin}: \${{ secrets.NAME }}), which werf reads the same way`;
      problems.push(
        `Input "args" has ${oneLine(flag)}: its value is a secret, and a command line is visible to every process on the runner and in the log; ${instead}.`,
      );
    } else if (flag in OWNED_FLAGS) {
      problems.push(`Input "args" has ${flag}, which the action sets from ${OWNED_FLAGS[flag]}: use that instead.`);
    }
  }
  return problems;
}

/**
 * Plans the werf command line (pure): `converge` or `build` with `--repo`, `--final-repo` (when set), werf's TLS flags,
 * the build report, `--env`, the kube flags (converge only; the kubeconfig as a FILE with `--kube-config`, never its
 * base64 on argv, where `ps` would show it), then the extra `args` as they are. werf runs in `working-directory`, where
 * it finds werf.yaml. Throws an ActionError for extra args that `checkExtraArgs` rejects.
 */
export function planWerfCommand(inputs: Inputs, ctx: WerfCommandContext): { args: string[]; cwd: string } {
  const problems = checkExtraArgs(inputs.args);
  if (problems.length > 0) throw new ActionError(problems.join(' '));

  const args: string[] = [inputs.command, '--repo', inputs.repo];
  if (inputs.finalRepo !== '') args.push('--final-repo', inputs.finalRepo);
  if (ctx.tls.skipTlsVerifyRegistry) args.push('--skip-tls-verify-registry');
  if (ctx.tls.insecureRegistry) args.push('--insecure-registry');
  args.push('--save-build-report', '--build-report-path', ctx.buildReportPath);
  if (inputs.env !== '') args.push('--env', inputs.env);
  if (inputs.command === 'converge') {
    if (ctx.kubeConfigPath) args.push('--kube-config', ctx.kubeConfigPath);
    if (inputs.kubeContext !== '') args.push('--kube-context', inputs.kubeContext);
  }
  args.push(...inputs.args);
  return { args, cwd: inputs.workingDirectory };
}
