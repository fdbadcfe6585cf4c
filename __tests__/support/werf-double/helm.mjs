// `werf helm get-namespace` of the double: the Kubernetes namespace werf computes from werf.yaml and the env.
import { LOG_FLAGS, parseFlags, WerfError } from './cli.mjs';
import { GITERMINISM_FLAGS, readWerfConfig } from './build-config.mjs';
import { kubernetesNamespaceOf } from './deploy.mjs';

// cmd/werf/helm/get_namespace.go: the project dir, werf.yaml and giterminism, the env, and the common dirs. No
// --namespace (and so no WERF_NAMESPACE): it prints what werf would choose without one.
const GET_NAMESPACE_FLAGS = {
  dir: { type: 'string', env: 'WERF_DIR' },
  config: { type: 'string', env: 'WERF_CONFIG' },
  env: { type: 'string', env: 'WERF_ENV' },
  ...GITERMINISM_FLAGS,
  'docker-config': { type: 'string', env: 'WERF_DOCKER_CONFIG' },
  'home-dir': { type: 'string', env: 'WERF_HOME' },
  'tmp-dir': { type: 'string', env: 'WERF_TMP_DIR' },
  ...LOG_FLAGS,
};

/** Prints the namespace (werf.yaml's deploy.namespace, else `[[ project ]]` or `[[ project ]]-[[ env ]]`, slugified). */
export function helm(argv, out) {
  const [sub, ...rest] = argv;
  if (sub !== 'get-namespace') throw new WerfError(`unknown command "${sub ?? ''}" for "werf helm"`);
  const { flags, args } = parseFlags(rest, GET_NAMESPACE_FLAGS);
  if (args.length) throw new WerfError(`unknown command "${args[0]}" for "werf helm get-namespace"`);
  out(`${kubernetesNamespaceOf('', flags.env, readWerfConfig(flags))}\n`);
}
