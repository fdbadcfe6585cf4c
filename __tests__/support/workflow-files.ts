// The YAML that users run or copy, found in one place for the tests that check it: the workflows in
// .github/workflows, everything under examples/ (workflows, and action metadata such as a composite action), and the
// complete workflows in README.md. Also the action's published name and what each `uses:` of ours refers to.
import * as fs from 'node:fs';
import * as path from 'node:path';
import yaml from 'js-yaml';
import { repoRoot } from './runner.js';

export type Yaml = Record<string, unknown>;

/** A file (or README block) with its parsed content; `kind` says what GitHub would read it as. */
export interface YamlDocument {
  /** repository-relative path, or `README.md#N` for the README's N-th yaml block */
  file: string;
  source: string;
  doc: Yaml;
  kind: 'workflow' | 'action';
  /** README blocks are excerpts for people to read; files are what people copy whole */
  excerpt: boolean;
}

/** werf's own files in the example projects (werf.yaml, the chart in .helm/): YAML, but neither a workflow nor an action. */
const WERF_PROJECT_FILE = /(^|\/)(werf(-giterminism)?\.ya?ml$|\.helm\/)/;

/** What GitHub reads a YAML document as: a workflow (`on` and `jobs`), an action (`runs`), or neither. */
export function kindOf(doc: unknown): YamlDocument['kind'] | undefined {
  if (!doc || typeof doc !== 'object') return undefined;
  if ('on' in doc && 'jobs' in doc) return 'workflow';
  if ('runs' in doc) return 'action';
  return undefined;
}

/** Every .yml/.yaml file in a folder (and below it, if `recursive`), repository-relative and sorted, werf's project files left out. */
function yamlFilesIn(dir: string, recursive: boolean): string[] {
  const abs = path.join(repoRoot, dir);
  if (!fs.existsSync(abs)) return [];
  return fs
    .readdirSync(abs, { recursive, withFileTypes: true })
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => path.relative(repoRoot, path.join(e.parentPath, e.name)))
    .filter((file) => !WERF_PROJECT_FILE.test(file))
    .sort();
}

/**
 * The YAML files users run or copy: .github/workflows/*.yml and every YAML file under examples/ (any depth). A file
 * that is neither a workflow nor an action is listed with `kind` undefined, so that a test can say so.
 */
export function yamlFiles(): Array<Omit<YamlDocument, 'kind'> & { kind: YamlDocument['kind'] | undefined }> {
  // GitHub reads workflows only from .github/workflows itself, not from its subfolders.
  const files = [...yamlFilesIn('.github/workflows', false), ...yamlFilesIn('examples', true)];
  return files.map((file) => {
    const source = fs.readFileSync(path.join(repoRoot, file), 'utf8');
    const doc = yaml.load(source) as Yaml;
    return { file, source, doc, kind: kindOf(doc), excerpt: false };
  });
}

/** The README's ```yaml blocks that are complete workflows or actions. README_PATH: another README (a draft). */
export function readmeDocuments(): YamlDocument[] {
  const readme = process.env.README_PATH ?? path.join(repoRoot, 'README.md');
  if (!fs.existsSync(readme)) return [];
  const blocks = [...fs.readFileSync(readme, 'utf8').matchAll(/^```ya?ml\n([\s\S]*?)^```/gm)];
  const found: YamlDocument[] = [];
  blocks.forEach((m, i) => {
    const source = m[1] as string;
    const doc = yaml.load(source) as Yaml;
    const kind = kindOf(doc);
    if (kind) found.push({ file: `README.md#${i + 1}`, source, doc, kind, excerpt: true });
  });
  return found;
}

/** Every workflow and action users run or copy: the files, then the README's blocks. */
export function yamlDocuments(): YamlDocument[] {
  return [...yamlFiles().filter((d): d is YamlDocument => d.kind !== undefined), ...readmeDocuments()];
}

/**
 * The action's published name, `owner/repo`, from package.json's `repository` (the one place to change it: a fork
 * or a move changes that line, and the tests then show every place that still says the old name).
 */
export function actionName(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
    repository?: { url?: string } | string;
  };
  const url = typeof pkg.repository === 'string' ? pkg.repository : (pkg.repository?.url ?? '');
  const m = /github\.com[/:]([^/]+\/[^/]+?)(?:\.git)?$/.exec(url);
  if (!m) throw new Error(`package.json "repository" is not a GitHub repository URL: ${JSON.stringify(url)}`);
  return m[1] as string;
}

/** The `uses:` of a step or job: where it points, split into its parts. */
export interface UsesRef {
  raw: string;
  /** `owner/repo` for a remote action or workflow; undefined for `./…` and `docker://…` */
  repo?: string;
  /** the path inside the repository, '' for an action at the root */
  subpath?: string;
  ref?: string;
}

