// What the tests of the Docker daemon stage share: the registries a real dockerd pushes werf's stages to, on a test
// host in a network namespace (198.18.0.0/15: the daemon treats loopback as insecure), and what the daemon holds.
import {
  makeCa,
  startRegistry,
  startTestHost,
  type Dockerd,
  type Registry,
  type TestCa,
  type TestHost,
} from './rig/index.js';

/** The two registries of the daemon tests: TLS with basic auth under a CA of this run (`cn`), and plain HTTP. */
export interface DaemonRegistries {
  host: TestHost;
  ca: TestCa;
  tls: Registry;
  http: Registry;
}

/** Starts a test host with a TLS registry (basic auth, a fresh CA named `cn`) and a plain-HTTP one (no auth) on it. */
export async function startDaemonRegistries(cn: string): Promise<DaemonRegistries> {
  const host = await startTestHost();
  const ca = await makeCa({ cn });
  const [tls, http] = await Promise.all([
    startRegistry({ on: host, ca, auth: 'basic' }),
    startRegistry({ on: host, tls: false, auth: 'none' }),
  ]);
  return { host, ca, tls, http };
}

/** The images the daemon holds, by tag. */
export async function daemonTags(d: Dockerd): Promise<string[]> {
  const images = await d.api<Array<{ RepoTags: string[] | null }>>('/images/json');
  return images.flatMap((i) => i.RepoTags ?? []);
}
