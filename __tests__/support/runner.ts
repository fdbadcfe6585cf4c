// Runner emulation: runs the bundled action the way the GitHub runner does (mock GitHub: no runner service here).
// Inputs as INPUT_<NAME> (upper case, hyphens kept) with action.yml defaults, the GITHUB_* command files, RUNNER_TEMP
// and RUNNER_TOOL_CACHE, the main step and then the post step with the state main saved.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface Annotation {
  level: 'error' | 'warning' | 'notice';
  message: string;
  properties: Record<string, string>;
}

/** What one step (main or post) left: exactly what the runner would read. */
export interface StepResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  state: Record<string, string>;
  exportedEnv: Record<string, string>;
  addedPath: string[];
  summary: string;
  masks: string[];
  annotations: Annotation[];
  /** wall time from spawning the step's process to its exit, in ms (for the benchmark) */
  wallMs: number;
  /** every workflow command the runner would have run, from stdout and stderr */
  commands: WorkflowCommand[];
}

export interface JobResult {
  main: StepResult;
  post?: StepResult;
  /** main's outputs */
  outputs: Record<string, string>;
  /** main's and post's summary */
  summary: string;
  masks: string[];
  annotations: Annotation[];
  /** the job's RUNNER_TEMP, still there until cleanup() (the runner deletes it at the job's end) */
  runnerTemp: string;
  toolCache: string;
  /** every text the job produced: stdout, stderr, command files, state (for secret scans) */
  everything(): string;
  cleanup(): void;
}

export interface RunOptions {
  /** extra environment for both steps (e.g. WERF_DOUBLE_* knobs) */
  env?: Record<string, string>;
  /** the workspace (cwd of the steps); default a fresh temp dir */
  workspace?: string;
  /** run the post step too (default true) */
  post?: boolean;
  bundle?: string;
  toolCache?: string;
  timeoutMs?: number;
  /** called with the main step's process once it started (e.g. to send it a signal) */
  onMainStarted?: (pid: number) => void;
  /** called with each step's process once it started (e.g. to watch its memory) */
  onStepStarted?: (step: string, pid: number) => void;
  /** called with each piece of a step's stdout as it arrives (e.g. to time the log's lines) */
  onStdout?: (step: string, text: string) => void;
  /** called after the main step, before the post step (to look at what main left on the machine) */
  afterMain?: (main: StepResult) => Promise<void> | void;
}

interface ActionInput {
  default?: string;
}

/** The defaults action.yml declares, as the runner applies them to inputs a workflow does not set. */
export function actionDefaults(): Record<string, string> {
  const action = yaml.load(fs.readFileSync(path.join(repoRoot, 'action.yml'), 'utf8')) as {
    inputs: Record<string, ActionInput>;
  };
  return Object.fromEntries(Object.entries(action.inputs).map(([name, spec]) => [name, spec.default ?? '']));
}

/** A job whose main step ran and whose post step is still to come: several jobs on one runner interleave so. */
export interface JobAfterMain {
  main: StepResult;
  runnerTemp: string;
  /** runs the post step with the state main saved, as the runner does at the job's end */
  post(): Promise<JobResult>;
  /** the job as it is, without a post step */
  withoutPost(): JobResult;
}

/** Runs main (and post) of the bundled action with the given inputs, like a workflow step `uses: ./`. */
export async function runAction(inputs: Record<string, string>, opts: RunOptions = {}): Promise<JobResult> {
  const job = await runMain(inputs, opts);
  return opts.post === false ? job.withoutPost() : job.post();
}

/** Runs only the main step of the bundled action; the post step runs when the returned job's post() is called. */
export async function runMain(inputs: Record<string, string>, opts: RunOptions = {}): Promise<JobAfterMain> {
  const runnerTemp = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-temp-'));
  const toolCache = opts.toolCache ?? fs.mkdtempSync(path.join(os.tmpdir(), 'runner-tool-cache-'));
  const workspace = opts.workspace ?? fs.mkdtempSync(path.join(os.tmpdir(), 'runner-workspace-'));
  const bundle = opts.bundle ?? path.join(repoRoot, 'dist/index.js');
  const withDefaults = { ...actionDefaults(), ...inputs };
  const inputEnv = Object.fromEntries(Object.entries(withDefaults).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v]));
  const base: Record<string, string> = {
    ...cleanEnv(),
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: workspace,
    GITHUB_RUN_ID: '4242',
    GITHUB_JOB: 'ship',
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    RUNNER_TEMP: runnerTemp,
    RUNNER_TOOL_CACHE: toolCache,
    ...opts.env,
  };

  const node = () => [process.execPath, bundle];
  const main = await runStep('main', node, { ...base, ...inputEnv }, workspace, runnerTemp, opts);
  await opts.afterMain?.(main);
  const result = (post: StepResult | undefined): JobResult => {
    const steps = post ? [main, post] : [main];
    return {
      main,
      post,
      outputs: main.outputs,
      summary: steps.map((s) => s.summary).join(''),
      masks: steps.flatMap((s) => s.masks),
      annotations: steps.flatMap((s) => s.annotations),
      runnerTemp,
      toolCache,
      everything: () => steps.map(stepText).join('\n'),
      cleanup: () => {
        for (const dir of [runnerTemp, opts.toolCache ? '' : toolCache, opts.workspace ? '' : workspace]) {
          if (dir) fs.rmSync(dir, { recursive: true, force: true });
        }
      },
    };
  };
  return {
    main,
    runnerTemp,
    withoutPost: () => result(undefined),
    post: async () => {
      const stateEnv = Object.fromEntries(Object.entries(main.state).map(([k, v]) => [`STATE_${k}`, v]));
      const pathEnv = [...main.addedPath, base.PATH ?? ''].join(path.delimiter);
      const env = { ...base, ...main.exportedEnv, ...inputEnv, ...stateEnv, PATH: pathEnv };
      return result(await runStep('post', node, env, workspace, runnerTemp, opts));
    },
  };
}

