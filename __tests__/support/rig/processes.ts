import { spawn, type ChildProcess } from 'node:child_process';

/** The result of one finished command: exit code (null when killed by a signal) and what it printed. */
export interface ToolResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved in the order they arrived. */
  output: string;
}

/** A long-running child (a registry, containerd) that the rig owns until stop(). */
export interface ServerProcess {
  pid: number;
  /** The last 64 KiB the process printed (stdout and stderr), for failure messages. */
  log(): string;
  /** True once the process has exited (and been reaped). */
  exited(): boolean;
  /** Resolves when the process exits. */
  whenExited: Promise<void>;
  /** SIGTERM, SIGKILL after 5 s (or `killAfterMs`); resolves only after 'exit' and 'close' (reaped, output closed). */
  stop(): Promise<void>;
}

// Every child not yet reaped, so the exit safety net can kill it when a test forgot to.
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

const LOG_LIMIT = 64 * 1024;

function track(child: ChildProcess): Promise<void> {
  running.add(child);
  return new Promise((resolve) => {
    child.once('close', () => {
      running.delete(child);
      resolve();
    });
  });
}

/**
 * Runs a command to completion without a shell and resolves with its exit code and output; a non-zero exit does not
 * throw (callers decide). `input` is written to stdin (for secrets that must not be in argv). A command still
 * running after `timeoutMs` (default 60 s) is killed.
 */
export function runTool(
  cmd: string,
  args: string[],
  opts: { input?: string | Buffer; cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<ToolResult> {
  const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: 'pipe' });
  const closed = track(child);
  let stdout = '';
  let stderr = '';
  let output = '';
  child.stdout?.on('data', (d: Buffer) => ((stdout += d), (output += d)));
  child.stderr?.on('data', (d: Buffer) => ((stderr += d), (output += d)));
  child.stdin?.on('error', () => undefined); // a command that exits without reading stdin is not our error
  child.stdin?.end(opts.input ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
  return new Promise((resolve) => {
    child.once('error', (err) => {
      stderr += String(err);
      output += String(err);
    });
    void closed.then(() => {
      clearTimeout(timer);
      resolve({ code: child.exitCode, stdout, stderr, output });
    });
  });
}

/** Runs a command like runTool and throws, with the command line and its output, when it exits non-zero. */
export async function runToolOk(
  cmd: string,
  args: string[],
  opts: Parameters<typeof runTool>[2] = {},
): Promise<string> {
  const result = await runTool(cmd, args, opts);
  if (result.code !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited with ${result.code}:\n${result.output}`);
  }
  return result.stdout;
}

/** True while a process of that pid exists (a zombie counts until reaped): for leftovers of runs that died. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Starts a long-running process (no shell), keeps the tail of its output, and returns a handle to stop and reap it.
 * `onOutput` sees all of its output as it arrives (stdout and stderr).
 */
export function startServer(
  cmd: string,
  args: string[],
  opts: { cwd?: string; onOutput?: (text: string) => void; killAfterMs?: number } = {},
): ServerProcess {
  const child = spawn(cmd, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  let done = false;
  const keep = (d: Buffer) => {
    opts.onOutput?.(d.toString());
    tail = (tail + d.toString()).slice(-LOG_LIMIT);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.once('error', (err) => keep(Buffer.from(`\nspawn error: ${String(err)}\n`)));
  const whenExited = track(child).then(() => {
    done = true;
  });
  return {
    pid: child.pid ?? -1,
    log: () => tail,
    exited: () => done,
    whenExited,
    async stop() {
      if (done) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), opts.killAfterMs ?? 5_000);
      await whenExited;
      clearTimeout(timer);
    },
  };
}
