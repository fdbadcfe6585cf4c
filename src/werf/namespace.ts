import * as core from '@actions/core';
import type { Inputs } from '../inputs.js';
import { lastLine, runProgram } from '../child-process.js';
import { quote } from '../untrusted.js';

/**
 * The namespace `--namespace` in `args` gives converge (`--namespace X` or `--namespace=X`, the last one counting, as
 * werf's flag parser does); undefined when `args` do not set it. converge has no `-n`.
 */
export function namespaceFromArgs(args: string[]): string | undefined {
  let namespace: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--') break;
    if (arg.startsWith('--namespace=')) namespace = arg.slice('--namespace='.length);
    else if (arg === '--namespace' && i + 1 < args.length) namespace = args[++i];
  }
  return namespace;
}

// converge's flags that choose which werf.yaml werf reads and how (giterminism): `werf helm get-namespace` has them
// too and must get the same. true: takes a value.
const WERF_YAML_FLAGS: Record<string, boolean> = {
  '--dir': true,
  '--config': true,
  '--config-templates-dir': true,
  '--git-work-tree': true,
  '--giterminism-config': true,
  '--dev': false,
  '--dev-branch': true,
  '--dev-ignore': true,
  '--loose-giterminism': false,
};

/**
 * Pure: the flags of `args` that choose werf.yaml (`--dir`, `--config`, `--dev`, the other giterminism flags), as they
 * are written there, for `werf helm get-namespace`. Their env twins (WERF_DIR, WERF_CONFIG, WERF_DEV, ...) reach it
 * from the environment, as they reach converge.
 */
export function werfYamlArgs(args: string[]): string[] {
  const chosen: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--') break;
    const takesValue = WERF_YAML_FLAGS[arg.split('=')[0] as string];
    if (takesValue === undefined) continue;
    if (arg.includes('=') || !takesValue) chosen.push(arg);
    else if (i + 1 < args.length) chosen.push(arg, args[++i] as string);
  }
  return chosen;
}

/**
 * The Kubernetes namespace of the release werf converged, where the probe pods must run to use its imagePullSecret:
 * `--namespace` from `args`, else WERF_NAMESPACE (converge's default for it), else what `werf helm get-namespace` says,
 * asked as converge would read werf.yaml: in `working-directory`, with the `env` input and the werf.yaml flags of
 * `args` (werf renders werf.yaml's `deploy.namespace`, else `[[ project ]]` or `[[ project ]]-[[ env ]]`, and slugifies
 * it). '' (the kube context's namespace) with a warning when werf cannot say.
 */
export async function releaseNamespace(inputs: Inputs, werfPath: string): Promise<string> {
  const given = namespaceFromArgs(inputs.args) ?? process.env.WERF_NAMESPACE ?? '';
  if (given !== '') return given;
  const args = ['helm', 'get-namespace', ...(inputs.env ? ['--env', inputs.env] : []), ...werfYamlArgs(inputs.args)];
  // WERF_DIR, WERF_CONFIG, WERF_DEV, WERF_ENV... reach it as converge got them: this process's env as it is now,
  // without the action's inputs.
  const out = await runProgram(werfPath, args, { cwd: inputs.workingDirectory });
  const namespace = lastLine(out.stdout);
  if (out.exitCode === 0 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(namespace)) return namespace;
  // werf ends with one `Error: <message>` line, sometimes followed by a hint: the error is what the user needs.
  const lines = `${out.stderr}\n${out.stdout}`
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const said = lines.find((l) => l.startsWith('Error: ')) ?? lines.at(-1);
  core.warning(
    `werf helm get-namespace did not name the release's namespace (${said ? `it said ${quote(said)}` : `exit code ${out.exitCode}`}): the probe pods run in the kube context's namespace; pass --namespace in args to choose.`,
  );
  return '';
}
