import { Agent, request } from '../undici.js';
import type { DaemonRegistryConfig } from './registry-config.js';

/** Where the Docker daemon listens, as docker and werf find it: DOCKER_HOST, else the default unix socket. */
export type DaemonAddress =
  | { kind: 'unix'; socketPath: string; shown: string }
  /** tcp://, ssh://, npipe://: werf may use it, the action does not look at it */
  | { kind: 'other'; shown: string };

/** The default socket of a rootful daemon. */
export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

/** Pure: the daemon's address from DOCKER_HOST (docker's own variable, which werf's Docker backend honours). */
export function daemonAddress(env: NodeJS.ProcessEnv = process.env): DaemonAddress {
  const host = (env.DOCKER_HOST ?? '').trim();
  if (host === '') return { kind: 'unix', socketPath: DEFAULT_DOCKER_SOCKET, shown: `unix://${DEFAULT_DOCKER_SOCKET}` };
  if (host.startsWith('unix://')) return { kind: 'unix', socketPath: host.slice('unix://'.length), shown: host };
  return { kind: 'other', shown: host };
}

/** What the action reads of `GET /info`. */
export interface DaemonInfo {
  ServerVersion?: string;
  RegistryConfig?: DaemonRegistryConfig | null;
}

/** The daemon could not be asked: no socket, refused, no permission, no answer, or not a Docker daemon. */
export class DaemonUnreachable extends Error {
  constructor(
    readonly address: string,
    readonly reason: string,
  ) {
    super(`cannot reach the Docker daemon at ${address}: ${reason}`);
    this.name = 'DaemonUnreachable';
  }
}

/**
 * Asks the daemon listening on a unix socket for its `GET /info` (Engine API) and returns it; throws DaemonUnreachable
 * when there is no socket, the connection is refused or not permitted, no answer comes within `timeoutMs`, or the
 * answer is not a daemon's.
 */
export async function readDaemonInfo(socketPath: string, timeoutMs = 5_000): Promise<DaemonInfo> {
  const shown = `unix://${socketPath}`;
  const dispatcher = new Agent({ connect: { socketPath, timeout: timeoutMs } });
  try {
    // The host part is not used on a unix socket; the unversioned path gets the daemon's own API version.
    const res = await request('http://docker/info', {
      dispatcher,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new DaemonUnreachable(shown, `GET /info answered ${res.statusCode}`);
    try {
      return JSON.parse(text) as DaemonInfo;
    } catch {
      throw new DaemonUnreachable(shown, 'GET /info did not answer JSON (is this a Docker daemon?)');
    }
  } catch (err) {
    if (err instanceof DaemonUnreachable) throw err;
    const e = err as NodeJS.ErrnoException;
    throw new DaemonUnreachable(shown, e.code && !e.message.includes(e.code) ? `${e.code}: ${e.message}` : e.message);
  } finally {
    await dispatcher.close();
  }
}
