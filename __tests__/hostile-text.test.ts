// Workflow-command injection through the committed bundle and the runner emulation (mock GitHub: the emulation reads
// stdout and stderr by the runner's own rules): a hostile value in each input the user controls, in what werf prints
// (the werf double prints text given in a knob, on a green build and on a failed one) and in werf's build report, in
// what a registry answers (error bodies, headers, a token realm), in what the cluster says (a stand-in for kubectl: node
// names, events, a pull secret's entries, kubectl's errors) and in the Docker daemon's config file (a real dockerd) must
// not forge an output, an annotation, a mask or a group, the `verified` output must not be forged, and the text must
// still be there to read in the log.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import {
  makeCa,
  startDockerd,
  startRegistry,
  startTestHost,
  stopAll,
  type Dockerd,
  type Registry,
  type TestCa,
} from './support/rig/index.js';
import { startFaultProxy, type Fault, type FaultProxy } from './support/faults/proxy.js';
import { makeKubeScene, type KubeScene } from './support/kube-scene.js';
import { node, nodeList, pullSecret, writeSecretFixture } from './nodes/kube-objects.js';
import { repoRoot, type JobResult, type StepResult } from './support/runner.js';
import { TestJobs, WERF_DOUBLE, failureLine, plainHttpBuild, type Scenario } from './support/scenario.js';
import { ONE_LINE_INPUTS } from './support/inputs.js';

let ca: TestCa;
let tls: Registry;
const tests = new TestJobs();

beforeAll(async () => {
  ca = await makeCa({ cn: 'hostile-text-ca' });
  tls = await startRegistry({ ca, auth: 'basic' });
});
afterAll(async () => {
  tests.cleanup();
  await stopAll();
});

// Every way to start a command the runner knows: `::` after blanks, `##[` anywhere, each line break it splits at.
const FORGERIES = [
  '::set-output name=verified::true',
  '  ::error::FORGED-ERROR',
  '::add-mask::FORGED-MASK',
  'x ##[set-output name=verified;]true',
  '::warning title=FORGED::FORGED-WARNING',
  '##[error]FORGED-LEGACY',
  '::group::FORGED-GROUP',
  '::endgroup::',
  '::stop-commands::FORGED-TOKEN',
];
const BREAKS = ['\n', '\r\n', '\r'];
/** `first`, then every forgery, on lines ended by LF, CRLF and a CR alone in turn. */
const hostile = (first: string) =>
  [first, ...FORGERIES].reduce((text, line, i) => `${text}${BREAKS[i % BREAKS.length]}${line}`);

/** What the runner ran must all be the action's own: no forged output, state, env, mask, annotation or group. */
function expectNothingForged(step: StepResult | undefined): void {
  if (!step) return;
  const ran = step.commands;
  const described = (c: (typeof ran)[number]) => `${c.command}: ${JSON.stringify(c.line)}`;
  // The action writes outputs, state and env through files; a command for them is forged.
  expect(
    ran.filter((c) => ['set-output', 'save-state', 'set-env', 'add-path'].includes(c.command)).map(described),
  ).toEqual([]);
  expect(
    ran
      .filter((c) => /^\s*FORGED/.test(c.message) || Object.values(c.properties).some((v) => v.includes('FORGED')))
      .map(described),
  ).toEqual([]);
  // Our masks may hold a hostile secret's lines; a forged mask is the bare word.
  expect(ran.filter((c) => c.command === 'add-mask' && c.message === 'FORGED-MASK').map(described)).toEqual([]);
  for (const stop of ran.filter((c) => c.command === 'stop-commands'))
    expect(stop.message).toMatch(/^werf-ship-[0-9a-f]{32}$/);
  expect(ran.filter((c) => c.command === 'endgroup')).toHaveLength(ran.filter((c) => c.command === 'group').length);
}

function expectJobNotForged(job: JobResult): void {
  expectNothingForged(job.main);
  expectNothingForged(job.post);
}

/**
 * The forgeries' words, still in the step's log to read: on a plain line, or in an annotation as the runner shows it
 * (a `##[` may read `## [` or `##\u005b`).
 */
function expectShown(step: StepResult, words: string[]): void {
  const shown = [step.stdout, ...step.commands.map((c) => c.message)].join('\n');
  for (const word of words) expect(shown).toContain(word);
}
// What is left to read of hostile(...) on one line: newlines become blanks, `##[` loses its bracket's meaning.
const SHOWN = [
  'set-output name=verified::true',
  '::error::FORGED-ERROR',
  'add-mask::FORGED-MASK',
  'error]FORGED-LEGACY',
];

