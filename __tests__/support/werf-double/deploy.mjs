// The deploy of `werf converge`, EMULATED: there is no Kubernetes API server on the development machines.
import yaml from 'js-yaml';
import { WerfError } from './cli.mjs';

/** werf's default release name and namespace, `[[ project ]]-[[ env ]]` (just the project without an env). */
export function defaultNamespace(flags, werfYaml) {
  let project = 'project';
  try {
    project = yaml.loadAll(werfYaml).find((d) => d && d.project)?.project ?? project;
  } catch {
    project = /^project:\s*(\S+)/m.exec(werfYaml)?.[1] ?? project;
  }
  return flags.env ? `${project}-${flags.env}` : project;
}

/** Prints werf-like deploy lines for the release; WERF_DOUBLE_DEPLOY_ERROR=<text> makes it fail with that text. */
export function emulateDeploy(flags, werfYaml, out) {
  const release = flags.release || defaultNamespace(flags, werfYaml);
  const namespace = flags.namespace || defaultNamespace(flags, werfYaml);
  out(`Deploying release "${release}" (namespace: "${namespace}") [EMULATED by werf-double: no Kubernetes API]\n`);
  if (flags['set-docker-config-json-value']) out('Using docker config as .Values.global.werf.dockerconfigjson\n');
  const failure = process.env.WERF_DOUBLE_DEPLOY_ERROR;
  if (failure) throw new WerfError(failure);
  out(`Release "${release}" has been deployed successfully\n`);
}
