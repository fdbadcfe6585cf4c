// A job on this machine as the action meets it on a runner: a workspace with a werf.yaml, the werf test double as
// werf-path, the system trust directories (Docker's and containers' certs.d) redirected into a temp dir, no Docker
// daemon (DOCKER_HOST names a socket that is not there; tests with the rig's dockerd set their own), and the double's
// argv log. Used by the end-to-end tests and by `npm run demo`.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot, runAction, runMain, type JobAfterMain, type JobResult, type RunOptions } from './runner.js';

export const WERF_DOUBLE = path.join(repoRoot, '__tests__/support/werf-double/werf');

export interface Scenario {
  dir: string;
  workspace: string;
  /** Docker's certs.d as the daemon (and so the double) reads it */
  dockerCertsDir: string;
  containersCertsDir: string;
  argvLog: string;
  /** the environment the job runs with (trust dirs, the double's knobs) */
  env: Record<string, string>;
  /** every werf invocation the double saw, oldest first */
  werfCalls(): Array<{ argv: string[]; env: Record<string, string>; inputs: string[] }>;
  run(inputs: Record<string, string>, opts?: RunOptions): Promise<JobResult>;
  /** only the main step; the job's post() runs later (jobs on one runner interleave) */
  runMain(inputs: Record<string, string>, opts?: RunOptions): Promise<JobAfterMain>;
  remove(): void;
}

/** The machine-wide places a job changes, as several jobs on one runner share them. */
export interface SystemDirs {
  dockerCertsDir: string;
  containersCertsDir: string;
}

/**
 * Makes a fresh scenario: a workspace whose werf.yaml names `images`, and redirected system directories: its own, or
 * `system` to share them with other scenarios (several jobs on one runner; the caller removes them).
 */
export function makeScenario(images: string[] = ['app'], system?: SystemDirs): Scenario {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scenario-'));
  const workspace = path.join(dir, 'workspace');
  fs.mkdirSync(workspace);
  fs.writeFileSync(
    path.join(workspace, 'werf.yaml'),
    [
      'project: shop',
      'configVersion: 1',
      ...images.flatMap((name) => ['---', `image: ${name}`, 'from: alpine:3.20']),
    ].join('\n') + '\n',
  );
  const dockerCertsDir = system?.dockerCertsDir ?? path.join(dir, 'etc-docker-certs.d');
  const containersCertsDir = system?.containersCertsDir ?? path.join(dir, 'etc-containers-certs.d');
  const argvLog = path.join(dir, 'werf-argv.jsonl');
  const env = {
    WERF_SHIP_DOCKER_CERTS_DIR: dockerCertsDir,
    WERF_SHIP_CONTAINERS_CERTS_DIR: containersCertsDir,
    WERF_DOUBLE_DOCKER_CERTS_DIR: dockerCertsDir,
    WERF_DOUBLE_DAEMON_JSON: path.join(dir, 'daemon.json'),
    WERF_DOUBLE_ARGV_LOG: argvLog,
    // The runner user's own docker config: the action must never write it.
    HOME: path.join(dir, 'home'),
    // No Docker daemon unless a test brings one (the rig's dockerd): never a daemon that happens to run here.
    DOCKER_HOST: `unix://${path.join(dir, 'no-docker-daemon.sock')}`,
  };
  fs.mkdirSync(env.HOME);
  return {
    dir,
    workspace,
    dockerCertsDir,
    containersCertsDir,
    argvLog,
    env,
    werfCalls: () =>
      fs.existsSync(argvLog)
        ? fs
            .readFileSync(argvLog, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((line) => JSON.parse(line) as { argv: string[]; env: Record<string, string>; inputs: string[] })
        : [],
    run: (inputs, opts = {}) =>
      runAction({ 'werf-path': WERF_DOUBLE, ...inputs }, { ...opts, workspace, env: { ...env, ...opts.env } }),
    runMain: (inputs, opts = {}) =>
      runMain({ 'werf-path': WERF_DOUBLE, ...inputs }, { ...opts, workspace, env: { ...env, ...opts.env } }),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** Every file below a directory (relative paths), for "nothing was left behind" checks. */
export function filesBelow(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => !e.isDirectory())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

/** One test file's scenarios and jobs, removed together in its afterAll. */
export class TestJobs {
  private readonly scenarios: Scenario[] = [];
  private readonly jobs: JobResult[] = [];

  /** A fresh scenario (see makeScenario), removed by cleanup(). */
  scenario(images?: string[], system?: SystemDirs): Scenario {
    const s = makeScenario(images, system);
    this.scenarios.push(s);
    return s;
  }

  /** Keeps a job's temp dirs until cleanup(), so that a test can still look at them after its assertions. */
  track(job: JobResult): JobResult {
    this.jobs.push(job);
    return job;
  }

  /** Runs the bundled action in a scenario and tracks the job. */
  async run(s: Scenario, inputs: Record<string, string>, opts?: RunOptions): Promise<JobResult> {
    return this.track(await s.run(inputs, opts));
  }

  /** Runs the main step only; the post step runs (and the job is tracked) when the returned post() is called. */
  async runMain(s: Scenario, inputs: Record<string, string>, opts?: RunOptions): Promise<JobAfterMain> {
    const job = await s.runMain(inputs, opts);
    const after = this.track(job.withoutPost());
    return { ...job, withoutPost: () => after, post: async () => this.track(await job.post()) };
  }

  cleanup(): void {
    for (const job of this.jobs) job.cleanup();
    for (const s of this.scenarios) s.remove();
  }
}

/**
 * A build job against the plain-HTTP registry at `host` (e.g. a fault proxy in front of the rig's registry): stages to
 * `host/REPO/stages`, final images to `host/REPO/app`, no pull check. The double's emulated Docker daemon lists `host`
 * in its insecure-registries, as a configured daemon would. `extra` inputs win.
 */
export function plainHttpBuild(
  tests: TestJobs,
  s: Scenario,
  host: string,
  repo: string,
  extra: Record<string, string> = {},
): Promise<JobResult> {
  fs.writeFileSync(s.env.WERF_DOUBLE_DAEMON_JSON as string, JSON.stringify({ 'insecure-registries': [host] }));
  return tests.run(s, {
    repo: `${host}/${repo}/stages`,
    'final-repo': `${host}/${repo}/app`,
    'insecure-registry': 'true',
    command: 'build',
    'verify-pull': 'off',
    'node-trust': 'skip-verify',
    ...extra,
  });
}

/** The one line core.setFailed printed (an error annotation without a title), or undefined. */
export function failureLine(job: JobResult): string | undefined {
  return job.main.annotations.find((a) => a.level === 'error' && !a.properties.title)?.message;
}

/** Files the action left in RUNNER_TEMP after the post step (the runner's own command files aside). */
export function leftInRunnerTemp(job: JobResult): string[] {
  return filesBelow(job.runnerTemp).filter((f) => !f.startsWith('_runner_file_commands'));
}
