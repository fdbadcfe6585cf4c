import { describe, expect, test } from '@jest/globals';
import { whatTheActionKnows } from '../../src/werf/ship.js';
import type { RegistrySettings } from '../../src/inputs.js';

const reg = (host: string, over: Partial<RegistrySettings> = {}): RegistrySettings => ({
  host,
  username: '',
  password: '',
  caCert: '',
  skipTlsVerify: false,
  insecureRegistry: false,
  ...over,
});

describe('whatTheActionKnows: the diagnosis reads the inputs, the trust stage and the daemon check', () => {
  const werfFlags = { skipTlsVerifyRegistry: true, insecureRegistry: false };

  test("the backend from WERF_BUILDAH_MODE, each registry's TLS inputs (Docker Hub by any of its names)", () => {
    const knows = whatTheActionKnows(
      { registries: [reg('r:5000', { skipTlsVerify: true }), reg('docker.io', { caCert: 'PEM' })] },
      { werfFlags },
      { state: 'checked', address: 'unix:///s', treatments: {}, plan: { fine: [], problems: [], insecureToAdd: [] } },
      { WERF_BUILDAH_MODE: 'native-rootless' },
    );
    expect(knows.backend).toBe('buildah');
    expect(knows.werfFlags).toBe(werfFlags);
    expect(knows.daemon).toBe('checked');
    expect(knows.registry('r:5000')).toEqual({ caCert: false, skipTlsVerify: true, insecureRegistry: false });
    expect(knows.registry('index.docker.io')).toEqual({ caCert: true, skipTlsVerify: false, insecureRegistry: false });
    expect(knows.registry('other:1')).toBeUndefined();
  });

  test('what the daemon check did', () => {
    const of = (daemon: Parameters<typeof whatTheActionKnows>[2]) =>
      whatTheActionKnows({ registries: [] }, { werfFlags }, daemon, {}).daemon;
    expect(of({ state: 'skipped', reason: 'off' })).toBe('off');
    expect(of({ state: 'skipped', reason: 'buildah' })).toBe('not-asked');
    expect(of({ state: 'unreachable', address: 'unix:///s', reason: 'ENOENT' })).toBe('unreachable');
  });
});