/** Splits a `uses:` value: `owner/repo[/path]@ref`, a local `./path`, or `docker://image`. */
export function parseUses(raw: string): UsesRef {
  const m = /^([^/@\s]+\/[^/@\s]+)((?:\/[^@\s]+)?)@(\S+)$/.exec(raw);
  if (!m) return { raw };
  return { raw, repo: m[1], subpath: (m[2] as string).replace(/^\//, ''), ref: m[3] };
}

/** Every `uses:` in a workflow (job-level and step-level) or in a composite action's steps, with where it is. */
export function usesIn(
  d: Pick<YamlDocument, 'doc' | 'kind' | 'file'>,
): Array<{ where: string; uses: string; node: Yaml }> {
  const found: Array<{ where: string; uses: string; node: Yaml }> = [];
  const steps = (list: unknown, where: string) =>
    ((Array.isArray(list) ? list : []) as Yaml[]).forEach((step, i) => {
      if (step && typeof step.uses === 'string')
        found.push({ where: `${where}.steps[${i}]`, uses: step.uses, node: step });
    });
  if (d.kind === 'workflow') {
    for (const [id, job] of Object.entries((d.doc.jobs ?? {}) as Record<string, Yaml>)) {
      if (typeof job.uses === 'string') found.push({ where: `jobs.${id}`, uses: job.uses, node: job });
      steps(job.steps, `jobs.${id}`);
    }
  } else {
    steps((d.doc.runs as Yaml | undefined)?.steps, 'runs');
  }
  return found;
}

/** The inputs, secrets and outputs that a callee (an action's action.yml, or a reusable workflow) declares. */
export interface Interface {
  inputs: Record<string, { required?: boolean; default?: unknown }>;
  outputs: Record<string, unknown>;
  /** for reusable workflows only */
  secrets?: Record<string, { required?: boolean }>;
}

function readYaml(file: string): Yaml {
  return yaml.load(fs.readFileSync(path.join(repoRoot, file), 'utf8')) as Yaml;
}

/** action.yml of this repository (the action) or of a local action folder (e.g. an example composite action). */
export function actionInterface(dir = '.'): Interface {
  const doc = readYaml(path.join(dir, 'action.yml'));
  return { inputs: (doc.inputs ?? {}) as Interface['inputs'], outputs: (doc.outputs ?? {}) as Interface['outputs'] };
}

/** A reusable workflow's `on.workflow_call`. */
export function workflowInterface(file: string): Interface {
  const call = ((readYaml(file).on as Yaml).workflow_call ?? {}) as Yaml;
  return {
    inputs: (call.inputs ?? {}) as Interface['inputs'],
    outputs: (call.outputs ?? {}) as Interface['outputs'],
    secrets: (call.secrets ?? {}) as Interface['secrets'],
  };
}

/**
 * Actions the examples publish under an example organisation's name, by the folder that holds them: `acme/ship@v1` is
 * examples/composite. Its version is the organisation's own business, not a third party's action to pin.
 */
export const EXAMPLE_ORGANISATION_ACTIONS: Record<string, string> = { 'acme/ship': 'examples/composite' };

/**
 * What a `uses:` of ours points to, with its interface: this action (by its published name, whatever the owner, so
 * that a wrong owner is reported by the name check and not missed here; or `./` in this repository's own workflows),
 * a reusable workflow of this repository, or a local action folder of the examples. undefined: a third party's.
 */
export function calleeOf(uses: string): { name: string; kind: 'action' | 'workflow'; iface: Interface } | undefined {
  const repoName = actionName().split('/')[1] as string;
  const ref = parseUses(uses);
  if (uses === './' || (ref.repo?.split('/')[1] === repoName && ref.subpath === '')) {
    return { name: 'action.yml', kind: 'action', iface: actionInterface() };
  }
  const workflowFile = uses.startsWith('./.github/workflows/')
    ? uses.slice(2)
    : ref.repo?.split('/')[1] === repoName && ref.subpath?.startsWith('.github/workflows/')
      ? ref.subpath
      : undefined;
  if (workflowFile && fs.existsSync(path.join(repoRoot, workflowFile))) {
    return { name: workflowFile, kind: 'workflow', iface: workflowInterface(workflowFile) };
  }
  if (uses.startsWith('./') && fs.existsSync(path.join(repoRoot, uses, 'action.yml'))) {
    return { name: `${uses.slice(2)}/action.yml`, kind: 'action', iface: actionInterface(uses) };
  }
  return undefined;
}
