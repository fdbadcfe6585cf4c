// The one rule for what a child process (werf, kubectl, sudo, ...) inherits. The runner hands the action its inputs
// as INPUT_* variables: the password, the registries list with its passwords, the kubeconfig. A child has no use for
// them, and whatever it starts (a build, a credential helper, a kubeconfig exec plugin) would see them too.

const ACTION_INPUT = /^INPUT_/i;

/**
 * The environment a child process gets: `env` (this process's by default) without the action's inputs (`INPUT_*`),
 * with `extra` on top (e.g. SSL_CERT_FILE for werf). Pure.
 */
export function childEnv(
  extra: Record<string, string> = {},
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && !ACTION_INPUT.test(name)) result[name] = value;
  }
  return { ...result, ...extra };
}

/**
 * Removes the action's inputs from this process's environment once they are read, so that no child started later, by
 * any module or library, can inherit them. The main step calls it right after reading the inputs.
 */
export function forgetInputs(env: NodeJS.ProcessEnv = process.env): void {
  for (const name of Object.keys(env)) if (ACTION_INPUT.test(name)) delete env[name];
}
