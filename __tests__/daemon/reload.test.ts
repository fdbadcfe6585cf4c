import { spawn } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { listsInsecure, signalReload, waitForInsecureRegistries } from '../../src/daemon/reload.js';

// The reload against a real dockerd: daemon/configure.test.ts. Here: the pieces on their own.
describe('reloading the daemon and waiting for it', () => {
  test('listsInsecure: only an index config of that exact name marked not secure', () => {
    const config = { IndexConfigs: { 'r:5000': { Secure: false }, 'docker.io': { Secure: true } } };
    expect(listsInsecure(config, 'r:5000')).toBe(true);
    expect(listsInsecure(config, 'docker.io')).toBe(false);
    expect(listsInsecure({ InsecureRegistryCIDRs: ['10.0.0.0/8'] }, '10.0.0.5:5000')).toBe(false);
  });

  test('signalReload sends SIGHUP to the process', async () => {
    // A process that says when it gets SIGHUP (dockerd reloads on it).
    const child = spawn(process.execPath, [
      '-e',
      "process.on('SIGHUP', () => { console.log('hup'); process.exit(0); }); console.log('ready'); setTimeout(() => {}, 30000);",
    ]);
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    while (!out.includes('ready')) await new Promise((r) => setTimeout(r, 10));
    await signalReload(child.pid as number);
    await new Promise((r) => child.once('exit', r));
    expect(out).toBe('ready\nhup\n');
  });

  test('a daemon that does not answer: the wait ends after its bound, saying so', async () => {
    const socket = path.join(os.tmpdir(), `no-daemon-${process.pid}.sock`);
    await expect(waitForInsecureRegistries(socket, { 'r:5000': true }, 300)).rejects.toThrow(
      new RegExp(`^GET /info does not answer \\(connect ENOENT ${socket.replace(/\./g, '\\.')}\\) after 0\\.\\d s$`),
    );
  });
});
