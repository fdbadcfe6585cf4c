/**
 * Whole-action benchmark (a script, not a test; see bench/README.md): the committed bundle run as the runner runs it
 * (runner emulation, Node 24, main then post) with a replaying werf (bench/recorded-build.ts: reports a recorded build
 * of N images that were pushed once before any timing, pushes nothing), on a rig registry with TLS (per-run CA) and
 * htpasswd basic auth, `verify-pull: off`, `verify-manifests: true`. Measured in the same run, in turns:
 *   - the action: main step (spawn to exit), each stage (the stopwatch's summary table; the log groups' times), post,
 *     peak memory of the main step's process;
 *   - the floor: `curl --parallel` over the fewest requests that do what the action does (derived and printed);
 *   - `node -e 0`, and `node dist/index.js` without inputs up to its first input error (time and peak memory);
 *   - the replaying werf's own cost (its four calls).
 * Run: `npm run bench:action` (`-- --rounds N`, default 7; `-- --images N`, default 50).
 */
import { writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { makeTempDir, removeTempDir, startRegistry, stopAll } from '../__tests__/support/rig/index.js';
import { repoRoot, type JobResult } from '../__tests__/support/runner.js';
import { makeScenario, type Scenario } from '../__tests__/support/scenario.js';
import {
  AccessLogCounter,
  TimedLog,
  cpuMs,
  machineLoad,
  measureProcess,
  median,
  summaryStages,
  watchPeakMemory,
  type MeasuredRun,
} from './measure.js';
import { benchInputs, curlConfig, floorRequests, recordBuild } from './recorded-build.js';

const option = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  const value = at < 0 ? fallback : Number(process.argv[at + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} takes a positive whole number`);
  return value;
};
const ROUNDS = option('rounds', 7);
const IMAGES = option('images', 50);
// curl's own default (50 transfers at once, multiplexed over one HTTP/2 connection): the floor is what curl does
// at its best, not at the action's concurrency.
const CURL_PARALLEL = 50;
const BUNDLE = join(repoRoot, 'dist/index.js');

const TARGETS = {
  mainOverFloor: 1.5,
  firstErrorMs: 120,
  firstErrorOverNode: 2,
  mainPeakMiB: 80,
  postMs: 150,
  // The times above were set on a machine where `node -e 0` took this long (issue 12); on a busier machine they
  // stretch with this run's bare Node (120 ms is 1.71x bare Node, 150 ms 2.14x).
  bareNodeMs: 70,
};

/** The environment of a process started by hand: this one's, without anything a runner sets per step. */
function bareEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(INPUT_|STATE_|GITHUB_|RUNNER_|ACTIONS_)/.test(k)),
  );
}

interface ActionRound {
  job: JobResult;
  mainMs: number;
  postMs: number;
  mainPeakMiB: number;
  postPeakMiB: number;
  /** ms from spawn to the main step's first log line */
  firstLineMs: number;
  /** ms from the main step's last log group's end to its exit */
  afterLastGroupMs: number;
  groups: Map<string, number>;
  requests: number;
  pings: number;
  /** connections the requests came over (client ports in the registry's log) */
  connections: number;
  /** CPU the registry spent on the job */
  registryCpuMs: number;
}

async function main() {
  const log = new AccessLogCounter();
  const reg = await startRegistry({ tls: true, auth: 'basic', onLog: (text) => log.add(text) });
  const work = await makeTempDir('bench-action');
  const loadBefore = machineLoad();
  let scenario: Scenario | undefined;
  try {
    const build = await recordBuild(reg, work, { images: IMAGES });
    const floor = floorRequests(build);
    const curlFile = join(work, 'floor.curl');
    await writeFile(
      curlFile,
      curlConfig(floor, { url: reg.url, caFile: reg.ca!.certPath, user: reg.username, password: reg.password }),
      { mode: 0o600 },
    );
    const jobScenario = makeScenario(build.images.map((i) => i.name));
    scenario = jobScenario;
    const inputs = benchInputs(build, reg);

    const runAction = async (): Promise<ActionRound> => {
      let mainLog: TimedLog | undefined;
      const memory: Partial<Record<string, { stop(): number }>> = {};
      let mainPeakMiB = 0;
      const [requestsBefore, pingsBefore, cpuBefore] = [log.count, log.pings, cpuMs(reg.pid)];
      const portsBefore = new Set(log.ports);
      const job = await jobScenario.run(inputs, {
        onStepStarted: (step, pid) => {
          if (step === 'main') mainLog = new TimedLog(performance.now());
          else mainPeakMiB = memory.main!.stop();
          memory[step] = watchPeakMemory(pid);
        },
        onStdout: (step, text) => {
          if (step === 'main') mainLog!.add(text);
        },
      });
      const postPeakMiB = memory.post?.stop() ?? 0;
      if (job.main.exitCode !== 0 || job.outputs.verified !== 'true' || job.post?.exitCode !== 0) {
        throw new Error(
          `the action failed (main ${job.main.exitCode}, verified ${job.outputs.verified}, post ${job.post?.exitCode}):\n${job.main.stdout}\n${job.main.stderr}`,
        );
      }
      const shipped = JSON.parse(job.outputs.images ?? '{}') as Record<string, { digest: string }>;
      const wrong = build.images.filter((i) => shipped[i.name]?.digest !== i.digest);
      if (wrong.length > 0) throw new Error(`the images output misses or misstates ${wrong.map((i) => i.name)}`);
      const groups = mainLog!.groups();
      const round = {
        job,
        mainMs: job.main.wallMs,
        postMs: job.post.wallMs,
        mainPeakMiB,
        postPeakMiB,
        firstLineMs: mainLog!.firstLine(),
        afterLastGroupMs: job.main.wallMs - (groups.at(-1)?.end ?? Number.NaN),
        groups: new Map(groups.map((g) => [g.name, g.ms])),
        requests: log.count - requestsBefore,
        pings: log.pings - pingsBefore,
        connections: [...log.ports].filter((p) => !portsBefore.has(p)).length,
        registryCpuMs: cpuMs(reg.pid) - cpuBefore,
      };
      job.cleanup();
      return round;
    };

    const runFloor = async (): Promise<MeasuredRun & { registryCpuMs: number }> => {
      const cpuBefore = cpuMs(reg.pid);
      const run = await measureProcess('curl', ['--parallel', '--parallel-max', String(CURL_PARALLEL), '-K', curlFile]);
      const answers = run.stdout.split('\n').filter(Boolean);
      const ok = answers.filter((a) => a.startsWith('200 ')).length;
      if (run.code !== 0 || ok !== floor.length) {
        throw new Error(`curl: exit ${run.code}, ${ok} of ${floor.length} answered 200: ${run.stderr}`);
      }
      return { ...run, registryCpuMs: cpuMs(reg.pid) - cpuBefore };
    };
    const bareNode = () => measureProcess(process.execPath, ['-e', '0'], { env: bareEnv() });
    const firstError = async () => {
      const run = await measureProcess(process.execPath, [BUNDLE], { env: bareEnv(), cwd: work });
      if (run.code !== 1 || !/^::error::Input "repo" is required/m.test(run.stdout)) {
        throw new Error(`node dist/index.js without inputs did not stop at its first input error:\n${run.stdout}`);
      }
      return run;
    };
    // The replaying werf's own cost: the four calls the action makes (three in main, one in post).
    const dockerConfig = join(work, 'docker-config');
    const reportPath = join(work, 'report.json');
    const replayCalls: Array<[string[], string?]> = [
      [['version']],
      [
        ['cr', 'login', '--username', reg.username, '--password-stdin', '--docker-config', dockerConfig, reg.host],
        reg.password,
      ],
      [
        [
          'build',
          '--repo',
          build.stagesRepo,
          '--final-repo',
          build.finalRepo,
          '--save-build-report',
          '--build-report-path',
          reportPath,
        ],
      ],
      [['cr', 'logout', '--docker-config', dockerConfig, reg.host]],
    ];
    const replayWerf = async () => {
      let ms = 0;
      for (const [args, input] of replayCalls) {
        const run = await measureProcess(build.werf, args, { input });
        if (run.code !== 0) throw new Error(`replaying werf ${args.slice(0, 2).join(' ')}: ${run.stderr}`);
        ms += run.wallMs;
      }
      return ms;
    };

    // Warm-up: each part once (checked, not counted): the page cache holds the bundle, the registry its blobs.
    const warm = await runAction();
    const warmFloor = await runFloor();
    await Promise.all([bareNode(), firstError(), replayWerf()]);

    const rounds: Array<{
      action: ActionRound;
      floor: MeasuredRun & { registryCpuMs: number };
      node: MeasuredRun;
      first: MeasuredRun;
      werf: number;
    }> = [];
    for (let i = 0; i < ROUNDS; i++) {
      // In turns, so that a busier moment of the machine weighs on all of them alike.
      const action = await runAction();
      const floorRun = await runFloor();
      const node = await bareNode();
      const first = await firstError();
      const werf = await replayWerf();
      rounds.push({ action, floor: floorRun, node, first, werf });
    }
    const loadAfter = machineLoad();

    const med = (f: (r: (typeof rounds)[number]) => number) => median(rounds.map(f));
    const all = (f: (r: (typeof rounds)[number]) => number, digits = 0) =>
      `[${rounds.map((r) => f(r).toFixed(digits)).join(', ')}]`;
    const ms = (v: number) => `${v.toFixed(0)} ms`;
    const mib = (v: number) => `${v.toFixed(1)} MiB`;
    const line = (k: string, v: string) => console.log(`${k.padEnd(44)} ${v}`);
    const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');

    const mainMs = med((r) => r.action.mainMs);
    const postMs = med((r) => r.action.postMs);
    const floorMs = med((r) => r.floor.wallMs);
    const nodeMs = med((r) => r.node.wallMs);
    const firstMs = med((r) => r.first.wallMs);
    const mainPeak = med((r) => r.action.mainPeakMiB);
    const versions = [
      ...new Set(
        warmFloor.stdout
          .split('\n')
          .filter(Boolean)
          .map((a) => a.split(' ')[1]),
      ),
    ];
    const layers = floor.filter((r) => r.method === 'HEAD').length;

    line('machine', `${cpus().length} cores; before: ${loadBefore}; after: ${loadAfter}`);
    line('node', `${process.version} (this process's own, as npm runs it; the action's steps run on it too)`);
    line(
      'build',
      `${IMAGES} images (Docker schema2: config + ${build.images[0]!.layers.length} layers, one shared), TLS + basic auth, ${ROUNDS} rounds`,
    );
    line(
      'requests: floor (the minimum)',
      `${floor.length} = 1 GET /v2/ + ${IMAGES} manifest GETs + ${IMAGES} config GETs + ${layers} layer HEADs`,
    );
    line(
      'requests: the action sent (registry log)',
      `${warm.requests}, of which ${warm.pings} GET /v2/, over ${warm.connections} connection(s) (main + post, warm-up run)`,
    );
    console.log('');
    line(`main step, spawn to exit (median)`, `${ms(mainMs)}  ${all((r) => r.action.mainMs)}`);
    line('  spawn to first log line', `${ms(med((r) => r.action.firstLineMs))}  ${all((r) => r.action.firstLineMs)}`);
    const stageNames = summaryStages(warm.job.summary).map((s) => s.stage);
    const stopwatch = rounds.map((r) => new Map(summaryStages(r.action.job.summary).map((s) => [s.stage, s.seconds])));
    for (const stage of stageNames) {
      const fromLog = med((r) => r.action.groups.get(stage) ?? Number.NaN);
      const fromSummary = median(stopwatch.map((s) => s.get(stage) ?? Number.NaN));
      line(`  stage: ${stage}`, `${ms(fromLog)} (log)  ${fromSummary.toFixed(1)} s (summary)`);
    }
    line('  last stage to exit (summary, exit)', ms(med((r) => r.action.afterLastGroupMs)));
    line('post step, spawn to exit (median)', `${ms(postMs)}  ${all((r) => r.action.postMs)}`);
    line('peak memory, main step (median)', `${mib(mainPeak)}  ${all((r) => r.action.mainPeakMiB, 1)}`);
    line('peak memory, post step (median)', mib(med((r) => r.action.postPeakMiB)));
    line('registry CPU during the job (median)', ms(med((r) => r.action.registryCpuMs)));
    console.log('');
    line(
      `floor: curl --parallel-max ${CURL_PARALLEL} (median)`,
      `${ms(floorMs)}  ${all((r) => r.floor.wallMs)}  (HTTP ${versions.join(', ')}, ${mib(med((r) => r.floor.peakMiB))})`,
    );
    line('  registry CPU during the floor (median)', ms(med((r) => r.floor.registryCpuMs)));
    line('node -e 0 (median)', `${ms(nodeMs)}  ${all((r) => r.node.wallMs)}  (${mib(med((r) => r.node.peakMiB))})`);
    line(
      'node dist/index.js to its first error',
      `${ms(firstMs)}  ${all((r) => r.first.wallMs)}  (${mib(med((r) => r.first.peakMiB))})`,
    );
    line(
      'replaying werf: its 4 calls (median)',
      `${ms(med((r) => r.werf))}  ${all((r) => r.werf)}  (a node script: >= 4 x node -e 0 = ${ms(4 * nodeMs)})`,
    );
    console.log('');
    const ratio = (label: string, value: string, ok: boolean) => line(label, `${value}  ${verdict(ok)}`);
    ratio(
      `main / floor (target <= ${TARGETS.mainOverFloor})`,
      `${(mainMs / floorMs).toFixed(2)}x`,
      mainMs / floorMs <= TARGETS.mainOverFloor,
    );
    // A time target was set where `node -e 0` took TARGETS.bareNodeMs; where this run's Node is slower (a busy machine),
    // the target stretches with it: the ratio to bare Node is what is judged then.
    const stretch = Math.max(1, nodeMs / TARGETS.bareNodeMs);
    const timeTarget = (label: string, targetMs: number, valueMs: number) =>
      ratio(
        `${label} (target <= ${targetMs} ms${stretch > 1 ? `; ${ms(targetMs * stretch)} here` : ''})`,
        ms(valueMs),
        valueMs <= targetMs * stretch,
      );
    timeTarget('first error', TARGETS.firstErrorMs, firstMs);
    ratio(
      `first error / node -e 0 (target <= ${TARGETS.firstErrorOverNode})`,
      `${(firstMs / nodeMs).toFixed(2)}x`,
      firstMs / nodeMs <= TARGETS.firstErrorOverNode,
    );
    ratio(`peak memory, main (target <= ${TARGETS.mainPeakMiB} MiB)`, mib(mainPeak), mainPeak <= TARGETS.mainPeakMiB);
    timeTarget('post', TARGETS.postMs, postMs);
    if (ROUNDS < 5) console.log(`(only ${ROUNDS} round(s): medians of fewer than 5 are not a measurement)`);
  } finally {
    scenario?.remove();
    await removeTempDir(work);
    await stopAll();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
