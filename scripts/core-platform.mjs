// Stand-in for @actions/core's lib/platform.js in the bundle (see scripts/bundle.mjs): the same constants, and
// getDetails() loading the real module (and @actions/exec with it, to ask the OS) only when it is called.
import os from 'node:os';

export const platform = os.platform();
export const arch = os.arch();
export const isWindows = platform === 'win32';
export const isMacOS = platform === 'darwin';
export const isLinux = platform === 'linux';

export async function getDetails() {
  const real = await import('@actions/core/lib/platform.js');
  return real.getDetails();
}
