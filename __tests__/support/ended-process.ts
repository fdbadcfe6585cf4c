// A real process of this machine that ran and ended: its stamp is what a job's lock or claim looks like after the job
// died without its post step.
import { spawn } from 'node:child_process';
import { stampOf, type ProcessStamp } from '../../src/system/owner.js';

/** Starts `sleep`, stamps it while it runs, kills it and waits until it is gone. */
export async function endedProcessStamp(): Promise<ProcessStamp> {
  const child = spawn('sleep', ['30']);
  await new Promise((resolve) => child.once('spawn', resolve));
  const stamp = stampOf(child.pid);
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('close', resolve));
  if (!stamp) throw new Error('no stamp for a running process: /proc is missing');
  return stamp;
}
