import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';

/**
 * A process as it can be recognised later on this machine: its pid, when it started (clock ticks since boot, from
 * /proc/PID/stat), the boot it ran in and its pid namespace. A pid alone is not enough: pids are reused.
 */
export interface ProcessStamp {
  pid: number;
  started: string;
  boot: string;
  pidNamespace: string;
}

/** A job that holds something on this machine: its id (unique per run of the main step) and who to tell it by. */
export interface JobOwner {
  /** run id, attempt, job name and a random id of this main step: two steps of one job are two owners */
  job: string;
  /** the run in the user's words, for messages ("octo/shop run 4242 attempt 1, job ship") */
  description: string;
  /** the process that runs the job's steps (the runner's worker): the job is over once it is gone */
  worker?: ProcessStamp;
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** This machine's boot and this process's pid namespace; undefined where there is no /proc (not Linux). */
function here(): { boot: string; pidNamespace: string } | undefined {
  const boot = readText('/proc/sys/kernel/random/boot_id');
  let pidNamespace: string;
  try {
    pidNamespace = fs.readlinkSync('/proc/self/ns/pid');
  } catch {
    return undefined;
  }
  return boot ? { boot, pidNamespace } : undefined;
}

/** Field 22 of /proc/PID/stat (start time); the command name before it may hold spaces and parentheses. */
function startTime(pid: number): string | undefined {
  const stat = readText(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

/** The stamp of a running process (this one by default); undefined when it is not running or there is no /proc. */
export function stampOf(pid: number = process.pid): ProcessStamp | undefined {
  const system = here();
  const started = startTime(pid);
  if (!system || started === undefined) return undefined;
  return { pid, started, ...system };
}

/**
 * Whether a stamped process still runs. Only a clear "no" counts: a stamp from an earlier boot (the machine restarted),
 * or from our pid namespace whose pid is gone or now belongs to a process started at another time. A process in another
 * pid namespace (a job in a container), a missing stamp, or a machine without /proc: we cannot see it, so it runs.
 */
export function isRunning(stamp: ProcessStamp | undefined): boolean {
  if (!stamp) return true;
  const system = here();
  if (!system) return true;
  if (stamp.boot !== system.boot) return false;
  if (stamp.pidNamespace !== system.pidNamespace) return true;
  return startTime(stamp.pid) === stamp.started;
}

let me: JobOwner | undefined;

/**
 * This job as the owner of what the main step places on the machine, made once per process. The worker is the step's
 * parent process: the runner starts each step of a job from the one Runner.Worker process that lives as long as the
 * job, so it is still there for the post step and gone once the job ended (or the runner died with it).
 */
export function thisJob(env: NodeJS.ProcessEnv = process.env): JobOwner {
  if (me) return me;
  const run = env.GITHUB_RUN_ID || 'local';
  const attempt = env.GITHUB_RUN_ATTEMPT || '1';
  const job = env.GITHUB_JOB || 'job';
  const repository = env.GITHUB_REPOSITORY ? `${env.GITHUB_REPOSITORY} ` : '';
  me = {
    job: `${run}-${attempt}-${job}-${randomBytes(4).toString('hex')}`,
    description: `${repository}run ${run} attempt ${attempt}, job ${job}`,
    worker: stampOf(process.ppid),
  };
  return me;
}
