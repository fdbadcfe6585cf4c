// Cobra-like command-line parsing for the werf test double: the flag grammar werf gets from spf13/cobra+pflag,
// the env twins werf reads as flag defaults, and cobra's exact error texts.

/** A user-facing failure: main prints `Error: <message>` on stderr and exits 1, like cobra. */
export class WerfError extends Error {}

/** What `werf version` prints (without the newline): WERF_DOUBLE_VERSION, else v2.75.3. */
export function werfVersion() {
  const v = process.env.WERF_DOUBLE_VERSION || '2.75.3';
  // A local build (no release tag) says `dev`, as werf does.
  return v === 'dev' || v.startsWith('v') ? v : `v${v}`;
}

/** werf's util.GetBoolEnvironmentDefaultFalse: only "1", "true", "yes" are true (case-sensitive). */
export function envBool(name) {
  return ['1', 'true', 'yes'].includes(process.env[name] ?? '');
}

// pflag's strconv.ParseBool.
const TRUE = ['1', 't', 'T', 'TRUE', 'true', 'True'];
const FALSE = ['0', 'f', 'F', 'FALSE', 'false', 'False'];

/** Log flags every werf command registers (common.SetupLogOptions): accepted and ignored. */
export const LOG_FLAGS = {
  'log-debug': { type: 'bool', env: 'WERF_LOG_DEBUG' },
  'log-verbose': { type: 'bool', env: 'WERF_LOG_VERBOSE' },
  'log-quiet': { type: 'bool', env: 'WERF_LOG_QUIET' },
  'log-pretty': { type: 'bool', env: 'WERF_LOG_PRETTY' },
  'log-color-mode': { type: 'string', env: 'WERF_LOG_COLOR_MODE' },
  'log-terminal-width': { type: 'string', env: 'WERF_LOG_TERMINAL_WIDTH' },
  'log-time': { type: 'bool', env: 'WERF_LOG_TIME' },
};

/** --docker-config's default: $WERF_DOCKER_CONFIG, else $DOCKER_CONFIG (common.SetupDockerConfig). */
export const DOCKER_CONFIG_FLAG = {
  type: 'string',
  default: () => process.env.WERF_DOCKER_CONFIG || process.env.DOCKER_CONFIG || '',
};

function defaultOf(spec) {
  if (typeof spec.default === 'function') return spec.default();
  if (spec.type === 'bool') return spec.env ? envBool(spec.env) : false;
  if (spec.type === 'array') {
    const v = spec.env ? (process.env[spec.env] ?? '') : '';
    return v ? v.split(',') : [];
  }
  return spec.env ? (process.env[spec.env] ?? '') : '';
}

/**
 * Parses argv against `specs` ({name: {type: 'string'|'bool'|'array', short?, env?, default?}}) the way pflag does:
 * `--f v`, `--f=v`, `-s v`, `-sv`, `-s=v`, bools without a value, `--` ends flags, positionals anywhere.
 * Returns {flags, args}; throws WerfError with cobra's texts for unknown flags and missing or bad values.
 */
export function parseFlags(argv, specs) {
  const flags = {};
  for (const [name, spec] of Object.entries(specs)) flags[name] = defaultOf(spec);
  const seenArray = new Set();
  const byShort = {};
  for (const [name, spec] of Object.entries(specs)) if (spec.short) byShort[spec.short] = name;
  const args = [];
  const set = (name, value, shown) => {
    const spec = specs[name];
    if (spec.type === 'bool') {
      if (TRUE.includes(value)) flags[name] = true;
      else if (FALSE.includes(value)) flags[name] = false;
      else
        throw new WerfError(
          `invalid argument "${value}" for "${shown}" flag: strconv.ParseBool: parsing "${value}": invalid syntax`,
        );
    } else if (spec.type === 'array') {
      // The first explicit value replaces the env default; later ones append (pflag slices).
      if (!seenArray.has(name)) flags[name] = [];
      seenArray.add(name);
      flags[name].push(...value.split(','));
    } else flags[name] = value;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--') && a.length > 2) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      const spec = specs[name];
      if (!spec) throw new WerfError(`unknown flag: --${name}`);
      const shown = spec.short ? `-${spec.short}, --${name}` : `--${name}`;
      if (eq >= 0) set(name, a.slice(eq + 1), shown);
      else if (spec.type === 'bool') set(name, 'true', shown);
      else if (i + 1 < argv.length) set(name, argv[++i], shown);
      else throw new WerfError(`flag needs an argument: --${name}`);
    } else if (a.startsWith('-') && a.length > 1) {
      // A group of shorthands: -Zu user, -uuser, -u=user.
      for (let j = 1; j < a.length; j++) {
        const c = a[j];
        const name = byShort[c];
        if (!name) throw new WerfError(`unknown shorthand flag: '${c}' in ${a}`);
        const spec = specs[name];
        const shown = `-${c}, --${name}`;
        const rest = a.slice(j + 1);
        if (spec.type === 'bool') {
          if (rest.startsWith('=')) {
            set(name, rest.slice(1), shown);
            break;
          }
          set(name, 'true', shown);
          continue;
        }
        if (rest.startsWith('=')) set(name, rest.slice(1), shown);
        else if (rest) set(name, rest, shown);
        else if (i + 1 < argv.length) set(name, argv[++i], shown);
        else throw new WerfError(`flag needs an argument: '${c}' in -${c}`);
        break;
      }
    } else args.push(a);
  }
  return { flags, args };
}
