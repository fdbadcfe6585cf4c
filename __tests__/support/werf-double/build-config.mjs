// What `werf build` / `werf converge` of the double read before pushing: flags, werf.yaml (through giterminism),
// repository addresses, werf.yaml's images, and the Docker daemon's insecure-registries.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import yaml from 'js-yaml';
import { DOCKER_CONFIG_FLAG, LOG_FLAGS, WerfError } from './cli.mjs';

/** Flags on build, converge and helm get-namespace that choose which werf.yaml is read and how (giterminism). */
export const GITERMINISM_FLAGS = {
  'git-work-tree': { type: 'string', env: 'WERF_GIT_WORK_TREE' },
  'config-templates-dir': { type: 'string', env: 'WERF_CONFIG_TEMPLATES_DIR' },
  'giterminism-config': { type: 'string', env: 'WERF_GITERMINISM_CONFIG' },
  'loose-giterminism': { type: 'bool', env: 'WERF_LOOSE_GITERMINISM' },
  dev: { type: 'bool', env: 'WERF_DEV' },
  'dev-branch': { type: 'string', env: 'WERF_DEV_BRANCH' },
  'dev-ignore': { type: 'array' },
};

/** Flags of `werf build` with their env twins (converge adds CONVERGE_FLAGS). */
export const COMMON_FLAGS = {
  repo: { type: 'string', env: 'WERF_REPO' },
  'final-repo': { type: 'string', env: 'WERF_FINAL_REPO' },
  'repo-container-registry': { type: 'string', env: 'WERF_REPO_CONTAINER_REGISTRY' },
  'final-repo-container-registry': { type: 'string', env: 'WERF_FINAL_REPO_CONTAINER_REGISTRY' },
  'insecure-registry': { type: 'bool', env: 'WERF_INSECURE_REGISTRY' },
  'skip-tls-verify-registry': { type: 'bool', env: 'WERF_SKIP_TLS_VERIFY_REGISTRY' },
  'docker-config': DOCKER_CONFIG_FLAG,
  'save-build-report': { type: 'bool', env: 'WERF_SAVE_BUILD_REPORT' },
  'build-report-path': { type: 'string', env: 'WERF_BUILD_REPORT_PATH' },
  platform: { type: 'array', env: 'WERF_PLATFORM' },
  'add-custom-tag': { type: 'array' },
  env: { type: 'string', env: 'WERF_ENV' },
  'kube-context': { type: 'string', env: 'WERF_KUBE_CONTEXT' },
  'kube-config': { type: 'string', env: 'WERF_KUBE_CONFIG' },
  'kube-config-base64': { type: 'string', env: 'WERF_KUBE_CONFIG_BASE64' },
  dir: { type: 'string', env: 'WERF_DIR' },
  config: { type: 'string', env: 'WERF_CONFIG' },
  ...GITERMINISM_FLAGS,
  ...LOG_FLAGS,
};
/** `werf converge` flags: build's plus the deploy ones (unknown to build). */
export const CONVERGE_FLAGS = {
  ...COMMON_FLAGS,
  namespace: { type: 'string', env: 'WERF_NAMESPACE' },
  'require-built-images': { type: 'bool', short: 'Z', env: 'WERF_REQUIRE_BUILT_IMAGES' },
  'set-docker-config-json-value': { type: 'bool', env: 'WERF_SET_DOCKER_CONFIG_JSON_VALUE' },
  release: { type: 'string', env: 'WERF_RELEASE' },
  set: { type: 'array' },
  'set-string': { type: 'array' },
  values: { type: 'array' },
};

// distribution/reference: [domain/]path, no tag, no digest; otherwise werf's accessor refuses the address.
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*';
const DOMAIN =
  '(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::[0-9]+)?';
const REPOSITORY = new RegExp(`^(?:${DOMAIN}/)?${COMPONENT}(?:/${COMPONENT})*$`);

/** host[:port] of a repository address (docker.io when the first part is not a host). */
export function repoHost(repo) {
  const first = repo.split('/')[0];
  return repo.includes('/') && (/[.:]/.test(first) || first === 'localhost') ? first : 'docker.io';
}

