import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { sudoFiles, type RunCommand } from '../../src/system/files.js';
import { claimOwnedFile, releaseOwnedFile } from '../../src/system/owned-file.js';
import type { JobOwner } from '../../src/system/owner.js';

// The `sudo -n` path of a runner user that may not write /etc. There is no such user here (the tests run as root), so
// the command runner is injected: it checks that each command is `sudo -n <coreutils command>` and runs that command
// (the real coreutils, on real files), without sudo itself.
let dir: string;
let calls: string[][];

const withoutSudo: RunCommand = (command, args, input) => {
  calls.push([command, ...args]);
  if (command !== 'sudo' || args[0] !== '-n') throw new Error(`not through sudo -n: ${command} ${args.join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(args[1] as string, args.slice(2), {
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (exitCode) => resolve({ exitCode: exitCode ?? 1, stdout, stderr }));
    child.stdin?.end(input);
  });
};

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sudo-files-'));
  calls = [];
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const owner = (job: string): JobOwner => ({ job, description: `job ${job}` });
const CA = '-----BEGIN CERTIFICATE-----\nQ0E=\n-----END CERTIFICATE-----\n';
const change = (file: string) => ({ path: file, format: { kind: 'text-blocks' } as const, item: CA, label: 'the CA' });

/** Every command that went through sudo, as `cmd` names. */
const commands = () => [...new Set(calls.map((c) => c[2]))].sort();

describe('sudoFiles: each change one coreutils command through sudo -n', () => {
  test("a claim and its release on the admin's file: the lock, the record, the backup and the file all through sudo; the original comes back with its mode and mtime", async () => {
    const file = path.join(dir, 'certs.d', 'r.example.com', 'ca.crt');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, 'admin\n', { mode: 0o600 });
    fs.chmodSync(file, 0o600);
    const mtime = new Date('2020-02-02T02:02:02Z');
    fs.utimesSync(file, mtime, mtime);
    const files = sudoFiles(withoutSudo);
    const record = () => undefined;

    expect(await claimOwnedFile(change(file), { owner: owner('A'), files, record })).toEqual({
      outcome: 'extended',
      sudo: true,
    });
    expect(fs.readFileSync(file, 'utf8')).toBe(`admin\n${CA}`);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600); // the file keeps its mode and owner
    expect(calls).toContainEqual([
      'sudo',
      '-n',
      'chown',
      `--reference=${file}`,
      '--',
      expect.stringContaining(`${file}.werf-ship.tmp-`),
    ]);
    expect(fs.readFileSync(`${file}.werf-ship.orig`, 'utf8')).toBe('admin\n');
    expect(JSON.parse(fs.readFileSync(`${file}.werf-ship.json`, 'utf8')).items[0].holders[0].job).toBe('A');
    expect(calls[0]).toEqual(['sudo', '-n', 'true']);
    expect(calls).toContainEqual([
      'sudo',
      '-n',
      'ln',
      '-T',
      '--',
      expect.stringMatching(/\.werf-ship\.lock\.werf-ship\.tmp-/),
      `${file}.werf-ship.lock`,
    ]);
    expect(calls).toContainEqual(['sudo', '-n', 'cp', '-p', '-T', '--', file, `${file}.werf-ship.orig`]);
    expect(calls).toContainEqual([
      'sudo',
      '-n',
      'mv',
      '-f',
      '-T',
      '--',
      expect.stringContaining(`${file}.werf-ship.tmp-`),
      file,
    ]);

    calls = [];
    expect(await releaseOwnedFile(file, 'A', { files })).toEqual({ notes: [], warnings: [] });
    expect(fs.readFileSync(file, 'utf8')).toBe('admin\n');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(file).mtime.toISOString()).toBe(mtime.toISOString());
    expect(fs.readdirSync(path.dirname(file))).toEqual(['ca.crt']);
    expect(calls).toContainEqual(['sudo', '-n', 'mv', '-f', '-T', '--', `${file}.werf-ship.orig`, file]);
    expect(commands()).toEqual(['chmod', 'chown', 'ln', 'mv', 'rm', 'tee']);
  });

  test('folders made through sudo are recorded, and removed through sudo (rmdir, never rm -r) once empty', async () => {
    const file = path.join(dir, 'certs.d', 'r.example.com', 'ca.crt');
    const files = sudoFiles(withoutSudo);
    await claimOwnedFile(change(file), { owner: owner('A'), files, record: () => undefined });
    expect(calls).toContainEqual(['sudo', '-n', 'mkdir', '-m', '0755', '--', path.join(dir, 'certs.d')]);
    expect(fs.existsSync(path.join(dir, 'certs.d.werf-ship.json'))).toBe(true);
    await releaseOwnedFile(file, 'A', { files });
    expect(fs.readdirSync(dir)).toEqual([]);
    expect(calls).toContainEqual(['sudo', '-n', 'rmdir', '--', path.join(dir, 'certs.d')]);
    expect(calls.some((c) => c.includes('-r') || c.includes('-rf'))).toBe(false);
  });

  test('the answers the ownership rules rely on: exists, missing, not empty', async () => {
    const files = sudoFiles(withoutSudo);
    const a = path.join(dir, 'a');
    expect(await files.createNew(a, 'one', 0o644)).toBe(true);
    expect(await files.createNew(a, 'two', 0o644)).toBe(false);
    expect(fs.readFileSync(a, 'utf8')).toBe('one');
    expect(await files.link(a, path.join(dir, 'b'))).toBe(true);
    expect(await files.link(a, path.join(dir, 'b'))).toBe(false);
    expect(await files.link(path.join(dir, 'none'), path.join(dir, 'c'))).toBe(false);
    expect(await files.mkdir(path.join(dir, 'd'))).toBe(true);
    expect(await files.mkdir(path.join(dir, 'd'))).toBe(false);
    fs.writeFileSync(path.join(dir, 'd', 'x'), '');
    expect(await files.rmdir(path.join(dir, 'd'))).toBe('not-empty');
    expect(await files.rmdir(path.join(dir, 'e'))).toBe('missing');
    await expect(files.createNew(path.join(dir, 'gone', 'f'), 'x', 0o644)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(fs.readdirSync(dir).sort()).toEqual(['a', 'b', 'd']);
  });
});
