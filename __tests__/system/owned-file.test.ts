import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { claimOwnedFile, releaseOwnedFile, type OwnedFileOptions } from '../../src/system/owned-file.js';
import { stampOf, type JobOwner } from '../../src/system/owner.js';
import type { OwnedFileEntry } from '../../src/state.js';
import { endedProcessStamp } from '../support/ended-process.js';

// Several jobs on one machine, in one process: each job is its own owner (job id, worker), the files are real files in
// a temp dir that stands for /etc. The runs of the bundle against the rig are in __tests__/trust/several-jobs.test.ts.
let etc: string;
let docker: string;
let journal: OwnedFileEntry[];

beforeEach(() => {
  etc = fs.mkdtempSync(path.join(os.tmpdir(), 'owned-'));
  docker = path.join(etc, 'docker');
  fs.mkdirSync(docker);
  journal = [];
  jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterEach(() => {
  jest.restoreAllMocks();
  fs.rmSync(etc, { recursive: true, force: true });
});

const pem = (name: string) =>
  `-----BEGIN CERTIFICATE-----\n${Buffer.from(name).toString('base64')}\n-----END CERTIFICATE-----\n`;
const CA1 = pem('ca one');
const CA2 = pem('ca two');
const owner = (job: string, worker = stampOf(process.pid)): JobOwner => ({ job, description: `job ${job}`, worker });
const caFile = (host: string) => path.join(docker, 'certs.d', host, 'ca.crt');

function claim(job: string | JobOwner, file: string, ca: string, o: OwnedFileOptions = {}) {
  return claimOwnedFile(
    { path: file, format: { kind: 'text-blocks' }, item: ca, label: `the CA ${ca === CA1 ? 1 : 2}` },
    { owner: typeof job === 'string' ? owner(job) : job, record: (e) => journal.push(e), waitMs: 10_000, ...o },
  );
}

/** The post step of one job: its journal entries, newest first. */
async function post(job: string, o: OwnedFileOptions = {}) {
  const warnings: string[] = [];
  const notes: string[] = [];
  for (const entry of journal.filter((e) => e.job === job).reverse()) {
    const r = await releaseOwnedFile(entry.path, entry.job, o);
    warnings.push(...r.warnings);
    notes.push(...r.notes);
  }
  return { warnings, notes };
}

const holders = (file: string) =>
  (
    JSON.parse(fs.readFileSync(`${file}.werf-ship.json`, 'utf8')) as {
      items: { sha256: string; holders: { job: string }[] }[];
    }
  ).items.map((it) => it.holders.map((h) => h.job));
const tree = () => (fs.readdirSync(docker, { recursive: true }) as string[]).sort();

describe('two jobs, the same registry and the same CA', () => {
  test('the second job records its claim; the first post leaves the CA for it; the second post removes everything', async () => {
    const file = caFile('r.example.com:5000');
    expect(await claim('A', file, CA1)).toEqual({ outcome: 'created', sudo: false });
    expect(await claim('B', file, CA1)).toEqual({ outcome: 'shared', sudo: false });
    expect(fs.readFileSync(file, 'utf8')).toBe(CA1);
    expect(holders(file)).toEqual([['A', 'B']]);

    const a = await post('A');
    expect(a.warnings).toEqual([]);
    expect(a.notes).toEqual([`${file}: the CA 1 stays, still used by job B.`]);
    expect(fs.readFileSync(file, 'utf8')).toBe(CA1);
    expect(holders(file)).toEqual([['B']]);

    expect(await post('B')).toEqual({
      warnings: [],
      notes: [
        `Removed the folder ${path.dirname(file)} (made by a job, now empty).`,
        `Removed the folder ${path.join(docker, 'certs.d')} (made by a job, now empty).`,
      ],
    });
    expect(tree()).toEqual([]);
  });
});

describe("a folder one job made, with another job's CA for another registry in it", () => {
  test("the first job's post removes only its own; the folder goes with the last job's post", async () => {
    const one = caFile('one.example.com');
    const two = caFile('two.example.com');
    await claim('A', one, CA1); // makes certs.d
    await claim('B', two, CA2);
    expect(await post('A')).toMatchObject({ warnings: [] });
    expect(tree()).toEqual([
      'certs.d',
      'certs.d.werf-ship.json',
      'certs.d/two.example.com',
      'certs.d/two.example.com.werf-ship.json',
      'certs.d/two.example.com/ca.crt',
      'certs.d/two.example.com/ca.crt.werf-ship.json',
    ]);
    expect(fs.readFileSync(two, 'utf8')).toBe(CA2);
    expect(await post('B')).toMatchObject({ warnings: [] });
    expect(tree()).toEqual([]);
  });

  test('a folder the admin made stays, even when empty', async () => {
    fs.mkdirSync(path.join(docker, 'certs.d'));
    await claim('A', caFile('one.example.com'), CA1);
    await post('A');
    expect(tree()).toEqual(['certs.d']);
  });
});

describe('two jobs, two CAs for one registry', () => {
  test.each([
    ['A', 'B'],
    ['B', 'A'],
  ])(
    'both CAs trusted while both run; posts %s then %s: each takes out its own, nothing left, no warning',
    async (first, second) => {
      const file = caFile('r.example.com');
      await claim('A', file, CA1);
      expect(await claim('B', file, CA2)).toMatchObject({ outcome: 'extended' });
      expect(fs.readFileSync(file, 'utf8')).toBe(CA1 + CA2);
      expect(await post(first)).toMatchObject({ warnings: [] });
      expect(fs.readFileSync(file, 'utf8')).toBe(first === 'A' ? CA2 : CA1);
      expect(await post(second)).toMatchObject({ warnings: [] });
      expect(tree()).toEqual([]);
    },
  );
});

describe('three jobs at once', () => {
  test('claims at the same moment: each CA once, every job recorded; releases at the same moment: nothing left', async () => {
    const file = caFile('r.example.com');
    const outcomes = await Promise.all([claim('A', file, CA1), claim('B', file, CA2), claim('C', file, CA1)]);
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(['created', 'extended', 'shared']);
    const content = fs.readFileSync(file, 'utf8');
    expect(content.split(CA1).length - 1).toBe(1);
    expect(content.split(CA2).length - 1).toBe(1);
    expect(holders(file).flat().sort()).toEqual(['A', 'B', 'C']);
    const posts = await Promise.all(['A', 'B', 'C'].map((j) => post(j)));
    expect(posts.flatMap((p) => p.warnings)).toEqual([]);
    expect(tree()).toEqual([]);
  });
});

describe("what is not this job's", () => {
  test("the admin's file: the original comes back only after the last job; changed by hand meanwhile: left, with the reason, and the backup kept", async () => {
    const file = caFile('r.example.com');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, 'admin\n');
    await claim('A', file, CA1);
    fs.appendFileSync(file, '# added by hand\n');
    const a = await post('A');
    expect(fs.readFileSync(file, 'utf8')).toBe('admin\n# added by hand\n');
    expect(a.warnings).toHaveLength(1);
    expect(a.warnings[0]).toMatch(
      new RegExp(
        `^${file.replace(/[.]/g, '\\.')} was not put back from its backup: someone else changed it after a job had .* the original is kept in ${file.replace(/[.]/g, '\\.')}\\.werf-ship\\.orig-\\d{8}T\\d{6}Z\\.$`,
      ),
    );
    const kept = fs.readdirSync(path.dirname(file)).filter((f) => f.includes('.orig-'));
    expect(kept).toHaveLength(1);
    expect(fs.readFileSync(path.join(path.dirname(file), kept[0]!), 'utf8')).toBe('admin\n');
    expect(fs.readdirSync(path.dirname(file)).sort()).toEqual(['ca.crt', kept[0]]);
  });

  test('an ownership record that is not one: the claim is refused and the file is not touched', async () => {
    const file = caFile('r.example.com');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, 'admin\n');
    fs.writeFileSync(`${file}.werf-ship.json`, 'not json');
    await expect(claim('A', file, CA1)).rejects.toThrow(
      `the ownership record ${file}.werf-ship.json cannot be read: it is not JSON`,
    );
    expect(fs.readFileSync(file, 'utf8')).toBe('admin\n');
    expect(fs.readdirSync(path.dirname(file)).sort()).toEqual(['ca.crt', 'ca.crt.werf-ship.json']);
  });

  test('a job that ended without its post step: the next job drops its claim and takes its CA out', async () => {
    const deadWorker = await endedProcessStamp();
    const file = caFile('r.example.com');
    await claim(owner('A', deadWorker), file, CA1);
    await claim('B', file, CA2);
    expect(fs.readFileSync(file, 'utf8')).toBe(CA2);
    expect(holders(file)).toEqual([['B']]);
    expect(await post('B')).toMatchObject({ warnings: [] });
    expect(tree()).toEqual([]);
  });
});

