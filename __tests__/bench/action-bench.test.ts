// The whole-action benchmark's parts, so that `npm run bench:action` cannot rot unnoticed: the recorded build and
// its REPLAYING werf (bench/recorded-build.ts) against a real Distribution registry (TLS with a per-run CA, basic
// auth), the committed bundle run with it through the runner emulation, the curl floor, and the measuring helpers
// (bench/measure.ts). No timing is asserted.
import * as fs from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { makeTempDir, removeTempDir, runTool, startRegistry, stopAll, type Registry } from '../support/rig/index.js';
import { TestJobs } from '../support/scenario.js';
import {
  AccessLogCounter,
  TimedLog,
  measureProcess,
  median,
  summaryStages,
  watchPeakMemory,
} from '../../bench/measure.js';
import {
  REPLAYED_WERF_VERSION,
  benchInputs,
  curlConfig,
  floorRequests,
  recordBuild,
  type RecordedBuild,
} from '../../bench/recorded-build.js';
import { parseBuildReport } from '../../src/werf/report.js';

let reg: Registry;
let work: string;
let build: RecordedBuild;
const registryLog = new AccessLogCounter();
const jobs = new TestJobs();

beforeAll(async () => {
  reg = await startRegistry({ tls: true, auth: 'basic', onLog: (text) => registryLog.add(text) });
  work = await makeTempDir('bench-test');
  build = await recordBuild(reg, work, { images: 3 });
});

afterAll(async () => {
  jobs.cleanup();
  await removeTempDir(work);
  await stopAll();
});

const werf = (args: string[], input?: string) => runTool(build.werf, args, { input });

