// The action's inputs as tests build them: validated Inputs as readInputs would return them (for stages called in
// process), and the list of one-line inputs (checked against action.yml by inputs.test.ts).
import { WERF_TUF_ROOT, type Inputs, type RegistrySettings } from '../../src/inputs.js';
import type { RegistryAccess } from '../../src/registry/index.js';
import type { Registry } from './rig/index.js';

/** A registry's settings with defaults (anonymous, system trust, HTTPS). */
export function registry(host: string, o: Partial<RegistrySettings> = {}): RegistrySettings {
  return { host, username: '', password: '', caCert: '', skipTlsVerify: false, insecureRegistry: false, ...o };
}

/** How the action reaches a rig registry: its CA when it speaks TLS, its account when it has one. */
export function accessTo(reg: Registry, o: Partial<RegistryAccess> = {}): RegistryAccess {
  return {
    host: reg.host,
    scheme: reg.tls ? 'https' : 'http',
    trust: reg.tls ? 'ca' : 'system',
    ca: reg.ca?.certPem,
    username: reg.username,
    password: reg.password,
    ...o,
  };
}

/** Inputs as readInputs would give them for these registries (the first one hosts repo). */
export function inputsFor(registries: RegistrySettings[], o: Partial<Inputs> = {}): Inputs {
  return {
    repo: `${registries[0]?.host ?? 'registry.example.com'}/app`,
    finalRepo: '',
    username: '',
    password: '',
    registries,
    caCert: '',
    skipTlsVerify: false,
    insecureRegistry: false,
    command: 'build',
    args: [],
    env: '',
    kubeConfigBase64: '',
    kubeContext: '',
    workingDirectory: process.cwd(),
    werfVersion: '2 stable',
    werfPath: '',
    werfBaseUrl: 'https://tuf.werf.io',
    werfVerifySignature: true,
    werfTufRoot: WERF_TUF_ROOT,
    werfSigningKey: '',
    verifyManifests: true,
    verifyPull: 'off',
    nodeTrust: 'system',
    imagePullSecret: '',
    dockerDaemon: 'off',
    logout: true,
    summary: false,
    ...o,
  };
}

/** Every input of action.yml whose value is one line (a line break in it is an input error). */
export const ONE_LINE_INPUTS = [
  'repo',
  'final-repo',
  'username',
  'skip-tls-verify',
  'insecure-registry',
  'command',
  'env',
  'kube-context',
  'working-directory',
  'werf-version',
  'werf-path',
  'werf-base-url',
  'werf-verify-signature',
  'werf-tuf-root',
  'verify-manifests',
  'verify-pull',
  'node-trust',
  'image-pull-secret',
  'docker-daemon',
  'logout',
  'summary',
];
