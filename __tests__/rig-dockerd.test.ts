// The rig's test hosts (network namespaces) and dockerd: what they leave behind, also after a run that was killed.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { runToolOk, startDockerd, startTestHost, stopAll } from './support/rig/index.js';

afterAll(() => stopAll(), 60_000);

const namespaces = async () => (await runToolOk('ip', ['netns', 'list'])).split('\n').map((l) => l.split(' ')[0]);
const exited = (child: ChildProcess) =>
  new Promise<string | null>((resolve) =>
    child.exitCode !== null || child.signalCode !== null
      ? resolve(child.signalCode)
      : child.once('exit', (_code, signal) => resolve(signal)),
  );

describe('leftovers of a killed run are removed by the next one; a stopped one leaves nothing', () => {
  test("test host: a dead run's namespace and what runs in it go; a live one is usable and gone after stop", async () => {
    // A run that died: its pid no longer exists, its namespace is still there with a server left running in it.
    const dead = spawnSync('true').pid as number;
    const stale = `wship-${dead}-0bad00`;
    await runToolOk('ip', ['netns', 'add', stale]);
    const leftover = spawn('ip', ['netns', 'exec', stale, 'sleep', '600'], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 200));

    const host = await startTestHost();
    expect(await namespaces()).not.toContain(stale);
    expect(await exited(leftover)).toBe('SIGKILL');

    // The new host: its address answers from this machine through the veth pair (a TCP server in the namespace).
    expect(host.address).toMatch(/^198\.(18|19)\.\d+\.\d+$/);
    const [cmd, args] = host.exec(process.execPath, [
      '-e',
      `require('net').createServer((s) => s.end('hi')).listen(${host.nextPort()}, '${host.address}')`,
    ]);
    const server = spawn(cmd, args, { stdio: 'ignore' });
    const reply = await (async () => {
      for (let i = 0; i < 50; i++) {
        const r = spawnSync('curl', ['-s', '--max-time', '2', `telnet://${host.address}:5000`], { encoding: 'utf8' });
        if (r.stdout === 'hi') return r.stdout;
        await new Promise((res) => setTimeout(res, 50));
      }
      return undefined;
    })();
    expect(reply).toBe('hi');

    await host.stop();
    expect(await exited(server)).toBe('SIGKILL');
    expect(await namespaces()).not.toContain(host.name);
    expect(await runToolOk('ip', ['-o', '-4', 'addr', 'show', 'to', `${host.peerAddress}/32`])).toBe('');
  });

  test("dockerd: a dead run's daemon and dir go; a stopped daemon leaves no process, no dir, no /etc/docker/key.json", async () => {
    const keyJsonBefore = existsSync('/etc/docker/key.json');
    const dead = spawnSync('true').pid as number;
    const staleDir = mkdtempSync(join(tmpdir(), 'rig-dockerd-'));
    writeFileSync(join(staleDir, 'owner.pid'), String(dead));
    // Stands for the dead run's dockerd: a process whose command line names the dir.
    const leftover = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 600000)', staleDir], { stdio: 'ignore' });
    writeFileSync(join(staleDir, 'docker.pid'), String(leftover.pid));
    // and for the mount a killed dockerd leaves: its --data-root bound onto itself (rm alone fails with EBUSY)
    mkdirSync(join(staleDir, 'data'));
    expect(spawnSync('mount', ['--bind', join(staleDir, 'data'), join(staleDir, 'data')]).status).toBe(0);

    const d = await startDockerd();
    expect(existsSync(staleDir)).toBe(false);
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(staleDir);
    expect(await exited(leftover)).toBe('SIGKILL');
    const info = await d.api<{ Driver: string; RegistryConfig: unknown }>('/info');
    expect(info.Driver).toBe('vfs');

    const dir = join(d.socket, '..');
    await d.stop();
    expect(existsSync(dir)).toBe(false);
    expect(spawnSync('pgrep', ['-f', dir]).status).toBe(1); // neither dockerd nor its containerd
    expect(existsSync('/etc/docker/key.json')).toBe(keyJsonBefore);
  }, 60_000);
});