describe('the recorded build and its replaying werf', () => {
  test('the report is werf JSON naming the pushed images; build writes it to --build-report-path', async () => {
    const report = parseBuildReport(build.report);
    expect(report.backend).toBe('docker');
    expect(report.images.map((i) => [i.name, i.repo, i.tag, i.digest, i.final, i.platforms])).toEqual(
      build.images.map((i) => [i.name, build.finalRepo, i.tag, i.digest, true, ['linux/amd64']]),
    );
    expect(build.images[0]?.tag).toMatch(/^[0-9a-f]{56}-\d{13}$/);
    expect(build.report).toMatch(/"CreatedAt": \d{19},/); // nanoseconds as digits, like Go

    const path = join(work, 'report.json');
    const args = ['build', '--repo', build.stagesRepo, '--final-repo', build.finalRepo];
    const r = await werf([...args, '--save-build-report', '--build-report-path', path]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.stdout).toContain(`name: ${build.finalRepo}:${build.images[2]?.tag}`);
    expect(fs.readFileSync(path, 'utf8')).toBe(build.report);
    expect((await werf([...args, '--build-report-path', join(work, 'r.env')])).code).toBe(1);
  });

  test('version, cr login (stdin password stored in the docker config), cr logout, and werf errors', async () => {
    expect((await werf(['version'])).stdout).toBe(`v${REPLAYED_WERF_VERSION}\n`);
    const dockerConfig = join(work, 'docker-config');
    const login = ['cr', 'login', '--username', reg.username, '--password-stdin', '--docker-config', dockerConfig];
    const r = await werf([...login, reg.host], reg.password);
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: 'Successful login\n' });
    const auth = Buffer.from(`${reg.username}:${reg.password}`).toString('base64');
    const config = join(dockerConfig, 'config.json');
    expect(JSON.parse(fs.readFileSync(config, 'utf8'))).toEqual({ auths: { [reg.host]: { auth } } });
    expect(fs.statSync(config).mode & 0o777).toBe(0o600);
    expect((await werf(['cr', 'logout', '--docker-config', dockerConfig, reg.host])).code).toBe(0);
    expect(JSON.parse(fs.readFileSync(config, 'utf8'))).toEqual({ auths: {} });

    expect((await werf(['cr', 'login', '--password-stdin', reg.host], 'x')).stderr).toBe('Error: provide --username\n');
    expect((await werf(['cr', 'login', '-u', 'u', reg.host])).stderr).toBe(
      'Error: provide --password or --password-stdin\n',
    );
    expect((await werf(['cr', 'login', '--skip-tls-verify-registry'])).stderr).toBe(
      'Error: unknown flag: --skip-tls-verify-registry\n',
    );
    expect((await werf(['dismiss'])).code).toBe(1);
  });

  test('the committed bundle, run with it through the runner emulation, verifies the recorded images', async () => {
    const s = jobs.scenario(build.images.map((i) => i.name));
    let log: TimedLog | undefined;
    let memory: { stop(): number } | undefined;
    let peakMiB = 0;
    const before = registryLog.count;
    const job = await jobs.run(s, benchInputs(build, reg), {
      onStepStarted: (step, pid) => {
        if (step === 'main') {
          log = new TimedLog(performance.now());
          memory = watchPeakMemory(pid);
        } else peakMiB = memory!.stop();
      },
      onStdout: (step, text) => (step === 'main' ? log!.add(text) : undefined),
    });
    expect({ main: job.main.exitCode, post: job.post?.exitCode, verified: job.outputs.verified }).toEqual({
      main: 0,
      post: 0,
      verified: 'true',
    });
    const images = JSON.parse(job.outputs.images ?? '{}') as Record<string, { digest: string }>;
    expect(Object.fromEntries(Object.entries(images).map(([k, v]) => [k, v.digest]))).toEqual(
      Object.fromEntries(build.images.map((i) => [i.name, i.digest])),
    );
    // What the benchmark reads: the stopwatch's stages from the summary, the same stages as log groups, the times.
    const stages = summaryStages(job.summary).map((st) => st.stage);
    expect(stages).toEqual([
      'install werf',
      'registry trust',
      'docker daemon',
      'login',
      'werf build',
      'verify manifests',
      'node pull check',
    ]);
    expect(log!.groups().map((g) => g.name)).toEqual(stages);
    expect(log!.firstLine()).toBeGreaterThan(0);
    expect(job.main.wallMs).toBeGreaterThan(log!.groups().at(-1)!.end);
    expect(job.post!.wallMs).toBeGreaterThan(0);
    expect(peakMiB).toBeGreaterThan(20);
    // The action sent exactly the floor's requests (the registry's access log counts them): one GET /v2/ with the
    // credentials serves the credential check and the verification. Nothing on stderr (no Node warning either).
    expect(registryLog.count - before).toBe(floorRequests(build).length);
    expect(job.main.stderr + (job.post?.stderr ?? '')).toBe('');
  });

  test('the floor: curl --parallel over the fewest requests gets 200 for each, over HTTP/2', async () => {
    const requests = floorRequests(build);
    // 1 ping + per image a manifest and a config + the shared base layer once + 2 own layers per image.
    expect(requests).toHaveLength(1 + 3 + 3 + 1 + 3 * 2);
    const file = join(work, 'floor.curl');
    const creds = { url: reg.url, caFile: reg.ca!.certPath, user: reg.username, password: reg.password };
    fs.writeFileSync(file, curlConfig(requests, creds), { mode: 0o600 });
    const run = await measureProcess('curl', ['--parallel', '-K', file]);
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n').filter(Boolean)).toEqual(requests.map(() => '200 2'));
    expect(run.wallMs).toBeGreaterThan(0);
  });
});

describe('measuring helpers', () => {
  test('median, summary stages, log groups and the access-log counter read what they are given', async () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(summaryStages('### Stages\n\n| stage | time | |\n|---|---|---|\n| login | 1.5 s | ❌ |\n')).toEqual([
      { stage: 'login', seconds: 1.5, ok: false },
    ]);
    const log = new TimedLog(performance.now());
    log.add('::group::a\nx\n::endg');
    log.add('roup::\n');
    expect(log.groups().map((g) => g.name)).toEqual(['a']);
    const counter = new AccessLogCounter();
    counter.add('time="x" level=info msg="response completed"\n127.0.0.1 - - [30/Nov/2026:06:02:39 +0000] "HEAD /v2/');
    counter.add('a/blobs/sha256:00 HTTP/2.0" 200 0 "" ""\n');
    counter.add('127.0.0.1 - - [30/Nov/2026:06:02:39 +0000] "GET /v2/ HTTP/1.1" 401 87 "" ""\n');
    expect([counter.count, counter.pings]).toEqual([2, 1]);
    const completed = (port: number) =>
      `time="x" level=info msg="response completed" http.request.method=GET http.request.remoteaddr="127.0.0.1:${port}" http.request.uri=/v2/\n`;
    counter.add(completed(40001) + completed(40001) + completed(40002));
    expect([...counter.ports].sort()).toEqual(['40001', '40002']);
    const node = await measureProcess(process.execPath, ['-e', 'process.exit(3)']);
    expect(node.code).toBe(3);
    expect(node.peakMiB).toBeGreaterThan(10);
  });
});
