// Runner emulation of a whole job (mock GitHub: no runner service here), for actions used inside composite actions.
// It runs the steps of one job of a workflow: `run:` steps in bash, `uses:` steps of actions on this machine, node
// actions (main now; post at the end of the job) and composite actions (their steps; each nested action's post at the
// end of the job too, inside the composite's one post, newest first). GitHub's own libraries do the reading and the
// expressions: @actions/workflow-parser reads the workflow and every action.yml against GitHub's schemas (and turns
// `a ${{ x }} b` into `format('a {0} b', x)` as the runner does), @actions/expressions lexes, parses and evaluates
// every `${{ }}` and `if:` with the contexts below.
//
// Emulated, as the runner (actions/runner: CompositeActionHandler, the ADR "composite actions") does it:
// - contexts: github, env, inputs, steps (outputs, outcome, conclusion), runner, job (status), secrets and vars (job
//   level only: a composite has no secrets context, and GitHub's action schema rejects one), matrix/strategy/needs
//   empty;
// - the status functions success(), failure(), always(), cancelled(): the library leaves them to its host, as it
//   leaves them to the runner, so they are given to its Parser and Evaluator as extension functions; at the job level
//   and in post steps they read the job's status, inside a composite's main steps the composite's own status;
//   cancelled() is never true (no cancellation here);
// - `if:` with the default success() (added by @actions/workflow-parser's if-condition converter, as on GitHub): a failed step
//   inside a composite skips its later steps unless their `if:` says always() or failure(), the composite step fails,
//   its outputs are still evaluated;
// - GITHUB_OUTPUT per step (steps.<id>.outputs, a composite's `outputs:` mapped from its own steps), GITHUB_ENV and
//   GITHUB_PATH for every later step of the job (also from inside a composite), GITHUB_STATE per action for its own
//   post only, GITHUB_ACTION_PATH per action (a composite's run steps get the composite's folder), INPUT_* with the
//   action.yml defaults for node actions, an action's `post-if` (default always()), post steps in reverse order of
//   their mains, registered before the main runs (so a failed main still gets its post);
// - `shell: bash` as `bash --noprofile --norc -eo pipefail {0}`, `sh` as `sh -e {0}`, a job step without shell as
//   `bash -e {0}`; `working-directory`.
// Refused with an error rather than run differently: docker actions and `uses: docker://`, pre steps, other shells,
// `continue-on-error`, `timeout-minutes`, `defaults:`, containers, services, matrices, reusable-workflow jobs,
// hashFiles(). Where it differs: the env context is case-insensitive (the library's dictionary; the runner's is
// case-sensitive on Linux); a post step gets the inputs evaluated for its main (the runner evaluates `with:` again);
// masks are recorded, not applied; job outputs and other jobs are not evaluated. Where the runner only warns (an input
// the action does not declare), the job's `warnings` say it. `uses:` of anything but `./path` resolves through
// `actions` (the test's stand-in for the runner's download of the action).
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Evaluator, Lexer, Parser, data } from '@actions/expressions';
import type { FunctionDefinition } from '@actions/expressions/funcs/info';
import { truthy } from '@actions/expressions/result';
import {
  NoOperationTraceWriter,
  isBasicExpression,
  isBoolean,
  isMapping,
  isNumber,
  isSequence,
  isString,
  parseWorkflow,
} from '@actions/workflow-parser';
import { parseAction } from '@actions/workflow-parser/actions/index';
import { convertToIfCondition } from '@actions/workflow-parser/model/converter/if-condition';
import type { TemplateContext } from '@actions/workflow-parser/templates/template-context';
import type { MappingToken, TemplateToken } from '@actions/workflow-parser/templates/tokens/index';
import { cleanEnv, runStep, stepText, type Annotation, type StepResult } from './runner.js';
import { filesBelow } from './scenario.js';

