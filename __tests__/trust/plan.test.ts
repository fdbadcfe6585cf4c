import { describe, expect, test } from '@jest/globals';
import { normalizeRegistryHost } from '../../src/registry/index.js';
import { accessOf, backendFromEnv, defaultAccess, isLoopback, planTrust } from '../../src/trust/plan.js';
import { registry } from '../support/inputs.js';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('planTrust: what werf gets', () => {
  test('a CA or system trust needs no werf flag and no warning', () => {
    const plan = planTrust([registry('r.example.com', { caCert: CA }), registry('docker.io')], 'docker');
    expect(plan.werfFlags).toEqual({ skipTlsVerifyRegistry: false, insecureRegistry: false });
    expect(plan.warnings).toEqual([]);
  });

  test('skip-tls-verify: --skip-tls-verify-registry, a warning that says what is unverified and how to install the CA; the Docker daemon is left to its own check', () => {
    const plan = planTrust(
      [registry('r.example.com:5000', { skipTlsVerify: true, username: 'u', password: 'p' })],
      'docker',
    );
    expect(plan.werfFlags).toEqual({ skipTlsVerifyRegistry: true, insecureRegistry: false });
    expect(plan.warnings[0]).toMatch(
      /^TLS verification is OFF for r\.example\.com:5000 \(skip-tls-verify\): .*read the credentials and change the images\. Install the CA instead: pass .* in "ca-cert"/,
    );
    // No daemon.json advice here: the daemon stage asks the daemon itself and names the exact change only when needed.
    expect(plan.warnings).toHaveLength(1);
    expect(plan.warnings.join(' ')).not.toContain('daemon.json');
  });

  test('skip-tls-verify on one registry spills over to the others in werf: said so', () => {
    const plan = planTrust(
      [registry('a.example.com', { skipTlsVerify: true }), registry('b.example.com', { caCert: CA })],
      'docker',
    );
    expect(plan.warnings[0]).toContain(
      "werf's --skip-tls-verify-registry applies to every registry werf talks to, so b.example.com is not verified by werf either.",
    );
  });

  test('insecure-registry: --insecure-registry, unencrypted warning, password-in-clear warning for a remote host', () => {
    const plan = planTrust(
      [registry('r.example.com', { insecureRegistry: true, username: 'bob', password: 'p' })],
      'docker',
    );
    expect(plan.werfFlags).toEqual({ skipTlsVerifyRegistry: false, insecureRegistry: true });
    expect(plan.warnings[0]).toMatch(
      /^r\.example\.com is used over plain HTTP \(insecure-registry\): nothing to or from it is encrypted/,
    );
    expect(plan.warnings[1]).toMatch(/^The password of "bob" for r\.example\.com travels unencrypted over plain HTTP/);
    expect(plan.warnings).toHaveLength(2);
  });

  test('loopback registries: no daemon.json advice (the daemon allows 127.0.0.0/8) and no clear-text password warning', () => {
    const plan = planTrust(
      [registry('127.0.0.1:5000', { insecureRegistry: true, username: 'u', password: 'p' })],
      'docker',
    );
    expect(plan.warnings).toHaveLength(1);
    expect(plan.warnings[0]).toMatch(/^127\.0\.0\.1:5000 is used over plain HTTP/);
  });

  test('the Buildah backend gets registries.conf lines instead of daemon.json', () => {
    const plan = planTrust([registry('r.example.com', { skipTlsVerify: true })], 'buildah');
    expect(plan.warnings[1]).toBe(
      `Buildah pushes werf's stages to r.example.com and reads its TLS settings from /etc/containers/registries.conf: add [[registry]] location = "r.example.com" insecure = true`,
    );
  });
});

describe('the access of the action own checks, per registry', () => {
  test('CA, skip-verify, HTTP, system', () => {
    expect(accessOf(registry('a:1', { caCert: CA, username: 'u', password: 'p' }))).toEqual({
      host: 'a:1', scheme: 'https', ca: CA, trust: 'ca', username: 'u', password: 'p',
    }); // prettier-ignore
    expect(accessOf(registry('b', { skipTlsVerify: true }))).toMatchObject({ scheme: 'https', trust: 'skip-verify' });
    expect(accessOf(registry('c', { insecureRegistry: true }))).toMatchObject({ scheme: 'http', trust: 'skip-verify' });
    expect(accessOf(registry('d'))).toMatchObject({ scheme: 'https', trust: 'system' });
    expect(accessOf(registry('d')).ca).toBeUndefined();
  });

  test('unknown hosts: anonymous HTTPS with system roots; Docker Hub aliases are one host', () => {
    expect(defaultAccess('Index.Docker.IO')).toEqual({
      host: 'docker.io',
      scheme: 'https',
      trust: 'system',
      username: '',
      password: '',
    });
    expect(normalizeRegistryHost('registry-1.docker.io')).toBe('docker.io');
  });
});

test('isLoopback and backendFromEnv', () => {
  expect(['127.0.0.1:5000', 'localhost', '[::1]:5000', '127.3.4.5'].map(isLoopback)).toEqual([true, true, true, true]);
  expect(['10.0.0.1', 'registry.example.com', '128.0.0.1'].map(isLoopback)).toEqual([false, false, false]);
  expect(backendFromEnv({})).toBe('docker');
  expect(backendFromEnv({ WERF_BUILDAH_MODE: 'auto' })).toBe('buildah');
  expect(backendFromEnv({ WERF_BUILDAH_MODE: 'native-rootless' })).toBe('buildah');
});
