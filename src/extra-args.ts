// The `args` input: extra werf arguments, one per line, passed to werf as they are, and what they may not hold. Pure;
// read with the other inputs (src/inputs.ts) and checked again where the werf command line is planned (werf/argv.ts).
import { oneLine } from './untrusted.js';

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
