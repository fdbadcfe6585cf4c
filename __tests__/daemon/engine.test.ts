import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { DaemonUnreachable, daemonAddress, readDaemonInfo } from '../../src/daemon/engine.js';

describe('where the daemon is, and asking it', () => {
  test("daemonAddress: DOCKER_HOST's unix socket, the default socket, or a kind the action does not check", () => {
    expect(daemonAddress({})).toEqual({
      kind: 'unix',
      socketPath: '/var/run/docker.sock',
      shown: 'unix:///var/run/docker.sock',
    });
    expect(daemonAddress({ DOCKER_HOST: 'unix:///run/user/1000/docker.sock' })).toEqual({
      kind: 'unix',
      socketPath: '/run/user/1000/docker.sock',
      shown: 'unix:///run/user/1000/docker.sock',
    });
    expect(daemonAddress({ DOCKER_HOST: 'tcp://10.0.0.5:2376' })).toEqual({
      kind: 'other',
      shown: 'tcp://10.0.0.5:2376',
    });
    expect(daemonAddress({ DOCKER_HOST: 'ssh://me@builder' })).toMatchObject({ kind: 'other' });
  });

  test('no daemon on the socket: DaemonUnreachable naming the address and the reason (a real daemon: daemon/index.test.ts)', async () => {
    const socket = path.join(os.tmpdir(), `no-daemon-${process.pid}.sock`);
    const err = await readDaemonInfo(socket).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DaemonUnreachable);
    expect((err as DaemonUnreachable).address).toBe(`unix://${socket}`);
    expect((err as DaemonUnreachable).reason).toBe(`connect ENOENT ${socket}`);
  });
});
