// Workflow-command injection through the committed bundle and the runner emulation (mock GitHub: the emulation reads
// stdout and stderr by the runner's own rules): a hostile value in each input the user controls, and in what werf
// prints (the werf double prints text given in a knob, on a green build and on a failed one), must not forge an
// output, an annotation, a mask or a group, and the `verified` output must not be forged on a failed build.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { makeCa, startRegistry, stopAll, type Registry, type TestCa } from './support/rig/index.js';
import type { JobResult, StepResult } from './support/runner.js';
import { TestJobs, failureLine } from './support/scenario.js';

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

// Every input whose value is one line (inputs.test.ts checks this list against action.yml); each is also given with a
// second wrong input, as in the report that found this.
const ONE_LINE = [
  'repo',
  'final-repo',
  'username',
  'skip-tls-verify',
  'insecure-registry',
  'command',
  'env',
  'kube-context',
  'working-directory',
  'werf-version',
  'werf-path',
  'werf-base-url',
  'werf-verify-signature',
  'werf-tuf-root',
  'verify-manifests',
  'verify-pull',
  'node-trust',
  'image-pull-secret',
  'docker-daemon',
  'logout',
  'summary',
];

describe('a hostile one-line input', () => {
  test.each(ONE_LINE)('%s: one input error that shows it quoted; nothing forged, nothing ran', async (name) => {
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
