import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * The kubeconfig werf deploys with when `kube-config-base64` is empty: the first file of KUBECONFIG, else
 * ~/.kube/config (what an earlier step such as a kind or cloud login action set up); undefined when there is none.
 */
export function ambientKubeconfig(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const listed = (env.KUBECONFIG ?? '').split(path.delimiter).filter((p) => p !== '');
  const candidates = listed.length > 0 ? listed : [path.join(env.HOME || os.homedir(), '.kube', 'config')];
  return candidates.find((p) => {
    try {
      return fs.statSync(p).isFile();
    } catch {
      return false;
    }
  });
}
