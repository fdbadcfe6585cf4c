import { runProgram, type ProgramResult } from '../child-process.js';

/** Which cluster and namespace kubectl talks to: the converge's kubeconfig, context and namespace. */
export interface KubeTarget {
  kubeconfigPath: string;
  /** '' = the kubeconfig's current context */
  context: string;
  /** '' = the context's namespace */
  namespace: string;
  /** kubectl binary; default `kubectl` from PATH */
  kubectlPath?: string;
}

/** Runs one kubectl command against the target cluster; `stdin` is written to it (for `create -f -`). */
export type Kubectl = (args: string[], stdin?: string) => Promise<ProgramResult>;

/** The global flags that point kubectl at the target; argv only, the kubeconfig's secrets stay in its file. */
function targetArgs(kube: KubeTarget): string[] {
  return [
    `--kubeconfig=${kube.kubeconfigPath}`,
    ...(kube.context ? [`--context=${kube.context}`] : []),
    ...(kube.namespace ? [`--namespace=${kube.namespace}`] : []),
    '--request-timeout=30s',
  ];
}

/**
 * A Kubectl that spawns the binary with an argv (never through a shell), without the action's inputs in its
 * environment (a kubeconfig exec plugin runs with it), and collects its output in memory (a secret it prints stays
 * there). It never throws for a non-zero exit: callers decide what a failure means. A failure to start kubectl at all
 * is an exit code 127.
 */
export function kubectlFor(kube: KubeTarget): Kubectl {
  return (args, stdin) => runProgram(kube.kubectlPath ?? 'kubectl', [...targetArgs(kube), ...args], { input: stdin });
}