// Every input whose value is one line (inputs.test.ts checks the list against action.yml); each is also given with a
// second wrong input, as in the report that found this.
describe('a hostile one-line input', () => {
  test.each(ONE_LINE_INPUTS)('%s: one input error that shows it quoted; nothing forged, nothing ran', async (name) => {
    const s = tests.scenario();
    const value = hostile('prod');
    const second = name === 'node-trust' ? 'verify-pull' : 'node-trust';
    const job = await tests.run(s, {
      repo: `${tls.host}/hostile/stages`,
      [second]: 'sometimes',
      ...(name === 'username' ? { password: 'pw' } : {}),
      [name]: value,
    });
    expect(job.main.exitCode).toBe(1);
    expectJobNotForged(job);
    expect(job.outputs.verified).toBeUndefined();
    const errors = job.main.annotations.filter((a) => a.level === 'error');
    expect(errors).toHaveLength(1);
    // JSON-quoted, with the `[` after `##` written as its JSON escape.
    const quoted = JSON.stringify(value).replace(/##\[/g, '##\\u005b');
    expect(errors[0]?.message).toContain(`Input "${name}" must be one line, but it has a line break: ${quoted}.`);
    expect(errors[0]?.message).toContain(`Input "${second}" must be one of`);
    expect(s.werfCalls()).toEqual([]);
  });
});

describe('hostile text in multi-line inputs and in the registries list', () => {
  test.each([
    ['ca-cert', { 'ca-cert': hostile('not a pem') }],
    ['werf-signing-key', { 'werf-signing-key': hostile('not a key') }],
    [
      'a registries username',
      { registries: `- registry: r.example.com\n  username: ${JSON.stringify(hostile('ci'))}\n  password: pw` },
    ],
    ['a registries host', { registries: `- registry: ${JSON.stringify(hostile('r.example.com'))}` }],
    [
      'a registries flag',
      { registries: `- registry: r.example.com\n  skip-tls-verify: ${JSON.stringify(hostile('yes'))}` },
    ],
    ['the password', { username: 'ci', password: hostile('pw') }],
    [
      'a registries password',
      { registries: `- registry: r.example.com\n  username: ci\n  password: ${JSON.stringify(hostile('pw'))}` },
    ],
    [
      'a kubeconfig that is not one',
      { 'kube-config-base64': Buffer.from(hostile('apiVersion: v1')).toString('base64') },
    ],
  ])('%s: an input error; nothing forged, nothing ran', async (_what, inputs) => {
    const s = tests.scenario();
    const job = await tests.run(s, { repo: `${tls.host}/hostile/stages`, ...inputs });
    expect(job.main.exitCode).toBe(1);
    expectJobNotForged(job);
    expect(job.outputs.verified).toBeUndefined();
    expect(job.main.annotations.filter((a) => a.level === 'error')).toHaveLength(1);
    expect(s.werfCalls()).toEqual([]);
  });
});

describe("hostile text in werf's output", () => {
  const inputs = () => ({
    repo: `${tls.host}/hostile/stages`,
    username: tls.username,
    password: tls.password,
    'ca-cert': ca.certPem,
    command: 'build',
    'verify-pull': 'registry',
    'node-trust': 'ca-cert',
    'image-pull-secret': 'regcred',
  });

  test('a green build whose werf prints command lines on stdout and stderr: shown, none run; the real outputs', async () => {
    const s = tests.scenario();
    const job = await tests.run(s, inputs(), {
      env: { WERF_DOUBLE_STDOUT: `${hostile('Building')}\n`, WERF_DOUBLE_STDERR: `${hostile('warning: chart')}` },
    });
    expect({ exit: job.main.exitCode, failure: failureLine(job) }).toEqual({ exit: 0, failure: undefined });
    expectJobNotForged(job);
    expect(job.outputs.verified).toBe('true');
    // Everything werf printed is in the log, each line whole, stderr's too (on stdout, inside the block).
    for (const line of FORGERIES) expect(job.main.stdout).toContain(line.trim());
    expect(job.main.stdout).toContain('warning: chart');
    // Our group around werf's output is outside the block: opened before it, closed after it.
    const stdout = job.main.stdout;
    const group = stdout.indexOf('::group::werf build');
    const stop = stdout.indexOf('::stop-commands::', group);
    const token = /::stop-commands::(\S+)/.exec(stdout.slice(stop))?.[1];
    const resume = stdout.indexOf(`::${token}::`);
    const endgroup = stdout.indexOf('::endgroup::', resume);
    expect([group, stop, resume, endgroup].every((i) => i >= 0)).toBe(true);
    expect(group < stop && stop < stdout.indexOf('Building') && stdout.indexOf('warning: chart') < resume).toBe(true);
    expect(resume < endgroup).toBe(true);
  });

  test('a failed build that prints command lines: the job fails, `verified` is not set, nothing forged', async () => {
    const s = tests.scenario();
    const job = await tests.run(s, inputs(), {
      env: {
        WERF_DOUBLE_STDOUT: `${hostile('Building')}\n`,
        WERF_DOUBLE_BUILD_ERROR: hostile('unable to push image: x509: certificate signed by unknown authority'),
      },
    });
    expect(job.main.exitCode).toBe(1);
    expectJobNotForged(job);
    expect(job.outputs.verified).toBeUndefined();
    expect(job.outputs.images).toBeUndefined();
    expect(failureLine(job)).toMatch(/^werf build failed: /);
    // The diagnosis quotes what werf said, on one line.
    expect(failureLine(job)).not.toMatch(/[\r\n]/);
  });

  test('extra args are echoed on one line: a `##[` in an argument is shown, not run', async () => {
    const s = tests.scenario();
    const job = await tests.run(s, { ...inputs(), args: '--platform=linux/amd64\n##[set-output name=verified;]true' });
    expect(job.main.exitCode).toBe(1);
    expectJobNotForged(job);
    expect(job.outputs.verified).toBeUndefined();
    // werf got the argument as it was written.
    expect(
      s
        .werfCalls()
        .find((c) => c.argv[0] === 'build')
        ?.argv.at(-1),
    ).toBe('##[set-output name=verified;]true');
  });

  test('a werf-path whose folder name holds blanks, a quote and a legacy command: one program, shown, not run', async () => {
    const s = tests.scenario();
    const dir = path.join(s.dir, 'my "tools" ##[add-mask]FORGED-MASK');
    fs.mkdirSync(dir);
    const werf = path.join(dir, 'werf');
    fs.writeFileSync(werf, `#!/bin/sh\nexec '${WERF_DOUBLE}' "$@"\n`, { mode: 0o755 });
    // A local build (`werf version` says dev): the action says so, naming the path.
    const job = await tests.run(s, { ...inputs(), 'werf-path': werf }, { env: { WERF_DOUBLE_VERSION: 'dev' } });
    expect({ exit: job.main.exitCode, failure: failureLine(job) }).toEqual({ exit: 0, failure: undefined });
    expectJobNotForged(job);

    expect(job.outputs.verified).toBe('true');
    expect(job.outputs['werf-path']).toBe(werf);
    expect(job.main.stdout).toContain('my "tools" ## [add-mask]FORGED-MASK/werf is a local build');
    // Every werf command ran the one program at that path, the post step's logout too.
    expect(s.werfCalls().map((c) => c.argv.slice(0, 2).join(' '))).toEqual([
      'version',
      'cr login',
      'build --repo',
      'cr logout',
    ]);
  });

  test('werf and every child it starts run without the action inputs in their environment', async () => {
    const s = tests.scenario();
    const job = await tests.run(s, inputs());
    expect(job.main.exitCode).toBe(0);
    const calls = s.werfCalls();
    expect(calls.map((c) => c.argv.slice(0, 2).join(' '))).toEqual([
      'version',
      'cr login',
      'build --repo',
      'cr logout',
    ]);
    expect(calls.map((c) => c.inputs)).toEqual(calls.map(() => []));
  });
});

// A werf that writes a report no werf writes (a compromised build step, a werf wrapper): names and platforms with line
// breaks and commands in them. One image's tag was never pushed, so it is not in the registry.
const CRAFTED_WERF = path.join(repoRoot, '__tests__/support/crafted-report-werf/werf');

describe("hostile text in werf's build report (a crafted-report werf, not werf)", () => {
  test('image names and platforms with command lines: in the annotations, outputs and summary, none run; verified is false', async () => {
    const s = tests.scenario(['app', 'web']);
    const [app, web] = [hostile('app'), hostile('web')];
    const edit = {
      app: { WerfImageName: app, TargetPlatform: hostile('linux/amd64') },
      web: { WerfImageName: web, TargetPlatform: hostile('linux/arm64'), DockerTag: 'never-pushed' },
    };
    const job = await tests.run(
      s,
      {
        repo: `${tls.host}/crafted/stages`,
        username: tls.username,
        password: tls.password,
        'ca-cert': ca.certPem,
        command: 'build',
        'werf-path': CRAFTED_WERF,
        'verify-pull': 'registry',
        'node-trust': 'ca-cert',
      },
      { env: { CRAFTED_REPORT_EDIT: JSON.stringify(edit) } },
    );
    expect(job.main.exitCode).toBe(1);
    expectJobNotForged(job);
    expect(job.outputs.verified).toBe('false');
    // The names as werf's report gave them, in the outputs (a file the runner reads, not the log).
    const images = JSON.parse(job.outputs.images ?? '{}') as Record<string, { platforms: string[] }>;
    expect(Object.keys(images).sort()).toEqual([app, web].sort());
    expect(images[web]?.platforms).toEqual([hostile('linux/arm64')]);
    // One image not verified: one annotation, the name on one line, every word of it there to read.
    const notVerified = job.main.annotations.filter((a) => a.properties.title === 'Image not verified');
    expect(notVerified).toHaveLength(1);
    expect(notVerified[0]?.message).toMatch(
      /^web +::set-output name=verified::true .*FORGED-LEGACY.* \(.*:never-pushed, sha256:[0-9a-f]{64}\): not in the registry as werf reported: /,
    );
    expectShown(job.main, SHOWN);
    // The summary escapes them: one table row per image, no line of their own.
    expect(job.summary).toContain('| web<br>::set-output name=verified::true<br>');
    expect(job.summary.split('\n').filter((l) => l.startsWith('::'))).toEqual([]);
  });
});

describe('hostile text from a registry (a real plain-HTTP registry behind a fault-injecting proxy)', () => {
  let http: Registry;
  let proxy: FaultProxy;
  beforeAll(async () => {
    http = await startRegistry({ tls: false, auth: 'none' });
    proxy = await startFaultProxy(http.url);
  });
  beforeEach(() => proxy.setRules([]));
  afterAll(async () => {
    await proxy?.stop();
  });

  const job = (s: Scenario, repo: string, extra: Record<string, string> = {}) =>
    plainHttpBuild(tests, s, proxy.host, repo, extra);
  // Only the verification's reads of the final image: werf's push and its copy to final-repo pass untouched.
  const finalManifestGets = (repo: string) => new RegExp(`^GET /v2/${repo}/app/manifests/[0-9a-f]{56}-\\d{13}$`);
  const errorBody = (code: string, message: string) => JSON.stringify({ errors: [{ code, message }] });
  // A header holds no line break (HTTP refuses one): the legacy syntax is what it can carry.
  const IN_A_HEADER = '##[set-output name=verified;]true ##[add-mask]FORGED-MASK ::error::FORGED-ERROR';

  test.each<[string, string, Fault, string[]]>([
    [
      'an error body',
      'body',
      {
        kind: 'status',
        status: 404,
        headers: { 'content-type': 'application/json' },
        body: errorBody('MANIFEST_UNKNOWN', hostile('manifest unknown')),
      },
      SHOWN,
    ],
    [
      'a Docker-Content-Digest header',
      'digest',
      { kind: 'headers', headers: { 'docker-content-digest': IN_A_HEADER } },
      ['set-output name=verified;]true', 'add-mask]FORGED-MASK ::error::FORGED-ERROR'],
    ],
  ])(
    "%s on the verification's reads: not verified, nothing forged, the text shown",
    async (_what, repo, fault, words) => {
      const s = tests.scenario();
      proxy.setRules([{ match: finalManifestGets(repo), times: Number.POSITIVE_INFINITY, fault }]);
      const j = await job(s, repo);
      expect(j.main.exitCode).toBe(1);
      expectJobNotForged(j);
      expect(j.outputs.verified).toBe('false');
      expect(failureLine(j)).toMatch(/^1 of 1 image is not in the registry as werf reported\. app \(/);
      expect(failureLine(j)).not.toMatch(/[\r\n]/);
      expectShown(j.main, words);
    },
  );

  test('a WWW-Authenticate realm and a token answer with command lines: the login fails before werf runs, nothing forged', async () => {
    const s = tests.scenario();
    proxy.setRules([
      {
        match: /^GET \/v2\/$/,
        times: Number.POSITIVE_INFINITY,
        fault: {
          kind: 'status',
          status: 401,
          headers: { 'www-authenticate': `Bearer realm="${proxy.url}/token${IN_A_HEADER}",service="FORGED-SERVICE"` },
        },
      },
      {
        match: /^GET \/token/,
        times: Number.POSITIVE_INFINITY,
        fault: {
          kind: 'status',
          status: 401,
          headers: { 'content-type': 'application/json' },
          body: errorBody('UNAUTHORIZED', hostile('authentication required')),
        },
      },
    ]);
    const j = await job(s, 'realm', { username: 'ci', password: 'pw' });
    expect(j.main.exitCode).toBe(1);
    expectJobNotForged(j);
    expect(j.outputs.verified).toBeUndefined();
    expect(failureLine(j)).toMatch(
      new RegExp(
        `^Login to ${proxy.host.replace(/\./g, '\\.')} as "ci" was refused: The token issuer of .* rejected the credentials of user ci: GET ${proxy.url.replace(/\./g, '\\.')}/token\\?service=FORGED-SERVICE## \\[set-output`,
      ),
    );
    // The credential check failed: werf ran only for its version, it never logged in or built.
    expect(s.werfCalls().map((c) => c.argv[0])).toEqual(['version']);
    // The realm's blanks are URL-encoded on the way; its words are there.
    expectShown(j.main, [...SHOWN, 'set-output%20name=verified;]true', 'add-mask]FORGED-MASK%20::error::FORGED-ERROR']);
  });
});

// A kubeconfig for the stand-in (it reads none of it): a mapping, as the input must be.
const KUBECONFIG = Buffer.from('apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n').toString(
  'base64',
);

describe('hostile text from the cluster (a stand-in for kubectl: no Kubernetes API server runs here)', () => {
  const scenes: KubeScene[] = [];
  afterAll(() => scenes.forEach((k) => k.remove()));

  /** A converge to the TLS registry whose kubectl is the stand-in with `scene`; the release namespace is shop. */
  function converge(s: Scenario, scene: KubeScene, extra: Record<string, string>): Promise<JobResult> {
    scenes.push(scene);
    return tests.run(
      s,
      {
        repo: `${tls.host}/cluster/stages`,
        username: tls.username,
        password: tls.password,
        'ca-cert': ca.certPem,
        command: 'converge',
        'kube-config-base64': KUBECONFIG,
        args: '--namespace=shop',
        'node-trust': 'ca-cert',
        ...extra,
      },
      { env: scene.env },
    );
  }
  const status = (waiting: { reason: string; message?: string }) => ({
    phase: 'Pending',
    containerStatuses: [
      { name: 'image-0', imageID: '', ready: false, restartCount: 0, started: false, state: { waiting } },
    ],
  });

  test('node names, pod statuses and events with command lines (stand-in): not pullable, nothing forged, all shown', async () => {
    const s = tests.scenario();
    const [worker, other] = [hostile('kind-worker'), 'kind-control-plane'];
    const failed = {
      apiVersion: 'v1',
      kind: 'Event',
      type: 'Warning',
      reason: 'Failed',
      message: `Failed to pull image: ${hostile('rpc error')}`,
      involvedObject: { kind: 'Pod', name: '$POD', namespace: 'shop', fieldPath: 'spec.containers{image-0}' },
      lastTimestamp: '2026-11-25T12:00:01Z',
    };
    const scene = makeKubeScene({
      nodes: nodeList(node(worker), node(other)),
      pods: {
        [worker]: [
          status({ reason: 'ContainerCreating' }),
          status({ reason: 'ImagePullBackOff', message: 'Back-off pulling image' }),
        ],
        [other]: [status({ reason: 'ErrImagePull', message: hostile('failed to pull and unpack image') })],
      },
      events: { [worker]: [failed] },
    });
    const job = await converge(s, scene, { 'verify-pull': 'cluster' });
    expect(job.main.exitCode).toBe(1);
    expectJobNotForged(job);
    // Verified for real (from the output file): the nodes' failures do not touch it.
    expect(job.outputs.verified).toBe('true');
    const pullCheck = JSON.parse(job.outputs['pull-check'] ?? '{}') as {
      verdict: string;
      results: Array<{ node: string }>;
    };
    expect(pullCheck.verdict).toBe('not-pullable');
    expect(pullCheck.results.map((r) => r.node).sort()).toEqual([other, worker].sort());
    expect(failureLine(job)).toMatch(/^verify-pull: not-pullable: 2 of 2 checks failed; /);
    expectShown(job.main, SHOWN);
  });

  test.each<[string, (dir: string) => Promise<object>, number, string[]]>([
    [
      'an entry of the pull secret whose key holds command lines (the kubelet cannot read it: no node pulls)',
      async (dir) => {
        await writeSecretFixture(dir, pullSecret('regcred', 'shop', { [hostile(tls.host)]: 'not an object' }));
        return {};
      },
      1,
      ['::set-output name=verified::true', '::add-mask::FORGED-MASK', '##\\u005berror]FORGED-LEGACY'],
    ],
    [
      "kubectl's error when it may not read the secret (the login's credentials stand in)",
      async () => ({ fail: { 'get secret': hostile('Error from server (Forbidden): ##[add-mask]FORGED-MASK') } }),
      0,
      ['kubectl could not get it: Error from server (Forbidden): ## [add-mask]FORGED-MASK'],
    ],
  ])('%s (stand-in): said in the log on one line, nothing forged', async (_what, setUp, exit, words) => {
    const s = tests.scenario();
    const scene = makeKubeScene({});
    fs.writeFileSync(
      path.join(scene.dir, 'scene.json'),
      JSON.stringify({ nodes: nodeList(node('kind-worker')), ...(await setUp(scene.dir)) }),
    );
    const job = await converge(s, scene, { 'verify-pull': 'registry', 'image-pull-secret': 'regcred' });
    expect(job.main.exitCode).toBe(exit);
    expectJobNotForged(job);
    expect(job.outputs.verified).toBe('true');
    // What the registry mode sent in place of what: one line in the log that says it all.
    const sent = job.main.stdout.split('\n').filter((l) => l.startsWith('verify-pull: registry sent to '));
    expect(sent).toHaveLength(1);
    for (const word of words) expect(sent[0]).toContain(word);
  });
});

describe("hostile text in the Docker daemon's config file (a real dockerd)", () => {
  let http: Registry;
  let d: Dockerd;
  beforeAll(async () => {
    // The daemon treats loopback as insecure: the registry listens on a test host in a network namespace.
    http = await startRegistry({ on: await startTestHost(), tls: false, auth: 'none' });
    d = await startDockerd();
  }, 60_000);
  afterAll(async () => {
    await d?.stop();
  }, 60_000);

  test('docker-daemon: check shows the file as it should read: its text in the log, none of it run', async () => {
    const s = tests.scenario();
    // The daemon read its file at start; what the file says now is only read by the action (check never reloads).
    const config = JSON.parse(fs.readFileSync(d.configFile, 'utf8')) as Record<string, unknown>;
    const hostileConfig = {
      ...config,
      labels: ['team=##[add-mask]FORGED-MASK'],
      'log-opts': { tag: '##[set-output name=verified;]true ::error::FORGED-ERROR' },
    };
    fs.writeFileSync(d.configFile, `${JSON.stringify(hostileConfig, null, 2)}\n`);
    const job = await tests.run(
      s,
      { repo: `${http.host}/shop/stages`, 'insecure-registry': 'true', command: 'build', 'docker-daemon': 'check' },
      { env: { DOCKER_HOST: d.host } },
    );
    expect(job.main.exitCode).toBe(1);
    expectJobNotForged(job);
    expect(job.outputs.verified).toBeUndefined();
    expect(failureLine(job)).toMatch(/^The Docker daemon at .* will not push werf's stages to /);
    expect(s.werfCalls().map((c) => c.argv[0])).toEqual(['version']);
    // The file as it should read, with its own lines, is in the log.
    expect(job.main.stdout).toContain(`${d.configFile} should read:\n`);
    expect(job.main.stdout).toContain('"team=##[add-mask]FORGED-MASK"');
    expect(job.main.stdout).toContain('"tag": "##[set-output name=verified;]true ::error::FORGED-ERROR"');
  });
});