/**
 * Runs one step's process as the runner does: fresh command files (GITHUB_OUTPUT/ENV/PATH/STATE/STEP_SUMMARY) in a
 * folder of RUNNER_TEMP, then reads back what the step wrote there and the workflow commands on its stdout.
 * `command` gets that folder (a run step's script is written there) and returns the argv.
 */
export async function runStep(
  name: string,
  command: (filesDir: string) => string[],
  env: Record<string, string>,
  cwd: string,
  runnerTemp: string,
  opts: Pick<RunOptions, 'timeoutMs' | 'onMainStarted' | 'onStepStarted' | 'onStdout'>,
): Promise<StepResult> {
  const files = fs.mkdtempSync(path.join(runnerTemp, `_runner_file_commands_${name}_`));
  const file = (n: string) => {
    const p = path.join(files, n);
    fs.writeFileSync(p, '');
    return p;
  };
  const commandFiles = {
    GITHUB_OUTPUT: file('output'),
    GITHUB_ENV: file('env'),
    GITHUB_PATH: file('path'),
    GITHUB_STATE: file('state'),
    GITHUB_STEP_SUMMARY: file('summary'),
  };
  const started = performance.now();
  const [program, ...args] = command(files);
  const child = spawn(program as string, args, {
    cwd,
    env: { ...env, ...commandFiles },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (name === 'main' && child.pid) opts.onMainStarted?.(child.pid);
  if (child.pid) opts.onStepStarted?.(name, child.pid);
  let wallMs = 0;
  child.on('exit', () => (wallMs = performance.now() - started));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    const text = c.toString('utf8');
    stdout += text;
    opts.onStdout?.(name, text);
  });
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('close', (code, sig) => resolve([code, sig])),
  );
  clearTimeout(timer);
  const read = (p: string) => fs.readFileSync(p, 'utf8');
  // The runner reads commands on both streams; the order between them is lost (it reads them apart).
  const commands = [...runnerCommands(stdout), ...runnerCommands(stderr)];
  const named = (c: string) => commands.filter((x) => x.command === c);
  // Legacy set-output/save-state still work; the file commands are read after the step, so they win.
  const fromCommands = (c: string) =>
    Object.fromEntries(named(c).flatMap((x) => (x.properties.name ? [[x.properties.name, x.message]] : [])));
  return {
    exitCode,
    signal,
    stdout,
    stderr,
    outputs: { ...fromCommands('set-output'), ...parseKeyValueFile(read(commandFiles.GITHUB_OUTPUT)) },
    state: { ...fromCommands('save-state'), ...parseKeyValueFile(read(commandFiles.GITHUB_STATE)) },
    exportedEnv: parseKeyValueFile(read(commandFiles.GITHUB_ENV)),
    addedPath: read(commandFiles.GITHUB_PATH).split('\n').filter(Boolean),
    summary: read(commandFiles.GITHUB_STEP_SUMMARY),
    masks: named('add-mask').map((c) => c.message),
    annotations: (['error', 'warning', 'notice'] as const).flatMap((level) =>
      named(level).map(({ message, properties }) => ({ level, message, properties })),
    ),
    wallMs,
    commands,
  };
}

/** Every text one step produced (stdout, stderr, outputs, state, exported env, summary), for secret scans. */
export function stepText(s: StepResult): string {
  return [
    s.stdout,
    s.stderr,
    JSON.stringify(s.outputs),
    JSON.stringify(s.state),
    JSON.stringify(s.exportedEnv),
    s.summary,
  ].join('\n');
}

/** The runner's file-command format: `name=value` lines or `name<<DELIM` heredocs. */
export function parseKeyValueFile(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, key, delim] = heredoc as unknown as [string, string, string];
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delim; i++) value.push(lines[i] ?? '');
      result[key] = value.join('\n');
    } else if (line.includes('=')) {
      const at = line.indexOf('=');
      result[line.slice(0, at)] = line.slice(at + 1);
    }
  }
  return result;
}

