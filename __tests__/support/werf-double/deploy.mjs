// The release and namespace werf deploys into (pkg/config/deploy_params), and the deploy of `werf converge`,
// EMULATED: there is no Kubernetes API server on the development machines.
import yaml from 'js-yaml';
import { WerfError } from './cli.mjs';
import { helmRelease, kubernetesNamespace, namespaceProblem, releaseProblem } from './slug.mjs';

/** werf.yaml's meta document: `project` and the `deploy` section (namespace, namespaceSlug, helmRelease, ...). */
function metaOf(werfYaml) {
  try {
    const meta = yaml.loadAll(werfYaml).find((d) => d && typeof d === 'object' && d.project);
    if (meta) return { project: String(meta.project), deploy: meta.deploy ?? {} };
  } catch {
    // a templated werf.yaml the double cannot parse as YAML: the project line is enough
  }
  return { project: /^project:\s*["']?([^"'\s#]+)/m.exec(werfYaml)?.[1] ?? '', deploy: {} };
}

// Each deploy param: werf.yaml's keys for it, werf's slug and validation, and its words in werf's errors.
const PARAMS = {
  namespace: {
    key: 'namespace',
    slugKey: 'namespaceSlug',
    slug: kubernetesNamespace,
    problem: namespaceProblem,
    name: 'Kubernetes namespace',
    renderName: 'Kubernetes namespace',
    noun: 'namespace',
  },
  release: {
    key: 'helmRelease',
    slugKey: 'helmReleaseSlug',
    slug: helmRelease,
    problem: releaseProblem,
    name: 'Helm release',
    renderName: 'Helm release name',
    noun: 'release name',
  },
};

/**
 * werf's GetKubernetesNamespace and GetHelmRelease: the option (converge's --namespace or --release) as it is, else
 * werf.yaml's template (deploy.namespace, deploy.helmRelease), else `[[ project ]]` (no env) or
 * `[[ project ]]-[[ env ]]`, rendered and slugified (unless deploy.namespaceSlug / helmReleaseSlug is false, when an
 * invalid name is an error). The double renders `project` and `env` only (werf has sprig's functions too).
 */
function deployParam(which, option, env, werfYaml) {
  const p = PARAMS[which];
  if (option) {
    const problem = p.problem(option);
    if (problem) throw new WerfError(`bad ${p.name} specified "${option}": ${problem}`);
    return option;
  }
  const { project, deploy } = metaOf(werfYaml);
  const template = deploy[p.key] ?? (env ? '[[ project ]]-[[ env ]]' : '[[ project ]]');
  const rendered = template.replace(/\[\[-?\s*(\w+)\s*-?\]\]/g, (whole, name) => {
    if (name === 'project') return project;
    if (name === 'env') return env;
    throw new WerfError(
      `cannot render ${p.renderName} by template "${template}": the werf test double renders only [[ project ]] and [[ env ]], not ${whole}`,
    );
  });
  if (rendered === '')
    throw new WerfError(`${p.name} rendered by template "${template}" is empty: ${p.noun} cannot be empty`);
  if (deploy[p.slugKey] !== false) return p.slug(rendered);
  const problem = p.problem(rendered);
  if (problem) throw new WerfError(`bad ${p.name} "${rendered}" rendered by template "${template}": ${problem}`);
  return rendered;
}

/** The namespace werf deploys into (see deployParam); `namespaceOption` is converge's --namespace. */
export const kubernetesNamespaceOf = (namespaceOption, env, werfYaml) =>
  deployParam('namespace', namespaceOption, env, werfYaml);

/** The Helm release werf deploys (see deployParam); `releaseOption` is converge's --release. */
export const helmReleaseOf = (releaseOption, env, werfYaml) => deployParam('release', releaseOption, env, werfYaml);

/** Prints werf-like deploy lines for the release; WERF_DOUBLE_DEPLOY_ERROR=<text> makes it fail with that text. */
export function emulateDeploy(flags, werfYaml, out) {
  const namespace = kubernetesNamespaceOf(flags.namespace, flags.env, werfYaml);
  const release = helmReleaseOf(flags.release, flags.env, werfYaml);
  out(`Deploying release "${release}" (namespace: "${namespace}") [EMULATED by werf-double: no Kubernetes API]\n`);
  if (flags['set-docker-config-json-value']) out('Using docker config as .Values.global.werf.dockerconfigjson\n');
  const failure = process.env.WERF_DOUBLE_DEPLOY_ERROR;
  if (failure) throw new WerfError(failure);
  out(`Release "${release}" has been deployed successfully\n`);
}
