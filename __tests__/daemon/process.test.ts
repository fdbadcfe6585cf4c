import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { findDaemonProcess, parseDockerdArgs, servesSocket } from '../../src/daemon/process.js';

describe('the dockerd behind a socket', () => {
  test("parseDockerdArgs reads pflag's forms", () => {
    expect(
      parseDockerdArgs([
        '/usr/bin/dockerd',
        '-H', 'fd://', '--containerd=/run/containerd/containerd.sock',
        '--host=unix:///tmp/d.sock', '-Htcp://0.0.0.0:2375',
        '--config-file', '/srv/docker.json', '--insecure-registry=10.0.0.0/8', '--insecure-registry', 'r:5000',
      ]),
    ).toEqual({
      hosts: ['fd://', 'unix:///tmp/d.sock', 'tcp://0.0.0.0:2375'],
      configFile: '/srv/docker.json',
      insecureRegistries: ['10.0.0.0/8', 'r:5000'],
    }); // prettier-ignore
    expect(parseDockerdArgs(['dockerd'])).toEqual({ hosts: [], insecureRegistries: [] });
  });

  test("servesSocket: the default socket (no -H, systemd's fd://, /run = /var/run) or its own", () => {
    expect(servesSocket([], '/var/run/docker.sock')).toBe(true);
    expect(servesSocket([], '/run/docker.sock')).toBe(true);
    expect(servesSocket(['fd://'], '/var/run/docker.sock')).toBe(true);
    expect(servesSocket(['fd://'], '/tmp/d.sock')).toBe(false);
    expect(servesSocket(['unix:///tmp/d.sock'], '/tmp/d.sock')).toBe(true);
    expect(servesSocket(['unix:///tmp/d.sock'], '/var/run/docker.sock')).toBe(false);
    expect(servesSocket(['tcp://0.0.0.0:2375'], '/var/run/docker.sock')).toBe(false);
  });

  // A /proc as Linux lays it out (the real one is read in the daemon tests through the bundle).
  const proc = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-proc-'));
  afterAll(() => fs.rmSync(proc, { recursive: true, force: true }));
  const processAt = (pid: number, comm: string, argv: string[], cgroup = '0::/\n') => {
    fs.mkdirSync(path.join(proc, String(pid)));
    fs.writeFileSync(path.join(proc, String(pid), 'comm'), `${comm}\n`);
    fs.writeFileSync(path.join(proc, String(pid), 'cmdline'), `${argv.join('\0')}\0`);
    fs.writeFileSync(path.join(proc, String(pid), 'cgroup'), cgroup);
  };

  test('findDaemonProcess: the one dockerd serving the socket, its config file and whether systemd runs it', async () => {
    processAt(1, 'systemd', ['/sbin/init']);
    processAt(812, 'dockerd', ['/usr/bin/dockerd', '-H', 'fd://'], '0::/system.slice/docker.service\n');
    processAt(900, 'dockerd', ['dockerd', '-H', 'unix:///tmp/t.sock', '--config-file', '/tmp/t.json']);
    fs.writeFileSync(path.join(proc, 'self'), '');
    expect(await findDaemonProcess('/var/run/docker.sock', proc)).toEqual({
      pid: 812,
      configFile: '/etc/docker/daemon.json',
      insecureFlags: [],
      systemd: true,
    });
    expect(await findDaemonProcess('/tmp/t.sock', proc)).toEqual({
      pid: 900,
      configFile: '/tmp/t.json',
      insecureFlags: [],
      systemd: false,
    });
    expect(await findDaemonProcess('/tmp/none.sock', proc)).toBeUndefined();
    expect(await findDaemonProcess('/tmp/t.sock', path.join(proc, 'missing'))).toBeUndefined();
  });
});
