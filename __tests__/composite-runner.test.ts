// The job emulation of __tests__/support/composite-runner.ts (mock GitHub: no runner service here) on small actions
// written by each test: composite and node actions as the runner runs them, expressions evaluated by GitHub's own
// library (@actions/expressions), action.yml and workflows read with GitHub's schemas (@actions/workflow-parser).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { evaluate, loadAction, runJob, type CallerJob, type JobOptions } from './support/composite-runner.js';

const dirs: string[] = [];
const jobs: CallerJob[] = [];
afterAll(() => {
  for (const job of jobs) job.cleanup();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** A workspace with the given files (paths relative to it). */
function workspace(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'composite-runner-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

// A node action that writes down what it saw into $LOG: its stage, its input `name`, its own GITHUB_ACTION_PATH and,
// in post, the state its main saved. Main sets an output and saves the state through the runner's command files.
const RECORDER = {
  '.github/actions/recorder/action.yml': [
    'name: recorder',
    'description: writes down what it saw',
    'inputs:',
    '  name: {description: who, required: true}',
    '  greeting: {description: a default, default: "hello ${{ github.repository }}"}',
    'outputs:',
    '  said: {description: what main said}',
    'runs:',
    '  using: node24',
    '  main: main.mjs',
    '  post: post.mjs',
    '',
  ].join('\n'),
  '.github/actions/recorder/main.mjs': [
    "import { appendFileSync } from 'node:fs';",
    'const e = process.env;',
    'appendFileSync(e.LOG, `main ${e.INPUT_NAME} ${e.GITHUB_ACTION_PATH} ${e.INPUT_GREETING}\\n`);',
    'appendFileSync(e.GITHUB_OUTPUT, `said=${e.INPUT_GREETING} from ${e.INPUT_NAME}\\n`);',
    'appendFileSync(e.GITHUB_STATE, `who=${e.INPUT_NAME}\\n`);',
    "if (e.INPUT_NAME === 'breaks') process.exit(1);",
    '',
  ].join('\n'),
  '.github/actions/recorder/post.mjs': [
    "import { appendFileSync } from 'node:fs';",
    'const e = process.env;',
    'appendFileSync(e.LOG, `post ${e.INPUT_NAME} state=${e.STATE_who} FROM_INSIDE=${e.FROM_INSIDE}\\n`);',
    '',
  ].join('\n'),
};

/** A composite action: a bash step (output, GITHUB_ENV), the recorder twice, outputs mapped from its steps. */
const COMPOSITE = {
  '.github/actions/wrap/action.yml': [
    'name: wrap',
    'description: a composite around the recorder',
    'inputs:',
    '  who: {description: who, required: true}',
    '  fail-at: {description: "first, or nothing", default: ""}',
    'outputs:',
    '  said: {description: from the recorder, value: "${{ steps.second.outputs.said }}"}',
    '  path: {description: from the bash step, value: "${{ steps.bash.outputs.path }}"}',
    '  status: {description: what the last step saw, value: "${{ steps.last.outputs.status }}"}',
    'runs:',
    '  using: composite',
    '  steps:',
    '    - id: bash',
    '      shell: bash',
    '      env: {WHO: "${{ inputs.who }}"}',
    '      run: |',
    '        echo "path=$GITHUB_ACTION_PATH" >> "$GITHUB_OUTPUT"',
    '        echo "FROM_INSIDE=set by $WHO" >> "$GITHUB_ENV"',
    '    - id: first',
    '      uses: ./.github/actions/recorder',
    "      with: {name: \"${{ inputs.fail-at == 'first' && 'breaks' || format('{0}-1', inputs.who) }}\"}",
    '    - id: second',
    '      uses: ./.github/actions/recorder',
    '      with: {name: "${{ inputs.who }}-2"}',
    '    - id: on-failure',
    '      if: failure()',
    '      shell: bash',
    '      run: echo "failure() inside the composite" >> "$LOG"',
    '    - id: last',
    '      if: always()',
    '      shell: bash',
    '      run: echo "status=${{ github.action_status }}" >> "$GITHUB_OUTPUT"',
    '',
  ].join('\n'),
};

async function job(workflowSteps: string[], files: Record<string, string>, opts: Partial<JobOptions> = {}) {
  const ws = workspace({ ...RECORDER, ...COMPOSITE, ...files });
  const log = path.join(ws, 'log');
  fs.writeFileSync(log, '');
  const workflow = ['on: push', 'jobs:', '  j:', '    runs-on: ubuntu-latest', '    steps:', ...workflowSteps, ''];
  const result = await runJob({
    workflow: workflow.join('\n'),
    job: 'j',
    workspace: ws,
    env: { LOG: log },
    ...opts,
  });
  jobs.push(result);
  return { result, ws, log: () => fs.readFileSync(log, 'utf8').trim().split('\n') };
}

describe('expressions: GitHub’s library (@actions/expressions) with the runner’s contexts', () => {
  const contexts = {
    inputs: { 'registry-password': 's3cret', who: 'Team' },
    steps: { ship: { outputs: { images: '{"app":{"ref":"r.example/app@sha256:ab"}}', 'pull-check': '{}' } } },
    github: { repository: 'Acme/Shop' },
  };
  const text = (expression: string, status: 'success' | 'failure' = 'success') =>
    evaluate(expression, contexts, status).coerceString();

  test('property access with hyphens, case-insensitive names, fromJSON, format, comparisons', () => {
    expect(text('inputs.registry-password')).toBe('s3cret');
    expect(text("INPUTS['Who']")).toBe('Team');
    expect(text('fromJSON(steps.ship.outputs.images).app.ref')).toBe('r.example/app@sha256:ab');
    expect(text("format('{0}/{1}', github.repository, inputs.who)")).toBe('Acme/Shop/Team');
    expect(text("steps.ship.outputs.verified == 'true'")).toBe('false');
    expect(text('steps.nope.outputs.x')).toBe('');
  });

  test('status functions: success() and failure() follow the status given, always() is true, cancelled() false', () => {
    expect([text('success()'), text('failure()'), text('always()'), text('cancelled()')]).toEqual([
      'true',
      'false',
      'true',
      'false',
    ]);
    expect([text('success()', 'failure'), text('failure()', 'failure')]).toEqual(['false', 'true']);
  });

  test('a context the level does not have, or a function the emulation does not provide, is a parse error', () => {
    expect(() => text('secrets.TOKEN')).toThrow(/secrets/);
    expect(() => text("hashFiles('**/go.sum')")).toThrow(/hashFiles/i);
  });
});

describe('a job with a composite action (runner emulation, mock GitHub)', () => {
  test('outputs through the composite, GITHUB_ENV for later steps, own action path and state, posts at the end newest first', async () => {
    const { result, ws, log } = await job(
      [
        '      - id: outer',
        '        uses: ./.github/actions/recorder',
        '        with: {name: outer}',
        '      - id: c',
        '        uses: ./.github/actions/wrap',
        '        with: {who: team}',
        '      - id: later',
        '        env: {SAID: "${{ steps.c.outputs.said }}", SEEN: "${{ env.FROM_INSIDE }}"}',
        '        run: echo "later $SAID / $SEEN / $FROM_INSIDE" >> "$LOG"',
      ],
      {},
    );
    expect(result.status).toBe('success');
    const recorder = path.join(ws, '.github/actions/recorder');
    expect(log()).toEqual([
      `main outer ${recorder} hello acme/shop`,
      `main team-1 ${recorder} hello acme/shop`,
      `main team-2 ${recorder} hello acme/shop`,
      'later hello acme/shop from team-2 / set by team / set by team',
      // The composite's one post (its inner actions newest first), then the action before it; each with its own state.
      'post team-2 state=team-2 FROM_INSIDE=set by team',
      'post team-1 state=team-1 FROM_INSIDE=set by team',
      'post outer state=outer FROM_INSIDE=set by team',
    ]);
    expect(result.step('c').outputs).toEqual({
      said: 'hello acme/shop from team-2',
      path: path.join(ws, '.github/actions/wrap'),
      status: 'success',
    });
    // Run steps inside the composite get the composite's folder; the actions in it get their own.
    expect(result.step('c/bash').env?.GITHUB_ACTION_PATH).toBe(path.join(ws, '.github/actions/wrap'));
    expect(result.step('c/first').env?.GITHUB_ACTION_PATH).toBe(recorder);
    expect(result.step('later').env?.GITHUB_ACTION_PATH).toBeUndefined();
    expect(result.step('c/on-failure').conclusion).toBe('skipped');
    expect(result.steps.map((s) => `${s.stage} ${s.path} ${s.conclusion}`)).toEqual([
      'main outer success',
      'main c/bash success',
      'main c/first success',
      'main c/second success',
      'main c/on-failure skipped',
      'main c/last success',
      'main c success',
      'main later success',
      'post c/second success',
      'post c/first success',
      'post outer success',
    ]);
    expect(result.warnings).toEqual([]);
    expect(result.leftInRunnerTemp()).toEqual([]);
  });

  test('a failure inside stops the composite: later inner steps skip unless failure()/always(); the job goes on only for always()/failure(); posts still run', async () => {
    const { result, log } = await job(
      [
        '      - id: c',
        '        uses: ./.github/actions/wrap',
        '        with: {who: team, fail-at: first}',
        '      - id: next',
        '        run: echo "next ran" >> "$LOG"',
        '      - id: cleanup',
        '        if: always()',
        '        run: echo "always() ran; c was ${{ steps.c.outcome }}" >> "$LOG"',
        '      - id: report',
        '        if: failure()',
        '        run: echo "failure() ran" >> "$LOG"',
      ],
      {},
    );
    expect(result.status).toBe('failure');
    expect(result.steps.map((s) => `${s.stage} ${s.path} ${s.conclusion}`)).toEqual([
      'main c/bash success',
      'main c/first failure',
      'main c/second skipped',
      'main c/on-failure success',
      'main c/last success',
      'main c failure',
      'main next skipped',
      'main cleanup success',
      'main report success',
      'post c/first success',
    ]);
    // The composite's outputs are still evaluated: the last step saw the composite's own status.
    expect(result.step('c').outputs).toMatchObject({ said: '', status: 'failure' });
    const recorder = `${path.dirname(result.step('c/first').env?.GITHUB_ACTION_PATH ?? '')}/recorder`;
    expect(log()).toEqual([
      `main breaks ${recorder} hello acme/shop`,
      'failure() inside the composite',
      'always() ran; c was failure',
      'failure() ran',
      'post breaks state=breaks FROM_INSIDE=set by team',
    ]);
  });

  test('shell: bash is `bash --noprofile --norc -eo pipefail`; a job step without shell is `bash -e` (no pipefail)', async () => {
    const files = {
      '.github/actions/pipe/action.yml': [
        'name: pipe',
        'description: a failing pipe',
        'runs:',
        '  using: composite',
        '  steps:',
        '    - shell: bash',
        '      run: false | true',
        '',
      ].join('\n'),
    };
    const { result } = await job(
      ['      - id: plain', '        run: false | true', '      - id: pipe', '        uses: ./.github/actions/pipe'],
      files,
    );
    expect(result.step('plain').conclusion).toBe('success');
    expect(result.step('pipe/#1').conclusion).toBe('failure');
    expect(result.step('pipe').conclusion).toBe('failure');
  });

  test('an input the action does not declare is a warning, as on GitHub; uses: owner/repo@ref resolves only through `actions`', async () => {
    await expect(job(['      - uses: acme/wrap@v1', '        with: {who: x}'], {})).rejects.toThrow(
      /uses: acme\/wrap@v1: no local folder for it/,
    );
    const ok = await job(['      - uses: ./.github/actions/wrap', '        with: {who: x, whom: y}'], {});
    expect(ok.result.warnings).toEqual(["#1: Unexpected input(s) 'whom'"]);
  });
});

describe("action.yml read with GitHub's action schema (@actions/workflow-parser)", () => {
  const composite = (steps: string[]) =>
    workspace({
      'action.yml': [
        'name: x',
        'description: y',
        'inputs:',
        '  password: {description: p, required: true}',
        'runs:',
        '  using: composite',
        '  steps:',
        ...steps,
        '',
      ].join('\n'),
    });

  test('accepts a composite that takes its secret as an input', () => {
    const dir = composite(['    - shell: bash', '      env: {P: "${{ inputs.password }}"}', '      run: test -n "$P"']);
    expect(loadAction(dir).steps).toHaveLength(1);
  });

  test('rejects the secrets context in a composite, and a run step without shell', () => {
    expect(() => loadAction(composite(['    - shell: bash', '      run: echo ${{ secrets.PASSWORD }}']))).toThrow(
      /Unrecognized named-value: 'secrets'/,
    );
    expect(() => loadAction(composite(['    - run: echo hi']))).toThrow(/Required property is missing: shell/);
  });
});
