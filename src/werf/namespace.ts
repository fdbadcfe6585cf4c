import * as core from '@actions/core';
import * as exec from '@actions/exec';
import type { Inputs } from '../inputs.js';
import { childEnv } from '../child-env.js';
import { quote } from '../untrusted.js';

/** The namespace werf deploys into when `args` name one (`--namespace X`, `--namespace=X`, `-n X`); '' otherwise. */
export function namespaceFromArgs(args: string[]): string {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const joined = /^--namespace=(.+)$/.exec(arg);
    if (joined) return joined[1] as string;
    if ((arg === '--namespace' || arg === '-n') && args[i + 1]) return args[i + 1] as string;
  }
  return '';
}

/**
 * The Kubernetes namespace of the release werf converged, where the probe pods must run to use its imagePullSecret:
 * `--namespace` from `args`, else WERF_NAMESPACE, else what `werf helm get-namespace` says for this env and project
 * (werf's `[[ project ]]-[[ env ]]` or werf.yaml's own template). '' (the kube context's namespace) with a warning
 * when werf cannot say.
 */
export async function releaseNamespace(inputs: Inputs, werfPath: string): Promise<string> {
  const given = namespaceFromArgs(inputs.args) || process.env.WERF_NAMESPACE || '';
  if (given !== '') return given;
  const args = ['helm', 'get-namespace', ...(inputs.env ? ['--env', inputs.env] : [])];
  const out = await exec.getExecOutput(werfPath, args, {
    cwd: inputs.workingDirectory,
    env: childEnv(),
    silent: true,
    ignoreReturnCode: true,
  });
  const namespace = out.stdout.trim().split('\n').pop()?.trim() ?? '';
  if (out.exitCode === 0 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(namespace)) return namespace;
  const said = out.stderr.trim().split('\n').pop()?.trim() || out.stdout.trim().split('\n').pop()?.trim();
  core.warning(
    `werf helm get-namespace did not name the release's namespace (${said ? `it said ${quote(said)}` : `exit code ${out.exitCode}`}): the probe pods run in the kube context's namespace; pass --namespace in args to choose.`,
  );
  return '';
}
