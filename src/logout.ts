import * as core from '@actions/core';
import type { CleanupEntry } from './state.js';
import { lastLine, runProgram } from './child-process.js';
import { oneLine } from './untrusted.js';
import { removeHubKeyForOtherTools } from './docker-config.js';
import { DOCKER_HUB } from './registry/docker-hub.js';

/**
 * The post step's logout of one registry: `werf cr logout --docker-config DIR REGISTRY` (no network), for Docker Hub
 * without REGISTRY, which erases werf's `index.docker.io`. werf reduces any address to its host, so no werf command
 * erases the `https://index.docker.io/v1/` key the action added: the action removes that one itself. A failure is a
 * warning, never a failed job.
 */
export async function logout(entry: Extract<CleanupEntry, { kind: 'logout' }>): Promise<void> {
  const hub = entry.registry === DOCKER_HUB;
  try {
    // This process's env as it is now, without the action's inputs.
    const out = await runProgram(entry.werfPath, [
      'cr',
      'logout',
      '--docker-config',
      entry.dockerConfig,
      ...(hub ? [] : [entry.registry]),
    ]);
    if (out.exitCode !== 0) {
      core.warning(
        `werf cr logout from ${entry.registry} failed: ${oneLine(lastLine(out.stderr)) || `exit code ${out.exitCode}`}`,
      );
    }
    if (hub) await removeHubKeyForOtherTools(entry.dockerConfig);
  } catch (err) {
    core.warning(`werf cr logout from ${entry.registry} failed: ${oneLine((err as Error).message)}`);
  }
}
