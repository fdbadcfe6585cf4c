import { BlockList, isIP } from 'node:net';
import { hostName } from '../reference.js';
import type { ContentFormat } from '../system/formats.js';

/** The daemon's config file as an owned file: a JSON object whose `insecure-registries` jobs add entries to. */
export const INSECURE_REGISTRIES = { kind: 'json-list', key: 'insecure-registries' } as const satisfies ContentFormat;

/** The part of the Engine API's `GET /info` that says how the daemon treats registries (`RegistryConfig`). */
export interface DaemonRegistryConfig {
  /** CIDR entries of insecure-registries, always with 127.0.0.0/8 */
  InsecureRegistryCIDRs?: string[] | null;
  /** host[:port] entries (insecure-registries, mirrors) and docker.io, keyed by the registry's index name */
  IndexConfigs?: Record<string, { Name?: string; Secure?: boolean }> | null;
}

/** How the daemon will speak to one registry, and why. */
export interface DaemonTreatment {
  /** true: the daemon falls back to HTTP and does not verify TLS there (an insecure registry) */
  insecure: boolean;
  /** in the user's words: `its insecure-registries lists 10.0.0.5:5000`, `r:5000 is not in its insecure-registries` */
  because: string;
}

/**
 * Pure: true when the daemon's verdict for `host` depends on the host's IP addresses, that is when no index config
 * names it and some insecure CIDR could match; the caller then resolves the name (an IP literal is its own address).
 */
export function needsAddresses(config: DaemonRegistryConfig, host: string): boolean {
  return !(host in (config.IndexConfigs ?? {})) && (config.InsecureRegistryCIDRs ?? []).length > 0;
}

/**
 * Pure: what the daemon will do with `host` (host[:port], as in an image reference), decided as docker's registry
 * service does: an index config of that exact name wins (`Secure`); otherwise the registry is insecure when any of its
 * `addresses` lies in an insecure CIDR (127.0.0.0/8 always is one); otherwise the daemon verifies TLS and never falls
 * back to HTTP.
 */
export function daemonTreatment(config: DaemonRegistryConfig, host: string, addresses: string[]): DaemonTreatment {
  const index = config.IndexConfigs?.[host];
  if (index) {
    return index.Secure === false
      ? { insecure: true, because: `its insecure-registries lists ${host}` }
      : { insecure: false, because: `${host} is not in its insecure-registries` };
  }
  for (const cidr of config.InsecureRegistryCIDRs ?? []) {
    const range = subnet(cidr);
    if (!range) continue;
    const hit = addresses.find((a) => {
      const family = isIP(a);
      return family !== 0 && range.check(a, family === 6 ? 'ipv6' : 'ipv4');
    });
    if (hit) {
      const named = hit === hostName(host) ? hit : `${hostName(host)} (${hit})`;
      return {
        insecure: true,
        because:
          cidr === '127.0.0.0/8'
            ? `${named} is a loopback address (127.0.0.0/8 is always insecure for the daemon)`
            : `${named} is in ${cidr}, which its insecure-registries lists`,
      };
    }
  }
  return { insecure: false, because: `${host} is not in its insecure-registries` };
}

function subnet(cidr: string): BlockList | undefined {
  const m = /^(.+)\/(\d{1,3})$/.exec(cidr.trim());
  if (!m) return undefined;
  const family = isIP(m[1] as string);
  if (family === 0) return undefined;
  const list = new BlockList();
  try {
    list.addSubnet(m[1] as string, Number(m[2]), family === 6 ? 'ipv6' : 'ipv4');
  } catch {
    return undefined;
  }
  return list;
}

/**
 * Pure: the insecure registries the daemon has now, as they would be written in its config file: the host[:port]
 * entries marked not secure and the CIDRs, without 127.0.0.0/8 (which the daemon adds itself).
 */
export function currentInsecureEntries(config: DaemonRegistryConfig): string[] {
  const hosts = Object.entries(config.IndexConfigs ?? {})
    .filter(([, c]) => c.Secure === false)
    .map(([name]) => name);
  const cidrs = (config.InsecureRegistryCIDRs ?? []).filter((c) => c !== '127.0.0.0/8');
  return [...cidrs, ...hosts];
}
