import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Every temp dir the rig made and has not removed yet, so the exit safety net can still remove it.
const openDirs = new Set<string>();

/** Makes a fresh temp dir under os.tmpdir() named `rig-<prefix>-XXXXXX` that removeTempDir (or process exit) removes. */
export async function makeTempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `rig-${prefix}-`));
  openDirs.add(dir);
  return dir;
}

/** Removes a temp dir made by makeTempDir, with everything in it; a dir already gone is fine. */
export async function removeTempDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  openDirs.delete(dir);
}

// Safety net: a test that forgot stop() (or a crash) still leaves no temp dir behind.
process.on('exit', () => {
  for (const dir of openDirs) rmSync(dir, { recursive: true, force: true });
});