/** Throws werf's late error for an address with a tag or digest (which: 'stages' or 'final'). */
export function checkRepo(repo, which) {
  if (REPOSITORY.test(repo)) return;
  const inner = `error creating container registry accessor for repo "${repo}": invalid repository address "${repo}"`;
  throw new WerfError(which === 'final' ? `error get final stages storage: ${inner}` : inner);
}

/** Image names of werf.yaml (YAML documents with `image: NAME`); falls back to a line scan for templated files. */
export function imagesOf(text) {
  try {
    return yaml
      .loadAll(text)
      .filter((d) => d && typeof d === 'object' && d.image)
      .map((d) => ({ name: String(d.image), configType: d.dockerfile !== undefined ? 'dockerfile' : 'stapel' }));
  } catch {
    return [...text.matchAll(/^image:\s*["']?([^"'\s#]+)/gm)].map((m) => ({ name: m[1], configType: 'dockerfile' }));
  }
}

/** True when daemon.json (WERF_DOUBLE_DAEMON_JSON) lists host, or a CIDR holding it, in insecure-registries. */
export function daemonInsecure(host) {
  const file = process.env.WERF_DOUBLE_DAEMON_JSON || '/etc/docker/daemon.json';
  let list = [];
  try {
    list = JSON.parse(readFileSync(file, 'utf8'))['insecure-registries'] ?? [];
  } catch {
    return false;
  }
  const ip = host.split(':')[0];
  const toInt = (a) => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
  return list.some((entry) => {
    if (entry === host) return true;
    const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(entry);
    if (!m || !/^\d+\.\d+\.\d+\.\d+$/.test(ip)) return false;
    const bits = Number(m[2]);
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    return (toInt(ip) & mask) >>> 0 === (toInt(m[1]) & mask) >>> 0;
  });
}

const git = (cwd, args) => spawnSync('git', ['-C', cwd, ...args], { encoding: 'utf8' });

// giterminism's errors (pkg/giterminism_manager/file_reader/errors.go) for a werf.yaml git does not have as it is.
function notCommitted(relPath, untracked, dev) {
  const action = dev ? 'must be staged' : 'must be committed';
  const what = untracked ? `the untracked file "${relPath}" ${action}` : `the file "${relPath}" ${action}`;
  const hint = dev
    ? `To stage the changes use the following command: "git add ${relPath}".`
    : 'You may be interested in the development mode (activated by the --dev option), which allows working with project files without doing redundant commits during debugging and development.';
  return new WerfError(`unable to read werf config: ${what}\n\n${hint}`);
}

/**
 * werf.yaml (or --config) of the project dir (--dir, else the working directory), read through giterminism: in a git
 * work tree, the file as committed in HEAD (an uncommitted change or an untracked file is werf's error), or with
 * --dev the file in the work tree (an untracked one must be staged). Outside a git work tree the double reads the
 * file as it is (real werf refuses to run there), so that test projects need no repository.
 */
export function readWerfConfig(flags) {
  const projectDir = flags.dir ? resolve(flags.dir) : process.cwd();
  const configPath = flags.config
    ? isAbsolute(flags.config)
      ? flags.config
      : join(projectDir, flags.config)
    : ['werf.yaml', 'werf.yml'].map((n) => join(projectDir, n)).find((p) => existsSync(p));
  if (!configPath || !existsSync(configPath))
    throw new WerfError(
      `unable to read werf config: the werf config "${flags.config || 'werf.yaml'}" not found in the project directory "${projectDir}"`,
    );
  const top = git(projectDir, ['rev-parse', '--show-toplevel']);
  if (top.status !== 0) return readFileSync(configPath, 'utf8');
  const workTree = top.stdout.trim();
  const relPath = relative(projectDir, configPath);
  const fromTop = relative(workTree, configPath);
  const status = git(workTree, ['status', '--porcelain', '--', fromTop]).stdout;
  if (status.startsWith('??')) throw notCommitted(relPath, true, flags.dev);
  if (flags.dev) return readFileSync(configPath, 'utf8');
  if (status.trim() !== '') throw notCommitted(relPath, false, false);
  const committed = git(workTree, ['show', `HEAD:${fromTop}`]);
  if (committed.status !== 0)
    throw new WerfError(`unable to read werf config: the file "${relPath}" not found in the project git repository`);
  return committed.stdout;
}
