import { ActionError } from '../errors.js';
import type { Inputs } from '../inputs.js';
import type { WerfTlsFlags } from '../trust/plan.js';
import { checkExtraArgs } from '../extra-args.js';

/** What the other stages add to the werf command line: the build report path, the kubeconfig file, the TLS flags. */
export interface WerfCommandContext {
  /** absolute path (in RUNNER_TEMP) where werf writes its build report (`.json`) */
  buildReportPath: string;
  /** absolute path of the private (0600) kubeconfig file written from `kube-config-base64` */
  kubeConfigPath?: string;
  /** the trust stage's verdict for werf's own registry client (they apply to every repo werf talks to) */
  tls: WerfTlsFlags;
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
