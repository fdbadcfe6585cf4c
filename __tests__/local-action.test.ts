// The action's main and post steps run by GitHub's @github/local-action (the debugging tool of GitHub's TypeScript
// action template), as CONTRIBUTING.md tells a contributor to run it: src/main.ts and src/post.ts from the sources
// (their exported run()), @actions/core replaced by that tool's stand-in, the inputs from a dotenv file. Against the
// rig: a real Distribution registry with TLS (a per-run CA) and basic auth, and the werf test double pushing real
// images. GitHub itself is the tool's mock (no runner service here).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { makeCa, startRegistry, stopAll, type Registry, type TestCa } from './support/rig/index.js';
import { repoRoot } from './support/runner.js';
import { filesBelow, makeScenario, WERF_DOUBLE, type Scenario } from './support/scenario.js';

const LOCAL_ACTION = path.join(repoRoot, 'node_modules/@github/local-action/bin/local-action.js');

let ca: TestCa;
let registry: Registry;
let scenario: Scenario;
let dir: string;

beforeAll(async () => {
  ca = await makeCa({ cn: 'local-action-ca' });
  registry = await startRegistry({ ca, auth: 'basic' });
  scenario = makeScenario(['backend', 'frontend']);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'local-action-'));
});

afterAll(async () => {
  scenario?.remove();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  await stopAll();
});

/** A dotenv file as a contributor writes one: the inputs as INPUT_<NAME>, and the runner's variables. */
function dotenv(values: Record<string, string>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join('\n');
}

/** Runs `local-action . src/main.ts ENV --post src/post.ts` in the repository, as an npm user runs it. */
function localAction(envFile: string, env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LOCAL_ACTION, '.', 'src/main.ts', envFile, '--post', 'src/post.ts'], {
      cwd: repoRoot,
      // This Node (24) first on PATH: the tool starts its TypeScript runner through npm exec.
      env: {
        ...process.env,
        ...env,
        PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`,
        NO_COLOR: '1',
        FORCE_COLOR: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

test('local-action runs main and post from the sources: outputs, job summary, and the post step cleans up', async () => {
  const runnerTemp = path.join(dir, 'runner-temp');
  const toolCache = path.join(dir, 'tool-cache');
  fs.mkdirSync(runnerTemp);
  fs.mkdirSync(toolCache);
  const summaryFile = path.join(dir, 'summary.md');
  fs.writeFileSync(summaryFile, '');
  const envFile = path.join(dir, '.env');
  fs.writeFileSync(
    envFile,
    dotenv({
      INPUT_REPO: `${registry.host}/shop/stages`,
      'INPUT_FINAL-REPO': `${registry.host}/shop/app`,
      INPUT_USERNAME: registry.username,
      INPUT_PASSWORD: registry.password,
      'INPUT_CA-CERT': ca.certPath,
      INPUT_COMMAND: 'build',
      'INPUT_WERF-PATH': WERF_DOUBLE,
      'INPUT_WORKING-DIRECTORY': scenario.workspace,
      'INPUT_NODE-TRUST': 'ca-cert',
      'INPUT_IMAGE-PULL-SECRET': 'regcred',
      // No Docker daemon here: the double pushes with skopeo.
      'INPUT_DOCKER-DAEMON': 'off',
      RUNNER_TEMP: runnerTemp,
      RUNNER_TOOL_CACHE: toolCache,
      GITHUB_STEP_SUMMARY: summaryFile,
    }),
    { mode: 0o600 },
  );

  const { code, out } = await localAction(envFile, scenario.env);

  expect({ code, errors: out.split('\n').filter((l) => /^::(error|warning)/.test(l)) }).toEqual({
    code: 0,
    errors: [],
  });
  // The tool's stand-in for core prints each output as a (legacy) set-output line.
  const outputs = Object.fromEntries(
    [...out.matchAll(/^::set-output name=([a-z-]+)::(.*)$/gm)].map((m) => [m[1] as string, m[2] as string]),
  );
  expect(outputs['werf-version']).toBe('2.75.3');
  expect(outputs['werf-path']).toBe(WERF_DOUBLE);
  expect(outputs.verified).toBe('true');
  const images = JSON.parse(outputs.images ?? '{}') as Record<string, { image: string; digest: string; ref: string }>;
  expect(Object.keys(images).sort()).toEqual(['backend', 'frontend']);
  for (const image of Object.values(images)) {
    expect(image.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(image.ref).toBe(`${registry.host}/shop/app@${image.digest}`);
  }
  expect(JSON.parse(outputs['pull-check'] ?? '{}')).toMatchObject({ mode: 'registry', verdict: 'pullable' });

  const summary = fs.readFileSync(summaryFile, 'utf8');
  expect(summary).toContain('## werf build');
  expect(summary).toContain('✅ Shipped.');
  expect(summary).toContain(images.backend?.image.split(':')[1]?.slice(0, 12) ?? 'no tag');

  // The post step ran from the journal main kept in the tool's state: werf logged out, and everything main wrote
  // (the job folder with the report and CA bundle, the docker config, the CA in certs.d) is gone again.
  expect(scenario.werfCalls().map((c) => c.argv.slice(0, 2).join(' '))).toEqual([
    'version',
    'cr login',
    'build --repo',
    'cr logout',
  ]);
  expect(filesBelow(runnerTemp)).toEqual([]);
  expect(filesBelow(scenario.dockerCertsDir)).toEqual([]);
  expect(filesBelow(scenario.containersCertsDir)).toEqual([]);
  expect(filesBelow(scenario.env.HOME as string)).toEqual([]);
});
