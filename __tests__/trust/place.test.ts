import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { placeCaFile } from '../../src/trust/place.js';
import { makeCa, stopAll, type TestCa } from '../support/rig/index.js';
import { listFiles, startFakeRunner, undoFiles, type FakeRunner } from './runner-env.js';

// The real filesystem (temp dirs for the system places) and the runner's real state file (mock GitHub): the journal
// entry must be saved before a place is changed, so a main step that dies half-way never leaves an untracked change.
let ca: TestCa;
let runner: FakeRunner;
let etc: string;
let source: string;
let backups: string;

beforeAll(async () => {
  ca = await makeCa({ cn: 'place-ca', days: 365 });
});

beforeEach(() => {
  runner = startFakeRunner();
  etc = path.join(runner.dir, 'etc');
  fs.mkdirSync(path.join(etc, 'docker'), { recursive: true });
  source = path.join(runner.runnerTemp, 'ca.crt');
  fs.writeFileSync(source, ca.certPem);
  backups = path.join(runner.runnerTemp, 'backup');
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
  test('a new place: the dirs are named in the journal before they exist, and the undo leaves nothing', async () => {
    const target = path.join(etc, 'docker', 'certs.d', 'r.example.com:5000', 'ca.crt');
    const result = await placeCaFile(target, ca.certPem, source, backups);
    expect(result).toMatchObject({ placed: true, action: 'created' });
    expect(fs.readFileSync(target, 'utf8')).toBe(ca.certPem);
    expect(journal()).toEqual([{ kind: 'remove-dir', path: path.join(etc, 'docker', 'certs.d') }]);
    undoFiles(journal());
    expect(listFiles(etc)).toEqual(['docker']);
  });

  test('a journal that cannot be saved: no dir or file is created', async () => {
    const target = path.join(etc, 'docker', 'certs.d', 'r.example.com:5000', 'ca.crt');
    breakJournal();
    const result = await placeCaFile(target, ca.certPem, source, backups);
    expect(result).toMatchObject({ placed: false, path: target });
    expect(listFiles(etc)).toEqual(['docker']);
  });

  test('a journal that cannot be saved: an existing file is not replaced', async () => {
    const target = path.join(etc, 'docker', 'ca.crt');
    fs.writeFileSync(target, 'kept as it was');
    breakJournal();
    const result = await placeCaFile(target, ca.certPem, source, backups);
    expect(result).toMatchObject({ placed: false, path: target });
    expect(fs.readFileSync(target, 'utf8')).toBe('kept as it was');
  });

  test('the same host under two certs dirs, one backup dir: two backups, each put back', async () => {
    const targets = ['docker', 'containers'].map((d) => path.join(etc, d, 'certs.d', 'r.example.com', 'ca.crt'));
    targets.forEach((t, i) => {
      fs.mkdirSync(path.dirname(t), { recursive: true });
      fs.writeFileSync(t, `original ${i}`);
    });
    for (const t of targets) {
      expect(await placeCaFile(t, ca.certPem, source, backups)).toMatchObject({ placed: true, action: 'extended' });
    }
    const backupsMade = journal().map((e) => (e.kind === 'restore-file' ? e.backup : ''));
    expect(new Set(backupsMade).size).toBe(2);
    undoFiles(journal());
    expect(targets.map((t) => fs.readFileSync(t, 'utf8'))).toEqual(['original 0', 'original 1']);
  });
});
