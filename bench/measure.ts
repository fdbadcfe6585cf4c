/**
 * Measuring whole processes for the benchmarks with Node alone: wall time from spawn to exit, peak memory (VmHWM of
 * /proc/<pid>/status, polled), medians; and reading the action's own timings from its job summary and its log.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Median of the values (the mean of the middle two for an even count). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Watches a process's peak resident memory: VmHWM (the kernel's high-water mark of its RSS) read from
 * /proc/<pid>/status every `everyMs`. The last read before the exit holds the peak up to then, so what the process
 * grows in its last poll interval is missed (a lower bound, within `everyMs` of the end). stop() returns MiB.
 */
export function watchPeakMemory(pid: number, everyMs = 2): { stop(): number } {
  let peakKiB = 0;
  const read = () => {
    try {
      const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) peakKiB = Math.max(peakKiB, Number(m[1]));
    } catch {
      // gone (exited and reaped)
    }
  };
  read();
  const timer = setInterval(read, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return peakKiB / 1024;
    },
  };
}

/** One measured process: exit code, wall time (spawn to exit) and peak memory, and what it printed. */
export interface MeasuredRun {
  code: number | null;
  wallMs: number;
  peakMiB: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its exit, timing it from spawn to exit and watching its peak memory. */
export function measureProcess(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string } = {},
): Promise<MeasuredRun> {
  const started = performance.now();
  const child = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: 'pipe' });
  const memory = child.pid ? watchPeakMemory(child.pid) : undefined;
  let stdout = '';
  let stderr = '';
  let wallMs = 0;
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  child.stdin.on('error', () => undefined);
  child.stdin.end(opts.input ?? '');
  child.on('exit', () => (wallMs = performance.now() - started));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, wallMs, peakMiB: memory?.stop() ?? 0, stdout, stderr }));
  });
}

/** One stage as the action's stopwatch reported it in the job summary's Stages table (0.1 s resolution). */
export interface SummaryStage {
  stage: string;
  seconds: number;
  ok: boolean;
}

/** The Stages table of the action's job summary (`| stage | 1.2 s | ✅ |`), in order. */
export function summaryStages(summary: string): SummaryStage[] {
  const table = summary.slice(summary.lastIndexOf('### Stages'));
  return [...table.matchAll(/^\| (.+?) \| (\d+(?:\.\d+)?) s \| (✅|❌) \|$/gm)].map((m) => ({
    stage: m[1]!,
    seconds: Number(m[2]),
    ok: m[3] === '✅',
  }));
}

/** A step's log lines with the time each arrived (ms since the step's process was spawned). */
export class TimedLog {
  private readonly lines: Array<{ at: number; line: string }> = [];
  private partial = '';

  constructor(private readonly started: number) {}

  /** Takes the next piece of stdout as it arrives. */
  add(text: string): void {
    const at = performance.now() - this.started;
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) this.lines.push({ at, line });
  }

  /** When the first line arrived: the process is up, its code loaded, its inputs read. */
  firstLine(): number {
    return this.lines[0]?.at ?? Number.NaN;
  }

  /**
   * Each log group (`::group::NAME` to `::endgroup::`) with its duration in ms, by the arrival of its lines: the
   * stopwatch's stages (each runs inside a group of its name) at ms resolution, within the pipe's latency.
   */
  groups(): Array<{ name: string; ms: number; start: number; end: number }> {
    const found: Array<{ name: string; ms: number; start: number; end: number }> = [];
    let open: { name: string; start: number } | undefined;
    for (const { at, line } of this.lines) {
      if (line.startsWith('::group::')) open = { name: line.slice('::group::'.length), start: at };
      else if (line === '::endgroup::' && open) {
        found.push({ name: open.name, ms: at - open.start, start: open.start, end: at });
        open = undefined;
      }
    }
    return found;
  }
}

/**
 * Counts the requests in a Distribution registry's access log as it streams by (one line per request), and among
 * them the pings (`GET /v2/`: the challenge and credential round trips); and, from its "response completed" lines,
 * the client ports the requests came from (one per connection).
 */
export class AccessLogCounter {
  private partial = '';
  count = 0;
  pings = 0;
  /** the client ports the registry saw requests from: one per connection */
  readonly ports = new Set<string>();

  /** Takes the next piece of the registry's log. */
  add(text: string): void {
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) {
      const port = /msg="response completed".* http\.request\.remoteaddr="[^"]*:(\d+)"/.exec(line)?.[1];
      if (port) this.ports.add(port);
      const m = /^\S+ - \S+ \[[^\]]+\] "([A-Z]+) (\S+) HTTP\/[\d.]+"/.exec(line);
      if (!m) continue;
      this.count++;
      if (m[1] === 'GET' && m[2] === '/v2/') this.pings++;
    }
  }
}

/** CPU time (user + system, ms, at the kernel's 10 ms tick) a running process has used so far. */
export function cpuMs(pid: number): number {
  // /proc/<pid>/stat: fields after the command's closing parenthesis; utime and stime are the 12th and 13th of them.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** The machine's load: cores and the 1/5/15-minute load averages. */
export function machineLoad(): string {
  const [one, five, fifteen] = readFileSync('/proc/loadavg', 'utf8').split(' ');
  return `load ${one} / ${five} / ${fifteen} (1/5/15 min)`;
}
