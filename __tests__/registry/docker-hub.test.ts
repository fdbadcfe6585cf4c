import { expect, test } from '@jest/globals';
import { apiHost, normalizeRegistryHost } from '../../src/registry/docker-hub.js';

test('every Docker Hub alias is docker.io; other hosts keep their port and lose only their case', () => {
  for (const alias of [
    'docker.io',
    'index.docker.io',
    'Registry-1.Docker.io',
    'registry.hub.docker.com',
    ' docker.io ',
  ]) {
    expect(normalizeRegistryHost(alias)).toBe('docker.io');
  }
  expect(normalizeRegistryHost('Registry.Example.com:5000')).toBe('registry.example.com:5000');
  expect(normalizeRegistryHost('docker.io:5000')).toBe('docker.io:5000');
});

test("Docker Hub's API answers at registry-1.docker.io; any other registry at its own host", () => {
  expect(apiHost('docker.io')).toBe('registry-1.docker.io');
  expect(apiHost('index.docker.io')).toBe('registry-1.docker.io');
  expect(apiHost('127.0.0.1:5443')).toBe('127.0.0.1:5443');
});
