import { describe, expect, test } from '@jest/globals';
import { needOf, needsTrustCheck, planDaemon, type DaemonRegistryFacts } from '../../src/daemon/plan.js';

const SECURE = { insecure: false, because: 'r:5000 is not in its insecure-registries' };
const INSECURE = { insecure: true, because: 'its insecure-registries lists r:5000' };
const facts = (over: Partial<DaemonRegistryFacts>): DaemonRegistryFacts => ({
  host: 'r:5000',
  need: 'system',
  treatment: SECURE,
  certsDir: '/etc/docker/certs.d/r:5000',
  ...over,
});

describe('planDaemon: will the daemon push the stages?', () => {
  test('the need of each input: plain HTTP, then skip-verify, then a CA, else the system roots', () => {
    const r = { insecureRegistry: false, skipTlsVerify: false, caCert: '' };
    expect(needOf(r)).toBe('system');
    expect(needOf({ ...r, caCert: 'PEM' })).toBe('ca');
    expect(needOf({ ...r, caCert: 'PEM', skipTlsVerify: true })).toBe('skip-verify');
    expect(needOf({ ...r, skipTlsVerify: true, insecureRegistry: true })).toBe('plain-http');
  });

  test('an insecure registry for the daemon is fine whatever the need; the trust question is not asked', () => {
    for (const need of ['plain-http', 'skip-verify', 'ca', 'system'] as const) {
      expect(needsTrustCheck(need, INSECURE)).toBe(false);
      expect(planDaemon([facts({ need, treatment: INSECURE })])).toEqual({
        fine: [{ host: 'r:5000', because: 'insecure for the daemon: its insecure-registries lists r:5000' }],
        problems: [],
        insecureToAdd: [],
      });
    }
  });

  test('plain HTTP to a verifying daemon: a problem an insecure-registries entry fixes', () => {
    const plan = planDaemon([facts({ need: 'plain-http' })]);
    expect(plan.problems).toEqual([
      {
        host: 'r:5000',
        need: 'plain-http',
        what: 'r:5000 speaks plain HTTP (insecure-registry), but the daemon speaks HTTPS to it, as r:5000 is not in its insecure-registries: its push would fail with "http: server gave HTTP response to HTTPS client"',
        fixedByInsecureEntry: true,
      },
    ]);
    expect(plan.insecureToAdd).toEqual(['r:5000']);
  });

  test("skip-verify: fine when the daemon's own trust verifies the registry, else an entry is needed", () => {
    expect(needsTrustCheck('skip-verify', SECURE)).toBe(true);
    expect(planDaemon([facts({ need: 'skip-verify', verifiedByDaemon: true })]).problems).toEqual([]);
    const plan = planDaemon([facts({ need: 'skip-verify', verifiedByDaemon: false })]);
    expect(plan.problems[0]?.what).toBe(
      'skip-tls-verify does not reach the daemon, which verifies r:5000\'s certificate, as r:5000 is not in its insecure-registries, and does not trust it: its push would fail with "x509: certificate signed by unknown authority"',
    );
    expect(plan.insecureToAdd).toEqual(['r:5000']);
  });

  test('ca-cert: fine with the CA in certs.d (or verified anyway); missing, it is a certs.d problem, not an entry', () => {
    expect(planDaemon([facts({ need: 'ca', caInCertsDir: true })]).fine[0]?.because).toBe(
      'the daemon trusts the CA in /etc/docker/certs.d/r:5000/',
    );
    expect(planDaemon([facts({ need: 'ca', caInCertsDir: false, verifiedByDaemon: true })]).problems).toEqual([]);
    const plan = planDaemon([facts({ need: 'ca', caInCertsDir: false, verifiedByDaemon: false })]);
    expect(plan.problems).toMatchObject([{ need: 'ca', fixedByInsecureEntry: false }]);
    expect(plan.problems[0]?.what).toContain('the CA from ca-cert is not in /etc/docker/certs.d/r:5000/');
    expect(plan.insecureToAdd).toEqual([]);
  });

  test('system trust needs nothing of the daemon', () => {
    expect(needsTrustCheck('system', SECURE)).toBe(false);
    expect(planDaemon([facts({})]).fine).toEqual([
      { host: 'r:5000', because: 'HTTPS, its certificate verified with the system roots (as the trust stage found)' },
    ]);
  });
});
