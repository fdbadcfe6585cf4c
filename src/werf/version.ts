// The grammar of the `werf-version` input and of werf's version strings: pure, so that reading the inputs does not
// load the installer.
import { ActionError } from '../errors.js';

/** What `werf-version` asks for: a release channel of a version group, or one exact version. */
export type WerfVersionSpec = { kind: 'channel'; group: string; channel: string } | { kind: 'exact'; version: string };

const GROUPS = ['1.2', '2'];
const CHANNELS = ['alpha', 'beta', 'ea', 'stable', 'rock-solid'];

// Semantic Versioning 2.0.0 (semver.org's own pattern) with an optional "v": the tool cache keys by semver, so a
// version it cannot parse (a leading zero, an empty identifier) would never be found there again.
const ID = '(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)';
export const VERSION_RE = new RegExp(
  `^v?((?:0|[1-9]\\d*)\\.(?:0|[1-9]\\d*)\\.(?:0|[1-9]\\d*)(?:-${ID}(?:\\.${ID})*)?(?:\\+[0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*)?)$`,
);

/**
 * Parses `werf-version`, the one grammar for it (inputs.ts validates with it, install.ts installs by it): `GROUP CHANNEL` with a group werf
 * publishes (1.2, 2) and one of its channels (alpha, beta, ea, stable, rock-solid), e.g. `2 stable`; or an exact
 * Semantic Version with an optional `v`, pre-release and build metadata (`2.75.3`, `v2.76.0-alpha.1`). The returned
 * exact version has no `v`. Throws an ActionError that names the input and the value for anything else.
 */
export function parseWerfVersion(value: string): WerfVersionSpec {
  const words = value.trim().split(/\s+/);
  const [first = '', second] = words;
  if (words.length === 2 && GROUPS.includes(first) && CHANNELS.includes(second as string))
    return { kind: 'channel', group: first, channel: second as string };
  const exact = words.length === 1 ? VERSION_RE.exec(first) : null;
  if (exact) return { kind: 'exact', version: exact[1] as string };
  throw new ActionError(
    `Input "werf-version" must be "GROUP CHANNEL" (groups ${GROUPS.join(', ')}; channels ${CHANNELS.join(', ')}) or an exact version like 2.75.3, not "${value}".`,
  );
}