/** One workflow command the runner would run, as it reads it. */
export interface WorkflowCommand {
  /** the command's name in lower case (the runner matches names case-insensitively) */
  command: string;
  message: string;
  properties: Record<string, string>;
  /** the line it came from */
  line: string;
}

// The commands the runner registers (actions/runner ActionCommandManager and its extensions).
const RUNNER_COMMANDS = [
  'add-mask',
  'add-matcher',
  'remove-matcher',
  'add-path',
  'debug',
  'echo',
  'endgroup',
  'error',
  'group',
  'notice',
  'save-state',
  'set-env',
  'set-output',
  'stop-commands',
  'warning',
];

/**
 * Every workflow command the runner would run in one stream of a step (it reads stdout and stderr alike), by its
 * rules (actions/runner ActionCommand and ActionCommandManager): lines end at CR, LF or CRLF (StreamReader.ReadLine);
 * `::name props::data` after leading blanks, or the legacy `##[name props]data` ANYWHERE in a line; names in any case;
 * between `::stop-commands::TOKEN` and a line that is the command TOKEN, nothing runs.
 */
export function runnerCommands(text: string): WorkflowCommand[] {
  const found: WorkflowCommand[] = [];
  let stopToken: string | undefined;
  for (const line of text.split(/\r\n|\r|\n/)) {
    const registered = stopToken ? [...RUNNER_COMMANDS, stopToken.toLowerCase()] : RUNNER_COMMANDS;
    const command = parseV2(line, registered) ?? parseLegacy(line, registered);
    if (!command) continue;
    if (stopToken !== undefined) {
      // Only a non-empty token resumes; everything else is shown, not run.
      if (stopToken !== '' && command.command === stopToken.toLowerCase()) stopToken = undefined;
      continue;
    }
    found.push(command);
    if (command.command === 'stop-commands') stopToken = command.message;
  }
  return found;
}

function parseV2(line: string, registered: string[]): WorkflowCommand | undefined {
  const message = line.trimStart();
  if (!message.startsWith('::')) return undefined;
  const end = message.indexOf('::', 2);
  if (end < 0) return undefined;
  const info = message.slice(2, end);
  const space = info.indexOf(' ');
  const name = (space < 0 ? info : info.slice(0, space)).toLowerCase();
  if (!registered.includes(name)) return undefined;
  const properties: Record<string, string> = {};
  if (space > 0) {
    for (const pair of info
      .slice(space + 1)
      .trim()
      .split(',')
      .filter(Boolean)) {
      const at = pair.indexOf('=');
      if (at > 0 && at < pair.length - 1) properties[pair.slice(0, at)] = unescapeProperty(pair.slice(at + 1));
    }
  }
  return { command: name, message: unescapeData(message.slice(end + 2)), properties, line };
}

function parseLegacy(line: string, registered: string[]): WorkflowCommand | undefined {
  const prefix = line.indexOf('##[');
  if (prefix < 0) return undefined;
  const close = line.indexOf(']', prefix);
  if (close < 0) return undefined;
  const info = line.slice(prefix + 3, close);
  const space = info.indexOf(' ');
  const name = (space < 0 ? info : info.slice(0, space)).toLowerCase();
  if (!registered.includes(name)) return undefined;
  const properties: Record<string, string> = {};
  if (space > 0) {
    for (const pair of info
      .slice(space + 1)
      .split(';')
      .filter(Boolean)) {
      const at = pair.indexOf('=');
      if (at > 0 && at < pair.length - 1) properties[pair.slice(0, at)] = unescapeLegacy(pair.slice(at + 1));
    }
  }
  return { command: name, message: unescapeLegacy(line.slice(close + 1)), properties, line };
}

const unescapeData = (s: string) => s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
const unescapeProperty = (s: string) =>
  s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%25/g, '%');
const unescapeLegacy = (s: string) =>
  s.replace(/%3B/g, ';').replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%5D/g, ']').replace(/%25/g, '%');

/** The workflow commands named `command` that the runner would run in a stream (see runnerCommands). */
export function parseCommands(
  stdout: string,
  command: string,
): Array<{ message: string; properties: Record<string, string> }> {
  return runnerCommands(stdout)
    .filter((c) => c.command === command)
    .map(({ message, properties }) => ({ message, properties }));
}

/** The test process's environment without anything a runner would set per step. */
export function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || /^(INPUT_|STATE_|GITHUB_|RUNNER_|ACTIONS_)/.test(k)) continue;
    if (/^(SSL_CERT_FILE|SSL_CERT_DIR|NODE_EXTRA_CA_CERTS|DOCKER_CONFIG|KUBECONFIG|WERF_)/.test(k)) continue;
    env[k] = v;
  }
  return env;
}
