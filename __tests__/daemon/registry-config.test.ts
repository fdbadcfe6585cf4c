import { describe, expect, test } from '@jest/globals';
import { hostName } from '../../src/reference.js';
import {
  currentInsecureEntries,
  daemonTreatment,
  needsAddresses,
  type DaemonRegistryConfig,
} from '../../src/daemon/registry-config.js';

// What dockerd 20.10 answers in GET /info (RegistryConfig) for `"insecure-registries": ["10.1.2.3:5000", "198.18.0.0/15"]`.
const CONFIG: DaemonRegistryConfig = {
  InsecureRegistryCIDRs: ['198.18.0.0/15', '127.0.0.0/8'],
  IndexConfigs: {
    'docker.io': { Name: 'docker.io', Secure: true },
    '10.1.2.3:5000': { Name: '10.1.2.3:5000', Secure: false },
  },
};

describe('daemonTreatment: what the daemon does with a registry, as its registry service decides', () => {
  test('an index config of that exact host:port wins', () => {
    expect(daemonTreatment(CONFIG, '10.1.2.3:5000', [])).toEqual({
      insecure: true,
      because: 'its insecure-registries lists 10.1.2.3:5000',
    });
    expect(daemonTreatment(CONFIG, 'docker.io', [])).toMatchObject({ insecure: false });
    // Another port of the same host is not that entry.
    expect(daemonTreatment(CONFIG, '10.1.2.3:5001', ['10.1.2.3'])).toEqual({
      insecure: false,
      because: '10.1.2.3:5001 is not in its insecure-registries',
    });
  });

  test('a CIDR holding one of the addresses makes it insecure; loopback always is', () => {
    expect(daemonTreatment(CONFIG, '198.19.4.2:5000', ['198.19.4.2'])).toEqual({
      insecure: true,
      because: '198.19.4.2 is in 198.18.0.0/15, which its insecure-registries lists',
    });
    expect(daemonTreatment(CONFIG, 'registry.test:5000', ['10.9.9.9', '198.18.0.7'])).toEqual({
      insecure: true,
      because: 'registry.test (198.18.0.7) is in 198.18.0.0/15, which its insecure-registries lists',
    });
    expect(daemonTreatment(CONFIG, 'localhost:5000', ['::1', '127.0.0.1'])).toEqual({
      insecure: true,
      because: 'localhost (127.0.0.1) is a loopback address (127.0.0.0/8 is always insecure for the daemon)',
    });
    expect(daemonTreatment(CONFIG, '198.20.0.1', ['198.20.0.1'])).toMatchObject({ insecure: false });
  });

  test('IPv6 CIDRs and a config without registry settings', () => {
    const v6: DaemonRegistryConfig = { InsecureRegistryCIDRs: ['fd00::/8'], IndexConfigs: {} };
    expect(daemonTreatment(v6, '[fd00::5]:5000', ['fd00::5'])).toMatchObject({ insecure: true });
    expect(daemonTreatment({}, 'r.example.com', [])).toMatchObject({ insecure: false });
    expect(daemonTreatment({ InsecureRegistryCIDRs: ['not a cidr'] }, '10.0.0.1', ['10.0.0.1'])).toMatchObject({
      insecure: false,
    });
  });

  test('the addresses matter only without an index config and with CIDRs', () => {
    expect(needsAddresses(CONFIG, '10.1.2.3:5000')).toBe(false);
    expect(needsAddresses(CONFIG, 'registry.test')).toBe(true);
    expect(needsAddresses({ IndexConfigs: null, InsecureRegistryCIDRs: [] }, 'registry.test')).toBe(false);
    expect(['r:5000', 'r', '[::1]:5000', '10.0.0.1:443'].map(hostName)).toEqual(['r', 'r', '::1', '10.0.0.1']);
  });

  test('the entries it has now, as a config file would list them', () => {
    expect(currentInsecureEntries(CONFIG)).toEqual(['198.18.0.0/15', '10.1.2.3:5000']);
    expect(currentInsecureEntries({})).toEqual([]);
  });
});