export interface JobOptions {
  /** the workflow's text and the id of the job to run */
  workflow: string;
  job: string;
  /** the workflow's name in error messages */
  file?: string;
  /** `uses:` references (e.g. `acme/ship@v1`) and the local folder that stands for the runner's download of each */
  actions?: Record<string, string>;
  /** `uses:` references not run because the test did their work beforehand (e.g. the checkout of the workspace) */
  prepared?: string[];
  secrets?: Record<string, string>;
  vars?: Record<string, string>;
  /** extra github context (repository, sha, ref, ...) over the defaults */
  github?: Record<string, unknown>;
  /** the runner machine's environment for every process (e.g. the werf double's knobs, PATH) */
  env?: Record<string, string>;
  workspace?: string;
  toolCache?: string;
  /** per process (default 120 s) */
  timeoutMs?: number;
}

/** One step as it ran (or was skipped), in the order the steps finished (a composite after the steps inside it). */
export interface StepRun {
  /** the step's id, nested ones below their composite: `ship`, `ship/names`, `ship/ship` */
  path: string;
  stage: 'main' | 'post';
  /** `uses` for a uses step that was skipped or failed before its action was read */
  kind: 'run' | 'node' | 'composite' | 'prepared' | 'uses';
  conclusion: 'success' | 'failure' | 'skipped';
  /** what the process left (run and node steps) */
  process?: StepResult;
  /** the environment the process ran with (run and node steps) */
  env?: Record<string, string>;
  /** the step's outputs (a composite: the outputs its action.yml maps) */
  outputs: Record<string, string>;
  /** why it failed without a process (an expression error, a failed inner step) */
  error?: string;
}

export interface CallerJob {
  status: 'success' | 'failure';
  steps: StepRun[];
  /** the step at that path and stage; throws when it did not run or skip */
  step(stepPath: string, stage?: 'main' | 'post'): StepRun;
  /** the job's environment at its end (workflow and job env, then GITHUB_ENV) */
  env: Record<string, string>;
  summary: string;
  masks: string[];
  annotations: Annotation[];
  /** what the runner would warn about (inputs an action does not declare) */
  warnings: string[];
  workspace: string;
  /** the job's RUNNER_TEMP, still there until cleanup() (the runner deletes it at the job's end) */
  runnerTemp: string;
  toolCache: string;
  /** RUNNER_TEMP's files, less the runner's own (command files and scripts) */
  leftInRunnerTemp(): string[];
  /**
   * every text the job produced (stdout, stderr, command files, state, outputs) as a reader of its log and files
   * would meet it: less the `::add-mask::` lines, which the runner takes in and never shows (for secret scans)
   */
  shown(): string;
  cleanup(): void;
}

type Status = 'success' | 'failure';
interface StepContext {
  outputs: Record<string, string>;
  outcome: string;
  conclusion: string;
}

/** A level that runs steps: the job itself, or one run of a composite action. */
interface Level {
  kind: 'job' | 'composite';
  prefix: string;
  steps: Record<string, StepContext>;
  /** the job's status (job level) or the composite's own (action_status) */
  status: Status;
  /** composite level: its inputs, folder and the env context of the step that called it (as it was then) */
  inputs?: Record<string, string>;
  actionDir?: string;
  callerEnv?: Record<string, string>;
  /** composite level: the `env:` of the calling steps alone (a post step's env context is made anew from them) */
  callerOwnEnv?: Record<string, string>;
  /** the post steps registered while this level ran, oldest first */
  posts: PostEntry[];
  template: TemplateContext;
}

type PostEntry =
  | {
      kind: 'node';
      path: string;
      action: Action;
      inputs: Record<string, string>;
      state: Record<string, string>;
      ownEnv: Record<string, string>;
      level: Level;
    }
  | { kind: 'composite'; path: string; entries: PostEntry[] };

interface Action {
  dir: string;
  using: string;
  main?: string;
  post?: string;
  postIf?: string;
  inputs: Map<string, TemplateToken | undefined>;
  outputs: Map<string, TemplateToken | undefined>;
  steps: MappingToken[];
  template: TemplateContext;
}

const STATUS_FUNCTIONS = ['success', 'failure', 'always', 'cancelled'];

