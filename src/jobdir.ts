import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { recordCleanup } from './state.js';

let created: string | undefined;

/**
 * This job's private folder (mode 0700) under RUNNER_TEMP, made once and removed by the post step: the kubeconfig,
 * the CA bundle and the build report live here, never in the workspace or the home directory. (The docker config has
 * a folder of its own beside it: with `logout: false` it stays for the later steps.)
 */
export function jobDir(): string {
  if (created) return created;
  const base = process.env.RUNNER_TEMP || os.tmpdir();
  fs.mkdirSync(base, { recursive: true });
  // mkdtemp makes the folder with mode 0700 already.
  const dir = fs.mkdtempSync(path.join(base, 'werf-ship-'));
  recordCleanup({ kind: 'remove-dir', path: dir });
  created = dir;
  return dir;
}

/** Writes a private file (mode 0600) into the job folder and returns its path. */
export function writePrivateFile(name: string, content: string | Buffer): string {
  const file = path.join(jobDir(), name);
  fs.writeFileSync(file, content, { mode: 0o600 });
  return file;
}
