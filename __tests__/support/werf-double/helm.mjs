// `werf helm get-namespace` of the double: the Kubernetes namespace werf deploys into with these flags.
import { LOG_FLAGS, parseFlags, WerfError } from './cli.mjs';
import { readWerfConfig } from './build.mjs';
import { defaultNamespace } from './deploy.mjs';

const GET_NAMESPACE_FLAGS = {
  env: { type: 'string', env: 'WERF_ENV' },
  dir: { type: 'string', env: 'WERF_DIR' },
  config: { type: 'string', env: 'WERF_CONFIG' },
  dev: { type: 'bool', env: 'WERF_DEV' },
  'loose-giterminism': { type: 'bool', env: 'WERF_LOOSE_GITERMINISM' },
  'docker-config': { type: 'string', env: 'WERF_DOCKER_CONFIG' },
  'home-dir': { type: 'string', env: 'WERF_HOME' },
  'tmp-dir': { type: 'string', env: 'WERF_TMP_DIR' },
  ...LOG_FLAGS,
};

/** Prints the namespace (werf's default `[[ project ]]-[[ env ]]`); unknown subcommands are werf's errors. */
export function helm(argv, out) {
  const [sub, ...rest] = argv;
  if (sub !== 'get-namespace') throw new WerfError(`unknown command "${sub ?? ''}" for "werf helm"`);
  const { flags, args } = parseFlags(rest, GET_NAMESPACE_FLAGS);
  if (args.length) throw new WerfError(`unknown command "${args[0]}" for "werf helm get-namespace"`);
  out(`${defaultNamespace(flags, readWerfConfig(flags))}\n`);
}