/** Runs one job of a workflow (main steps, then the post steps in reverse order) and returns what it left. */
export async function runJob(opts: JobOptions): Promise<CallerJob> {
  const file = opts.file ?? 'workflow.yml';
  const parsed = parseWorkflow({ name: file, content: opts.workflow }, new NoOperationTraceWriter());
  schemaErrors(file, parsed.context);
  const root = parsed.value as MappingToken;
  const jobToken = mappingAt(mappingAt(root, 'jobs'), opts.job);
  for (const unsupported of ['defaults', 'container', 'services', 'strategy', 'uses'])
    if (jobToken.find(unsupported) || (unsupported === 'defaults' && root.find('defaults')))
      throw new Error(`${file}: jobs.${opts.job}.${unsupported} is not emulated`);

  const runnerTemp = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-temp-'));
  const toolCache = opts.toolCache ?? fs.mkdtempSync(path.join(os.tmpdir(), 'runner-tool-cache-'));
  const workspace = opts.workspace ?? fs.mkdtempSync(path.join(os.tmpdir(), 'runner-workspace-'));
  const github = {
    action: '',
    action_path: '',
    action_status: '',
    actor: 'octocat',
    api_url: 'https://api.github.com',
    event_name: 'push',
    event: {},
    job: opts.job,
    ref: 'refs/heads/main',
    ref_name: 'main',
    repository: 'acme/shop',
    repository_owner: 'acme',
    run_id: '4242',
    run_number: '7',
    server_url: 'https://github.com',
    sha: 'ffac537e6cbbf934b08745a378932722df287a53',
    workspace,
    ...opts.github,
  };
  const runner = { os: 'Linux', arch: 'X64', name: 'emulated', temp: runnerTemp, tool_cache: toolCache };
  const machineEnv: Record<string, string> = {
    ...cleanEnv(),
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: workspace,
    GITHUB_RUN_ID: String(github.run_id),
    GITHUB_JOB: opts.job,
    GITHUB_REPOSITORY: String(github.repository),
    GITHUB_REPOSITORY_OWNER: String(github.repository_owner),
    GITHUB_SHA: String(github.sha),
    GITHUB_REF: String(github.ref),
    GITHUB_REF_NAME: String(github.ref_name),
    GITHUB_EVENT_NAME: String(github.event_name),
    GITHUB_ACTOR: String(github.actor),
    RUNNER_OS: runner.os,
    RUNNER_ARCH: runner.arch,
    RUNNER_TEMP: runnerTemp,
    RUNNER_TOOL_CACHE: toolCache,
    ...opts.env,
  };

  const records: StepRun[] = [];
  const warnings: string[] = [];
  const masks = Object.values(opts.secrets ?? {}).filter(Boolean);
  const globalEnv: Record<string, string> = {};
  const addedPath: string[] = [];
  const job: Level = { kind: 'job', prefix: '', steps: {}, status: 'success', posts: [], template: parsed.context };

  /** The expression contexts of a level (`env` is the step's own, given apart). */
  const contexts = (level: Level, env: Record<string, string>): Record<string, unknown> => {
    const common = {
      env,
      steps: level.steps,
      runner,
      job: { status: job.status },
      matrix: {},
      strategy: {},
    };
    if (level.kind === 'job')
      return {
        ...common,
        github,
        secrets: { GITHUB_TOKEN: 'emulated-token', ...opts.secrets },
        vars: opts.vars ?? {},
        needs: {},
        inputs: {},
      };
    return {
      ...common,
      github: { ...github, action_path: level.actionDir, action_status: level.status },
      inputs: level.inputs ?? {},
    };
  };
  /** success() and friends: the composite's own status in its main steps, else the job's. */
  const statusOf = (level: Level, stage: 'main' | 'post'): Status =>
    level.kind === 'composite' && stage === 'main' ? level.status : job.status;
  const evalIn = (level: Level, env: Record<string, string>, stage: 'main' | 'post' = 'main') => {
    const ctx = contexts(level, env);
    const status = statusOf(level, stage);
    return {
      text: (token: TemplateToken | undefined) => evaluateToText(token, ctx, status),
      condition: (expression: string) => truthy(evaluate(expression, ctx, status)),
    };
  };
  // As the runner: the job's env (GITHUB_ENV as it is now), then the env context of the step that called the
  // composite AS IT WAS when that step started (so a value set before the composite wins over GITHUB_ENV inside it).
  const envContext = (level: Level) => ({ ...globalEnv, ...level.callerEnv });
  const processEnv = (env: Record<string, string>, extra: Record<string, string>) => ({
    ...machineEnv,
    ...env,
    ...extra,
    PATH: [...addedPath, machineEnv.PATH ?? ''].join(path.delimiter),
  });
  /** Applies what a step wrote for the later steps of the job: GITHUB_ENV, GITHUB_PATH, masks. */
  const absorb = (result: StepResult) => {
    Object.assign(globalEnv, result.exportedEnv);
    for (const p of result.addedPath) {
      const at = addedPath.indexOf(p);
      if (at >= 0) addedPath.splice(at, 1);
      addedPath.unshift(p);
    }
    masks.push(...result.masks);
  };
  const processName = (stepPath: string, stage: string) => `${stage}_${stepPath.replace(/[^A-Za-z0-9_-]/g, '_')}`;

  const runNode = async (
    stepPath: string,
    stage: 'main' | 'post',
    action: Action,
    inputs: Record<string, string>,
    env: Record<string, string>,
    state: Record<string, string>,
  ): Promise<StepResult> => {
    const script = path.join(action.dir, (stage === 'main' ? action.main : action.post) as string);
    const inputEnv = Object.fromEntries(
      Object.entries(inputs).map(([k, v]) => [`INPUT_${k.replace(/ /g, '_').toUpperCase()}`, v]),
    );
    const stateEnv = Object.fromEntries(Object.entries(state).map(([k, v]) => [`STATE_${k}`, v]));
    const full = processEnv(env, {
      ...inputEnv,
      ...stateEnv,
      GITHUB_ACTION: stepPath,
      GITHUB_ACTION_PATH: action.dir,
    });
    const result = await runStep(
      processName(stepPath, stage),
      () => [process.execPath, script],
      full,
      workspace,
      runnerTemp,
      {
        timeoutMs: opts.timeoutMs,
      },
    );
    records.push({
      path: stepPath,
      stage,
      kind: 'node',
      conclusion: result.exitCode === 0 ? 'success' : 'failure',
      process: result,
      env: full,
      outputs: result.outputs,
    });
    absorb(result);
    return result;
  };

  /** The inputs an action gets: `with:` over its action.yml defaults (evaluated in the caller's level). */
  const actionInputs = (
    action: Action,
    withToken: TemplateToken | undefined,
    ev: ReturnType<typeof evalIn>,
    stepPath: string,
  ) => {
    const given = new Map<string, string>();
    if (withToken && isMapping(withToken))
      for (const pair of withToken) given.set(pair.key.toString(), ev.text(pair.value));
    const inputs: Record<string, string> = {};
    for (const [name, def] of action.inputs)
      inputs[name] = given.has(name) ? (given.get(name) as string) : ev.text(def);
    const unknown = [...given.keys()].filter((k) => !action.inputs.has(k));
    if (unknown.length) warnings.push(`${stepPath}: Unexpected input(s) ${unknown.map((k) => `'${k}'`).join(', ')}`);
    for (const k of unknown) inputs[k] = given.get(k) as string;
    return inputs;
  };

  /** Runs the steps of one level in order, as the runner's StepsRunner (job) or CompositeActionHandler does. */
  const runSteps = async (level: Level, stepTokens: MappingToken[]): Promise<void> => {
    for (const [index, token] of stepTokens.entries()) {
      for (const unsupported of ['continue-on-error', 'timeout-minutes'])
        if (token.find(unsupported))
          throw new Error(`step ${level.prefix}${index + 1}: ${unsupported} is not emulated`);
      const idToken = token.find('id');
      const id = idToken && isString(idToken) ? idToken.value : '';
      const stepPath = `${level.prefix}${id || `#${index + 1}`}`;
      const record = (r: Omit<StepRun, 'path' | 'stage'>) => {
        records.push({ path: stepPath, stage: 'main', ...r });
        if (id) level.steps[id] = { outputs: r.outputs, outcome: r.conclusion, conclusion: r.conclusion };
        if (r.conclusion === 'failure') level.status = 'failure';
      };

      const kindOf = token.find('run') ? 'run' : 'uses';
      let env: Record<string, string> = envContext(level);
      const ownEnv: Record<string, string> = {};
      let ev = evalIn(level, env);
      try {
        const ifToken = token.find('if');
        const condition = ifToken ? convertToIfCondition(level.template, ifToken)?.expression : 'success()';
        if (condition === undefined) throw new Error(`${stepPath}: invalid if: ${schemaText(level.template)}`);
        if (!ev.condition(condition)) {
          record({ kind: kindOf, conclusion: 'skipped', outputs: {} });
          continue;
        }
        const envToken = token.find('env');
        if (envToken && isMapping(envToken)) {
          for (const pair of envToken) ownEnv[pair.key.toString()] = ev.text(pair.value);
          env = { ...env, ...ownEnv };
          ev = evalIn(level, env);
        }
      } catch (err) {
        record({ kind: kindOf, conclusion: 'failure', outputs: {}, error: (err as Error).message });
        if (level.kind === 'composite') break;
        continue;
      }

      const runToken = token.find('run');
      if (runToken) {
        let argv: (dir: string) => string[];
        let cwd = workspace;
        try {
          const script = ev.text(runToken);
          const shellToken = token.find('shell');
          const shell = shellToken ? ev.text(shellToken) : undefined;
          const wd = token.find('working-directory');
          if (wd) cwd = path.resolve(workspace, ev.text(wd));
          const shells: Record<string, string[]> = {
            bash: ['bash', '--noprofile', '--norc', '-eo', 'pipefail'],
            sh: ['sh', '-e'],
            '': ['bash', '-e'],
          };
          const prefix = shells[shell ?? ''];
          if (!prefix) throw new Error(`${stepPath}: shell ${shell} is not emulated`);
          argv = (dir) => {
            const scriptFile = path.join(dir, `${randomUUID()}.sh`);
            fs.writeFileSync(scriptFile, script);
            return [...prefix, scriptFile];
          };
        } catch (err) {
          record({ kind: 'run', conclusion: 'failure', outputs: {}, error: (err as Error).message });
          if (level.kind === 'composite') break;
          continue;
        }
        const extra: Record<string, string> = { GITHUB_ACTION: stepPath };
        if (level.actionDir) extra.GITHUB_ACTION_PATH = level.actionDir;
        const full = processEnv(env, extra);
        const result = await runStep(processName(stepPath, 'main'), argv, full, cwd, runnerTemp, {
          timeoutMs: opts.timeoutMs,
        });
        absorb(result);
        record({
          kind: 'run',
          conclusion: result.exitCode === 0 ? 'success' : 'failure',
          process: result,
          env: full,
          outputs: result.outputs,
        });
        continue;
      }

      const uses = ev.text(token.find('uses'));
      if (opts.prepared?.includes(uses)) {
        record({ kind: 'prepared', conclusion: 'success', outputs: {} });
        continue;
      }
      const action = loadAction(resolveUses(uses, workspace, opts.actions));
      const inputs = actionInputs(action, token.find('with'), ev, stepPath);

      if (action.using === 'composite') {
        const entry: PostEntry = { kind: 'composite', path: stepPath, entries: [] };
        level.posts.push(entry);
        const inner: Level = {
          kind: 'composite',
          prefix: `${stepPath}/`,
          steps: {},
          status: 'success',
          inputs,
          actionDir: action.dir,
          callerEnv: env,
          callerOwnEnv: { ...level.callerOwnEnv, ...ownEnv },
          posts: entry.entries,
          template: action.template,
        };
        await runSteps(inner, action.steps);
        const outputs: Record<string, string> = {};
        let error: string | undefined;
        try {
          const out = evalIn(inner, envContext(inner));
          for (const [name, value] of action.outputs) outputs[name] = out.text(value);
        } catch (err) {
          error = (err as Error).message;
        }
        record({ kind: 'composite', conclusion: error ? 'failure' : inner.status, outputs, error });
        continue;
      }

      // A node action: its post is registered before its main runs, and gets the state its main saved.
      const entry: PostEntry = {
        kind: 'node',
        path: stepPath,
        action,
        inputs,
        state: {},
        ownEnv: { ...level.callerOwnEnv, ...ownEnv },
        level,
      };
      if (action.post) level.posts.push(entry);
      const result = await runNode(stepPath, 'main', action, inputs, env, {});
      entry.state = result.state;
      if (id) level.steps[id] = { outputs: result.outputs, outcome: 'success', conclusion: 'success' };
      if (result.exitCode !== 0) {
        level.status = 'failure';
        if (id) level.steps[id] = { outputs: result.outputs, outcome: 'failure', conclusion: 'failure' };
      }
    }
  };

  const runPosts = async (entries: PostEntry[]): Promise<void> => {
    for (const entry of [...entries].reverse()) {
      if (entry.kind === 'composite') {
        await runPosts(entry.entries);
        continue;
      }
      // A post step's env context is made when it runs: the job's env now, then the calling steps' own env.
      const env = { ...globalEnv, ...entry.ownEnv };
      let run = false;
      try {
        run = evalIn(entry.level, env, 'post').condition(entry.action.postIf ?? 'always()');
      } catch (err) {
        records.push({
          path: entry.path,
          stage: 'post',
          kind: 'node',
          conclusion: 'failure',
          outputs: {},
          error: `${err}`,
        });
        job.status = 'failure';
        continue;
      }
      if (!run) {
        records.push({ path: entry.path, stage: 'post', kind: 'node', conclusion: 'skipped', outputs: {} });
        continue;
      }
      const result = await runNode(entry.path, 'post', entry.action, entry.inputs, env, entry.state);
      if (result.exitCode !== 0) job.status = 'failure';
    }
  };

  // The job's env context: the workflow's, then the job's (GITHUB_ENV writes over both).
  for (const scope of [root, jobToken]) {
    const envToken = scope.find('env');
    if (envToken && isMapping(envToken))
      for (const pair of envToken) globalEnv[pair.key.toString()] = evalIn(job, { ...globalEnv }).text(pair.value);
  }
  const stepsToken = jobToken.find('steps');
  if (!stepsToken || !isSequence(stepsToken)) throw new Error(`${file}: jobs.${opts.job} has no steps`);
  await runSteps(job, [...stepsToken].filter(isMapping));
  await runPosts(job.posts);

  const processes = records.flatMap((r) => (r.process ? [r.process] : []));
  return {
    status: job.status,
    steps: records,
    step(stepPath, stage = 'main') {
      const found = records.find((r) => r.path === stepPath && r.stage === stage);
      if (!found)
        throw new Error(`no ${stage} step ${stepPath}; ran: ${records.map((r) => `${r.stage} ${r.path}`).join(', ')}`);
      return found;
    },
    env: { ...globalEnv },
    summary: processes.map((p) => p.summary).join(''),
    masks,
    annotations: processes.flatMap((p) => p.annotations),
    warnings,
    workspace,
    runnerTemp,
    toolCache,
    leftInRunnerTemp: () => filesBelow(runnerTemp).filter((f) => !f.startsWith('_runner_file_commands_')),
    shown: () =>
      [...processes.map(stepText), ...records.map((r) => JSON.stringify(r.outputs))]
        .join('\n')
        .split('\n')
        .filter((line) => !line.startsWith('::add-mask::'))
        .join('\n'),
    cleanup: () => {
      for (const dir of [runnerTemp, opts.toolCache ? '' : toolCache, opts.workspace ? '' : workspace])
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Evaluates one expression with GitHub's library: the Lexer's tokens, the Parser's tree (only the given contexts and
 * the status functions are known names), the Evaluator over the contexts as the library's data (via its reviver).
 */
export function evaluate(expression: string, contexts: Record<string, unknown>, status: Status): data.ExpressionData {
  const { tokens } = new Lexer(expression).lex();
  const functions = new Map<string, FunctionDefinition>(
    STATUS_FUNCTIONS.map((name) => [
      name,
      {
        name,
        minArgs: 0,
        maxArgs: 0,
        call: () =>
          new data.BooleanData(
            name === 'always' ? true : name === 'cancelled' ? false : (name === 'success') === (status === 'success'),
          ),
      },
    ]),
  );
  const tree = new Parser(tokens, Object.keys(contexts), [...functions.values()]).parse();
  const context = JSON.parse(JSON.stringify(contexts), data.reviver) as data.Dictionary;
  return new Evaluator(tree, context, functions).evaluate();
}

/** A template value as the runner puts it into an input or env: literals as text, `${{ }}` evaluated to text. */
function evaluateToText(token: TemplateToken | undefined, contexts: Record<string, unknown>, status: Status): string {
  if (token === undefined) return '';
  if (isString(token)) return token.value;
  if (isBoolean(token) || isNumber(token)) return token.toString();
  if (isBasicExpression(token)) {
    const value = evaluate(token.expression, contexts, status);
    if (value.kind === data.Kind.Null) return '';
    if (value.primitive) return value.coerceString();
    throw new Error(`\${{ ${token.expression} }} is an object or array where the runner needs a string`);
  }
  if (token.isLiteral) return ''; // null
  throw new Error(`a ${token.constructor.name} where the runner needs a string`);
}

function schemaText(context: TemplateContext): string {
  return context.errors
    .getErrors()
    .map((e) => e.message)
    .join('; ');
}

function schemaErrors(file: string, context: TemplateContext): void {
  if (context.errors.getErrors().length)
    throw new Error(`${file} does not pass GitHub's schema: ${schemaText(context)}`);
}

function mappingAt(token: MappingToken, key: string): MappingToken {
  const found = token.find(key);
  if (!found || !isMapping(found)) throw new Error(`no mapping "${key}"`);
  return found;
}

function resolveUses(uses: string, workspace: string, actions: Record<string, string> = {}): string {
  if (uses.startsWith('./')) return path.resolve(workspace, uses);
  if (uses.startsWith('docker://')) throw new Error(`uses: ${uses}: docker actions are not emulated`);
  const dir = actions[uses];
  if (!dir) throw new Error(`uses: ${uses}: no local folder for it in options.actions (the runner would download it)`);
  return dir;
}

/**
 * Reads an action's action.yml with GitHub's action schema (@actions/workflow-parser): a schema error (a `run:`
 * without `shell:` in a composite, a `secrets` context there, an unknown key) fails the step as it fails on GitHub.
 */
export function loadAction(dir: string): Action {
  const name = ['action.yml', 'action.yaml'].find((n) => fs.existsSync(path.join(dir, n)));
  if (!name) throw new Error(`${dir} has no action.yml`);
  const file = path.join(dir, name);
  const parsed = parseAction({ name: file, content: fs.readFileSync(file, 'utf8') }, new NoOperationTraceWriter());
  schemaErrors(file, parsed.context);
  const root = parsed.value as MappingToken;
  const runs = mappingAt(root, 'runs');
  const text = (key: string) => {
    const t = runs.find(key);
    return t && isString(t) ? t.value : undefined;
  };
  const using = text('using') ?? '';
  const entries = (key: string, field: string) => {
    const found = root.find(key);
    const map = new Map<string, TemplateToken | undefined>();
    if (found && isMapping(found))
      for (const pair of found)
        map.set(pair.key.toString(), isMapping(pair.value) ? pair.value.find(field) : undefined);
    return map;
  };
  if (!/^node\d+$/.test(using) && using !== 'composite')
    throw new Error(`${file}: runs.using ${using} is not emulated`);
  if (runs.find('pre')) throw new Error(`${file}: pre steps are not emulated`);
  const steps = runs.find('steps');
  return {
    dir,
    using,
    main: text('main'),
    post: text('post'),
    postIf: text('post-if'),
    inputs: entries('inputs', 'default'),
    outputs: entries('outputs', 'value'),
    steps: steps && isSequence(steps) ? [...steps].filter(isMapping) : [],
    template: parsed.context,
  };
}
