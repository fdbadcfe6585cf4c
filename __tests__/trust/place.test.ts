import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { placeCaFile } from '../../src/trust/place.js';
import { sudoFiles, type RunCommand } from '../../src/system/files.js';
import { makeCa, stopAll, type TestCa } from '../support/rig/index.js';
import { listFiles, startFakeRunner, undoFiles, type FakeRunner } from './runner-env.js';

// The real filesystem (temp dirs for the system places) and the runner's real state file (mock GitHub): the journal
// entry must be saved before a place is changed, so a main step that dies half-way never leaves an untracked change.
let ca: TestCa;
let runner: FakeRunner;
let etc: string;

beforeAll(async () => {
  ca = await makeCa({ cn: 'place-ca', days: 365 });
});

beforeEach(() => {
  runner = startFakeRunner();
  etc = path.join(runner.dir, 'etc');
  fs.mkdirSync(path.join(etc, 'docker'), { recursive: true });
});

afterEach(() => runner.stop());
afterAll(() => stopAll());

/** This test's entries (the journal in src/state.ts lives as long as the test file). */
const journal = () => runner.journal().filter((e) => 'path' in e && e.path.startsWith(etc));

/** Makes core.saveState fail, as a main step that dies at the moment it records would. */
function breakJournal(): void {
  process.env.GITHUB_STATE = path.join(runner.dir, 'no-such-state-file');
}

describe('placeCaFile records before it changes anything', () => {
  test('a new place: the file is named in the journal, the folders are recorded as made by a job, and the undo leaves nothing', async () => {
    const target = path.join(etc, 'docker', 'certs.d', 'r.example.com:5000', 'ca.crt');
    const result = await placeCaFile(target, ca.certPem, 'r.example.com:5000');
    expect(result).toMatchObject({ placed: true, action: 'created', sudo: false });
    expect(fs.readFileSync(target, 'utf8')).toBe(ca.certPem);
    expect(journal()).toEqual([
      {
        kind: 'owned-file',
        path: target,
        job: expect.any(String),
        what: expect.stringMatching(/^the CA for r\.example\.com:5000 \(sha256 [0-9a-f]{12}\)$/),
      },
    ]);
    // Beside the CA: its ownership record; beside each folder a job made: the record that a job made it.
    expect(listFiles(path.join(etc, 'docker'))).toEqual([
      'certs.d',
      'certs.d.werf-ship.json',
      'certs.d/r.example.com:5000',
      'certs.d/r.example.com:5000.werf-ship.json',
      'certs.d/r.example.com:5000/ca.crt',
      'certs.d/r.example.com:5000/ca.crt.werf-ship.json',
    ]);
    expect(await undoFiles(journal())).toEqual([]);
    expect(listFiles(etc)).toEqual(['docker']);
  });

  test('a journal that cannot be saved: no folder or file is created', async () => {
    const target = path.join(etc, 'docker', 'certs.d', 'r.example.com:5000', 'ca.crt');
    breakJournal();
    const result = await placeCaFile(target, ca.certPem, 'r.example.com:5000');
    expect(result).toMatchObject({ placed: false, path: target });
    expect(listFiles(etc)).toEqual(['docker']);
  });

  test('a journal that cannot be saved: an existing file is not replaced', async () => {
    const target = path.join(etc, 'docker', 'ca.crt');
    fs.writeFileSync(target, 'kept as it was');
    breakJournal();
    const result = await placeCaFile(target, ca.certPem, 'r.example.com');
    expect(result).toMatchObject({ placed: false, path: target });
    expect(fs.readFileSync(target, 'utf8')).toBe('kept as it was');
    expect(listFiles(path.join(etc, 'docker'))).toEqual(['ca.crt']);
  });

  test('the same host under two certs dirs: a backup beside each, each put back with its bytes, mode, owner and mtime', async () => {
    const targets = ['docker', 'containers'].map((d) => path.join(etc, d, 'certs.d', 'r.example.com', 'ca.crt'));
    const mtime = new Date('2021-06-01T12:00:00Z');
    const root = process.getuid?.() === 0;
    targets.forEach((t, i) => {
      fs.mkdirSync(path.dirname(t), { recursive: true });
      fs.writeFileSync(t, `original ${i}`, { mode: 0o640 });
      fs.chmodSync(t, 0o640 + i);
      if (root) fs.chownSync(t, 1000 + i, 1000 + i); // as root the tests can give the files another owner
      fs.utimesSync(t, mtime, mtime);
    });
    for (const t of targets) {
      expect(await placeCaFile(t, ca.certPem, 'r.example.com')).toMatchObject({ placed: true, action: 'extended' });
      expect(fs.readFileSync(t, 'utf8')).toMatch(/^original \d\n-----BEGIN CERTIFICATE-----/);
      expect(fs.readFileSync(`${t}.werf-ship.orig`, 'utf8')).toMatch(/^original \d$/);
      if (root) expect(fs.statSync(t).uid).toBe(1000 + targets.indexOf(t)); // the owner stays while the CA is in
    }
    expect(await undoFiles(journal())).toEqual([]);
    targets.forEach((t, i) => {
      expect(fs.readFileSync(t, 'utf8')).toBe(`original ${i}`);
      expect(fs.statSync(t).mode & 0o777).toBe(0o640 + i);
      if (root) expect([fs.statSync(t).uid, fs.statSync(t).gid]).toEqual([1000 + i, 1000 + i]);
      expect(fs.statSync(t).mtime.toISOString()).toBe(mtime.toISOString());
      expect(listFiles(path.dirname(t))).toEqual(['ca.crt']);
    });
  });
});

describe('a runner user that may not write the place', () => {
  test('no passwordless sudo: not placed, the reason and the fix, and nothing recorded or changed', async () => {
    const target = path.join(etc, 'docker', 'certs.d', 'r.example.com', 'ca.crt');
    const calls: string[][] = [];
    const noSudo: RunCommand = async (command, args) => {
      calls.push([command, ...args]);
      return { exitCode: 1, stdout: '', stderr: 'sudo: a password is required' };
    };
    const result = await placeCaFile(target, ca.certPem, 'r.example.com', { files: sudoFiles(noSudo) });
    expect(result).toEqual({
      placed: false,
      path: target,
      reason: 'sudo true: sudo: a password is required',
      fix: `sudo install -D -m 0644 ca.crt ${target} (ca.crt: the CA certificate you give in ca-cert)`,
    });
    expect(calls).toEqual([['sudo', '-n', 'true']]);
    expect(journal()).toEqual([]);
    expect(listFiles(etc)).toEqual(['docker']);
  });
});
