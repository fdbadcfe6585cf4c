import type { RegistrySettings } from '../inputs.js';
import { normalizeRegistryHost, type RegistryAccess } from '../registry/index.js';
import { hostName } from '../reference.js';
import { quote } from '../untrusted.js';

/** Which builder pushes werf's stages: it decides whose trust settings a warning must name. */
export type Backend = 'docker' | 'buildah';

/** werf's TLS flags (--skip-tls-verify-registry, --insecure-registry): they apply to every registry werf talks to. */
export interface WerfTlsFlags {
  skipTlsVerifyRegistry: boolean;
  insecureRegistry: boolean;
}

/** What the registries' TLS settings mean for werf, for the action's own HTTP checks, and for the user (warnings). */
export interface TrustPlan {
  /** werf's flags apply to every registry werf talks to, so one registry that needs them turns them on. */
  werfFlags: WerfTlsFlags;
  accesses: RegistryAccess[];
  warnings: string[];
}

/** Loopback hosts: the Docker daemon already treats 127.0.0.0/8 as insecure, and nothing leaves the machine. */
export function isLoopback(host: string): boolean {
  const name = hostName(host);
  return name === 'localhost' || name === '::1' || /^127\.\d+\.\d+\.\d+$/.test(name);
}

/** The builder werf uses: Buildah when WERF_BUILDAH_MODE names a Buildah mode, else the Docker daemon. */
export function backendFromEnv(env: NodeJS.ProcessEnv = process.env): Backend {
  const mode = (env.WERF_BUILDAH_MODE ?? '').trim().toLowerCase();
  return mode === '' || mode === 'docker' || mode === 'default' ? 'docker' : 'buildah';
}

/** How the action's own HTTP checks reach one registry: scheme, what verifies its certificate, the credentials. */
export function accessOf(r: RegistrySettings): RegistryAccess {
  const trust = r.skipTlsVerify || r.insecureRegistry ? 'skip-verify' : r.caCert !== '' ? 'ca' : 'system';
  return {
    host: normalizeRegistryHost(r.host),
    scheme: r.insecureRegistry ? 'http' : 'https',
    ...(r.caCert !== '' ? { ca: r.caCert } : {}),
    trust,
    username: r.username,
    password: r.password,
  };
}

/** Anonymous HTTPS with the system roots: how the action reaches a registry no input mentions. */
export function defaultAccess(host: string): RegistryAccess {
  return { host: normalizeRegistryHost(host), scheme: 'https', trust: 'system', username: '', password: '' };
}

/**
 * Pure: turns the registries' TLS settings into werf's flags, the per-registry access of the action's checks, and the
 * warnings a user must see (what is unverified or unencrypted, how to install the CA instead, and what Buildah needs,
 * since werf's flags never reach it; the Docker daemon is checked by its own stage).
 */
export function planTrust(registries: RegistrySettings[], backend: Backend): TrustPlan {
  const skipped = registries.filter((r) => r.skipTlsVerify && !r.insecureRegistry);
  const http = registries.filter((r) => r.insecureRegistry);
  const warnings: string[] = [];
  const others = (names: string[]) => registries.map((r) => r.host).filter((h) => !names.includes(h));

  if (skipped.length > 0) {
    const hosts = skipped.map((r) => r.host);
    const spill = others(hosts);
    warnings.push(
      `TLS verification is OFF for ${hosts.join(', ')} (skip-tls-verify): werf and the action's checks accept any certificate there, so anyone in between can read the credentials and change the images. ` +
        `Install the CA instead: pass the certificate of the CA that signed the registry's certificate in "ca-cert" (PEM text or a file path); the action installs it for werf, the Docker daemon and Buildah.` +
        (spill.length > 0
          ? ` Note: werf's --skip-tls-verify-registry applies to every registry werf talks to, so ${spill.join(', ')} is not verified by werf either.`
          : ''),
    );
  }
  if (http.length > 0) {
    const hosts = http.map((r) => r.host);
    const spill = others(hosts);
    warnings.push(
      `${hosts.join(', ')} is used over plain HTTP (insecure-registry): nothing to or from it is encrypted or authenticated.` +
        (spill.length > 0
          ? ` werf's --insecure-registry applies to every registry werf talks to, so werf's own client may also fall back to plain HTTP for ${spill.join(', ')} when HTTPS fails there (it still verifies what answers over HTTPS).`
          : ''),
    );
    for (const r of http.filter((h) => h.username !== '' && !isLoopback(h.host))) {
      warnings.push(
        `The password of ${quote(r.username)} for ${r.host} travels unencrypted over plain HTTP: anyone on the network path can read it. Serve the registry over HTTPS and give its CA in "ca-cert".`,
      );
    }
  }
  // The Docker daemon is asked itself before the build (src/daemon); Buildah, which the action does not ask, gets advice.
  const unverified = [...skipped, ...http].map((r) => r.host).filter((h) => !isLoopback(h));
  if (unverified.length > 0 && backend === 'buildah') warnings.push(buildahWarning(unverified));

  return {
    werfFlags: { skipTlsVerifyRegistry: skipped.length > 0, insecureRegistry: http.length > 0 },
    accesses: registries.map(accessOf),
    warnings,
  };
}

/** Buildah pushes the stages itself and ignores werf's TLS flags: say what its own configuration needs. */
function buildahWarning(hosts: string[]): string {
  const lines = hosts.map((h) => `[[registry]] location = ${JSON.stringify(h)} insecure = true`).join('; ');
  return (
    `Buildah pushes werf's stages to ${hosts.join(', ')} and reads its TLS settings from /etc/containers/registries.conf: ` +
    `add ${lines}`
  );
}
