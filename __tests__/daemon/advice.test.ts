import { describe, expect, test } from '@jest/globals';
import {
  daemonCheckFailure,
  insecureRegistriesFix,
  notChangedSentence,
  reloadCommand,
} from '../../src/daemon/advice.js';
import type { DaemonProblem } from '../../src/daemon/plan.js';

const PROC = { pid: 812, configFile: '/etc/docker/daemon.json', insecureFlags: [], systemd: true };
const RUNNER_JSON = '{\n  "exec-opts": ["native.cgroupdriver=cgroupfs"],\n  "cgroup-parent": "/actions_job"\n}\n';

describe('insecureRegistriesFix: the exact daemon.json and reload', () => {
  test("a GitHub-hosted runner's file: its settings kept, the entry added; SIGHUP to the pid, or systemctl reload", () => {
    const fix = insecureRegistriesFix(['r:5000'], {
      current: [],
      file: { path: '/etc/docker/daemon.json', text: RUNNER_JSON },
      process: PROC,
    });
    expect(fix.sentence).toBe(
      'set "insecure-registries": ["r:5000"] in /etc/docker/daemon.json, then reload the daemon: sudo kill -HUP 812 (it runs as docker.service: sudo systemctl reload docker does the same)',
    );
    // The file as it should read: its own bytes, the entry added in place (as configure writes it).
    expect(fix.details).toBe(
      [
        '/etc/docker/daemon.json should read:',
        '{',
        '  "exec-opts": ["native.cgroupdriver=cgroupfs"],',
        '  "cgroup-parent": "/actions_job",',
        '  "insecure-registries": ["r:5000"]',
        '}',
        'then: sudo kill -HUP 812 (it runs as docker.service: sudo systemctl reload docker does the same)',
      ].join('\n'),
    );
  });

  test("entries the file lists stay; without a readable file the daemon's own list is the start", () => {
    const listed = insecureRegistriesFix(['r:5000'], {
      current: ['ignored:1'],
      file: { path: '/x/daemon.json', text: '{"insecure-registries": ["10.0.0.0/8", "r:5000"]}' },
    });
    expect(listed.sentence).toBe(
      'set "insecure-registries": ["10.0.0.0/8", "r:5000"] in /x/daemon.json, then reload the daemon: sudo kill -HUP $(pidof dockerd)',
    );
    const unreadable = insecureRegistriesFix(['r:5000'], {
      current: ['10.0.0.0/8'],
      file: { path: '/x/daemon.json', unreadable: 'EACCES' },
    });
    expect(unreadable.sentence).toContain('set "insecure-registries": ["10.0.0.0/8", "r:5000"] in /x/daemon.json');
    expect(unreadable.details).toBe(
      '/x/daemon.json needs: "insecure-registries": ["10.0.0.0/8", "r:5000"]\nthen: sudo kill -HUP $(pidof dockerd)',
    );
  });

  test('no file: create it; a malformed file: said so (the daemon ignores it on reload)', () => {
    expect(
      insecureRegistriesFix(['a:1', 'b:2'], { current: [], file: { path: '/x.json', unreadable: 'missing' } }).sentence,
    ).toBe(
      'create /x.json with { "insecure-registries": ["a:1", "b:2"] }, then reload the daemon: sudo kill -HUP $(pidof dockerd)',
    );
    expect(
      insecureRegistriesFix(['a:1'], { current: [], file: { path: '/x.json', text: '{"debug": true,' } }).sentence,
    ).toMatch(/^\/x\.json is not valid JSON \(the daemon keeps its old settings when it reloads it\): fix it and set/);
  });

  test('a daemon that takes --insecure-registry flags: a flag and a restart, never the file', () => {
    const fix = insecureRegistriesFix(['r:5000'], {
      current: ['10.0.0.0/8'],
      file: { path: '/etc/docker/daemon.json', text: '{}' },
      process: { ...PROC, insecureFlags: ['10.0.0.0/8'], systemd: false },
    });
    expect(fix.sentence).toBe(
      'start dockerd with --insecure-registry r:5000 beside its other --insecure-registry flags and restart it (it takes insecure registries on its command line, so /etc/docker/daemon.json must not list them)',
    );
  });

  test('reloadCommand without systemd', () => {
    expect(reloadCommand({ ...PROC, systemd: false })).toBe('sudo kill -HUP 812');
  });
});

describe('notChangedSentence: what the mode did, in the last sentence', () => {
  test('check, auto off GitHub-hosted runners, auto where the file cannot be written, configure refused', () => {
    expect(notChangedSentence({ mode: 'check' })).toBe('docker-daemon: check changes nothing; nothing was built.');
    expect(notChangedSentence({ mode: 'auto' })).toBe(
      'docker-daemon: auto changes the daemon only on GitHub-hosted runners (set docker-daemon: configure to have the action add the entry for this job and take it out in the post step); nothing was built.',
    );
    expect(notChangedSentence({ mode: 'auto', reason: '/x.json cannot be written here (R)' })).toBe(
      'docker-daemon: auto did not change the daemon: /x.json cannot be written here (R); nothing was built.',
    );
    expect(notChangedSentence({ mode: 'configure', input: 'auto', reason: 'WHY' })).toBe(
      'docker-daemon: auto did not change the daemon: WHY; nothing was built.',
    );
  });
});

describe('daemonCheckFailure: one line, before anything is built', () => {
  const http: DaemonProblem = { host: 'r:5000', need: 'plain-http', what: 'HTTP WHAT', fixedByInsecureEntry: true };
  const ca: DaemonProblem = { host: 'c:443', need: 'ca', what: 'CA WHAT', fixedByInsecureEntry: false };
  const fix = { sentence: 'FIX', details: 'DETAILS' };

  test("the problems, the daemon change and each input's alternative; details for the log", () => {
    const err = daemonCheckFailure('unix:///var/run/docker.sock', [http], fix, { mode: 'check' });
    expect(err.message).toBe(
      "The Docker daemon at unix:///var/run/docker.sock will not push werf's stages to r:5000: HTTP WHAT. On the runner, FIX; or serve the registry over HTTPS. docker-daemon: check changes nothing; nothing was built.",
    );
    expect(err.details).toBe('DETAILS');
  });

  test('a CA the action could not install: the certs.d command; configure says why it changed nothing', () => {
    const err = daemonCheckFailure('unix:///s', [ca], undefined, {
      mode: 'configure',
      input: 'configure',
      reason: 'an insecure-registries entry does not fix a CA missing from certs.d',
    });
    expect(err.message).toBe(
      "The Docker daemon at unix:///s will not push werf's stages to c:443: CA WHAT. Put the CA there: sudo install -D -m 0644 ca.crt /etc/docker/certs.d/c:443/ca.crt (ca.crt: the CA you give in ca-cert). docker-daemon: configure did not change the daemon: an insecure-registries entry does not fix a CA missing from certs.d; nothing was built.",
    );
    expect(err.details).toBeUndefined();
  });
});