describe('afterChange: for a file a daemon must reload', () => {
  test('called after each change, with the new content, while the lock is held', async () => {
    const file = caFile('r.example.com');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, 'admin\n');
    const seen: Array<{ content: string | undefined; locked: boolean }> = [];
    const afterChange = async (content: string | undefined) => {
      seen.push({ content, locked: fs.existsSync(`${file}.werf-ship.lock`) });
    };
    await claim('A', file, CA1, { afterChange });
    await claim('B', file, CA1, { afterChange }); // shared: no change, no call
    expect(seen).toEqual([{ content: `admin\n${CA1}`, locked: true }]);
    await post('A', { afterChange });
    expect(seen).toHaveLength(1);
    await post('B', { afterChange });
    // The content without the jobs' items first (a daemon reloads it: for daemon.json the list written back
    // explicitly), then the original put back.
    expect(seen.slice(1)).toEqual([
      { content: 'admin\n', locked: true },
      { content: 'admin\n', locked: true },
    ]);
  });
});

describe("json-list: the Docker daemon's config file and its insecure-registries", () => {
  const LIST = { kind: 'json-list', key: 'insecure-registries' } as const;
  const listClaim = (job: string, file: string, host: string, o: OwnedFileOptions = {}) =>
    claimOwnedFile(
      { path: file, format: LIST, item: host, label: `the insecure-registries entry ${host}` },
      { owner: owner(job), record: (e) => journal.push(e), waitMs: 10_000, ...o },
    );

  test('an admin file: the entry added in place; the list written back explicitly ([]), then the original put back with its mode and mtime', async () => {
    const file = path.join(docker, 'daemon.json');
    const original = '{\n  "debug": false,\n  "labels": ["a=b"]\n}\n';
    fs.writeFileSync(file, original, { mode: 0o600 });
    const mtime = new Date('2021-06-01T00:00:00.123Z');
    fs.utimesSync(file, mtime, mtime);
    const seen: Array<string | undefined> = [];
    const afterChange = async (content: string | undefined) => void seen.push(content);
    expect(await listClaim('A', file, 'r:5000', { afterChange })).toEqual({ outcome: 'extended', sudo: false });
    expect(await listClaim('B', file, 's:5000', { afterChange })).toEqual({ outcome: 'extended', sudo: false });
    expect(fs.readFileSync(file, 'utf8')).toBe(
      '{\n  "debug": false,\n  "labels": ["a=b"],\n  "insecure-registries": ["r:5000", "s:5000"]\n}\n',
    );
    expect((fs.statSync(file).mode & 0o777).toString(8)).toBe('600');
    await post('A', { afterChange });
    expect(fs.readFileSync(file, 'utf8')).toContain('"insecure-registries": ["s:5000"]');
    expect(await post('B', { afterChange })).toEqual({ warnings: [], notes: [] });
    expect(seen.slice(2)).toEqual([
      '{\n  "debug": false,\n  "labels": ["a=b"],\n  "insecure-registries": ["s:5000"]\n}\n',
      '{\n  "debug": false,\n  "labels": ["a=b"],\n  "insecure-registries": []\n}\n',
      original,
    ]);
    expect(fs.readFileSync(file, 'utf8')).toBe(original);
    expect((fs.statSync(file).mode & 0o777).toString(8)).toBe('600');
    expect(fs.statSync(file).mtime.toISOString()).toBe(mtime.toISOString());
    expect(tree()).toEqual(['daemon.json']);
  });

  test("no file: created with the list, emptied explicitly, then removed; an admin's entry is never taken out; a malformed file is never touched", async () => {
    const file = path.join(docker, 'daemon.json');
    const seen: Array<string | undefined> = [];
    const afterChange = async (content: string | undefined) => void seen.push(content);
    expect(await listClaim('A', file, 'r:5000', { afterChange })).toEqual({ outcome: 'created', sudo: false });
    await post('A', { afterChange });
    expect(seen).toEqual([
      '{\n  "insecure-registries": ["r:5000"]\n}\n',
      '{\n  "insecure-registries": []\n}\n',
      undefined,
    ]);
    expect(tree()).toEqual([]);

    fs.writeFileSync(file, '{"insecure-registries": ["r:5000"]}');
    expect(await listClaim('B', file, 'r:5000')).toEqual({ outcome: 'unchanged', sudo: false });
    await post('B');
    expect(fs.readFileSync(file, 'utf8')).toBe('{"insecure-registries": ["r:5000"]}');

    fs.writeFileSync(file, '{"insecure-registries": ["r:5000"],}');
    await expect(listClaim('C', file, 's:5000')).rejects.toThrow('it is not valid JSON (at line 1, column 36)');
    expect(fs.readFileSync(file, 'utf8')).toBe('{"insecure-registries": ["r:5000"],}');
    expect(tree()).toEqual(['daemon.json']);
  });
});
