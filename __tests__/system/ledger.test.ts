import { describe, expect, test } from '@jest/globals';
import {
  parseLedger,
  planClaim,
  planRelease,
  sha256,
  type Holder,
  type Ledger,
  type ReleasePlan,
} from '../../src/system/ledger.js';
import { sharedContent } from '../../src/system/formats.js';

// The ownership rules as pure functions: what to write and what to undo, given the record and the file's content.
const FILE = '/etc/docker/certs.d/r.example.com/ca.crt';
const BACKUP = `${FILE}.werf-ship.orig`;
const KEEP = `${BACKUP}-20250101T000000Z`;
const FORMAT = { kind: 'text-blocks' } as const;
const pem = (name: string) => `-----BEGIN CERTIFICATE-----\n${name}\n-----END CERTIFICATE-----\n`;
const CA1 = pem('Q0Ex');
const CA2 = pem('Q0Ey');
const ADMIN = pem('YWRtaW4=');
const holder = (job: string): Holder => ({ job, description: `job ${job}`, since: '2025-01-01T00:00:00Z' });
const running = () => true;

/** One job claims `item` in a file that holds `current`; returns the new record and content. */
function claim(job: string, item: string, current: string | undefined, ledger?: Ledger) {
  const plan = planClaim({
    ledger,
    current,
    format: FORMAT,
    item,
    label: `CA ${item === CA1 ? 1 : 2}`,
    holder: holder(job),
    backup: BACKUP,
  });
  return { plan, ledger: plan.ledger, content: plan.write ?? current };
}

/** One job's post step: the plan, and the content after it (the backup put back = `original`). */
function release(
  job: string | undefined,
  ledger: Ledger,
  current: string | undefined,
  o: { original?: string; isRunning?: (h: Holder) => boolean } = {},
) {
  const plan: ReleasePlan = planRelease({
    file: FILE,
    ledger,
    current,
    original: o.original,
    job,
    isRunning: o.isRunning ?? running,
    keepBackupAs: KEEP,
  });
  let content = plan.write ?? current;
  if (plan.then?.kind === 'restore') content = o.original;
  if (plan.then?.kind === 'remove') content = undefined;
  return { plan, ledger: plan.ledger, content };
}

describe('planClaim: what a job writes', () => {
  test('no file: it is created with the CA, and the record says the file did not exist', () => {
    const { plan } = claim('A', CA1, undefined);
    expect(plan).toEqual({
      outcome: 'created',
      write: CA1,
      backup: undefined,
      ledger: {
        version: 1,
        format: FORMAT,
        before: { existed: false },
        items: [{ label: 'CA 1', text: CA1, sha256: sha256(CA1), placed: true, holders: [holder('A')] }],
      },
    });
  });

  test('the same CA placed by another job: nothing written, the second job is recorded as a holder (the old bug recorded nothing)', () => {
    const a = claim('A', CA1, undefined);
    const b = claim('B', CA1, a.content, a.ledger);
    expect(b.plan.outcome).toBe('shared');
    expect(b.plan.write).toBeUndefined();
    expect(b.ledger.items).toHaveLength(1);
    expect(b.ledger.items[0]?.holders.map((h) => h.job)).toEqual(['A', 'B']);
  });

  test("the admin's file: a backup before the first change, then the CA appended", () => {
    const { plan } = claim('A', CA1, ADMIN);
    expect(plan.outcome).toBe('extended');
    expect(plan.backup).toBe(BACKUP);
    expect(plan.write).toBe(ADMIN + CA1);
    expect(plan.ledger.before).toEqual({ existed: true, backup: BACKUP });
  });

  test('a second change to a file already backed up makes no second backup', () => {
    const a = claim('A', CA1, ADMIN);
    const b = claim('B', CA2, a.content, a.ledger);
    expect(b.plan).toMatchObject({ outcome: 'extended', backup: undefined, write: ADMIN + CA1 + CA2 });
  });

  test('the CA is in the file before any job: unchanged, never ours to take out', () => {
    const { plan } = claim('A', CA1, ADMIN + CA1);
    expect(plan).toMatchObject({ outcome: 'unchanged', write: undefined, backup: undefined });
    expect(plan.ledger.items[0]?.placed).toBe(false);
  });

  test('a file without a final newline: the CA starts on a line of its own', () => {
    expect(claim('A', CA1, ADMIN.trimEnd()).plan.write).toBe(ADMIN + CA1);
  });

  test('a record that keeps the file as another format: refused, nothing to write', () => {
    const a = claim('A', CA1, undefined);
    const other = { ...a.ledger, format: { kind: 'json-list', key: 'insecure-registries' } } as unknown as Ledger;
    expect(() => claim('B', CA1, a.content, other)).toThrow(/its ownership record keeps it as .*json-list/);
  });

  test('a CA someone else took out: put back, and from then on a job placed it', () => {
    const a = claim('A', CA1, ADMIN + CA1); // the admin's
    const b = claim('B', CA1, ADMIN, a.ledger); // the admin removed it meanwhile
    expect(b.plan.outcome).toBe('extended');
    expect(b.ledger.items[0]?.placed).toBe(true);
  });
});

describe('planRelease: what a post step undoes', () => {
  test('same registry, same CA: the first post leaves the file for the second job, the second removes it', () => {
    const a = claim('A', CA1, undefined);
    const b = claim('B', CA1, a.content, a.ledger);
    const postA = release('A', b.ledger, b.content);
    expect(postA.plan).toMatchObject({ changed: true, write: undefined, then: undefined, warnings: [] });
    expect(postA.plan.notes).toEqual([`${FILE}: CA 1 stays, still used by job B.`]);
    expect(postA.ledger?.items[0]?.holders.map((h) => h.job)).toEqual(['B']);
    const postB = release('B', postA.ledger!, postA.content);
    expect(postB.plan).toMatchObject({ changed: true, ledger: undefined, then: { kind: 'remove' }, warnings: [] });
    expect(postB.content).toBeUndefined();
  });

  test.each([
    ['A', 'B'],
    ['B', 'A'],
  ])(
    'two jobs, two CAs for one host, posts %s then %s: each takes out its own CA, the last removes the file',
    (first, second) => {
      const a = claim('A', CA1, undefined);
      const b = claim('B', CA2, a.content, a.ledger);
      expect(b.content).toBe(CA1 + CA2);
      const one = release(first, b.ledger, b.content);
      expect(one.content).toBe(first === 'A' ? CA2 : CA1);
      expect(one.plan.warnings).toEqual([]);
      const two = release(second, one.ledger!, one.content);
      expect(two.plan).toMatchObject({ ledger: undefined, then: { kind: 'remove' }, warnings: [], notes: [] });
    },
  );

  test("the admin's file: the CA taken out, then the original put back from the backup (its exact bytes, mode, mtime)", () => {
    const a = claim('A', CA1, ADMIN.trimEnd());
    const post = release('A', a.ledger, a.content, { original: ADMIN.trimEnd() });
    expect(post.plan).toMatchObject({
      write: ADMIN,
      then: { kind: 'restore', backup: BACKUP },
      ledger: undefined,
      warnings: [],
    });
  });

  test("three jobs on the admin's file, posts interleaved: the backup comes back only after the last", () => {
    let l = claim('A', CA1, ADMIN);
    l = claim('B', CA2, l.content, l.ledger);
    l = claim('C', CA1, l.content, l.ledger);
    expect(l.content).toBe(ADMIN + CA1 + CA2);
    const b = release('B', l.ledger, l.content, { original: ADMIN });
    expect(b.content).toBe(ADMIN + CA1);
    const a = release('A', b.ledger!, b.content, { original: ADMIN });
    expect(a.plan).toMatchObject({ changed: true, write: undefined, then: undefined });
    const c = release('C', a.ledger!, a.content, { original: ADMIN });
    expect(c.plan).toMatchObject({ then: { kind: 'restore', backup: BACKUP }, ledger: undefined, warnings: [] });
  });

  test("the admin's own CA: never taken out, nothing to put back", () => {
    const a = claim('A', CA1, ADMIN + CA1);
    const post = release('A', a.ledger, a.content);
    expect(post.plan).toMatchObject({
      changed: true,
      ledger: undefined,
      write: undefined,
      then: undefined,
      warnings: [],
    });
    expect(post.content).toBe(ADMIN + CA1);
  });

  test('a job that holds nothing here (its claim never got this far): nothing changes', () => {
    const a = claim('A', CA1, undefined);
    const post = release('X', a.ledger, a.content);
    expect(post.plan).toMatchObject({ changed: false, ledger: a.ledger, released: [], warnings: [] });
  });

  test('changed by someone else after a job: the CA taken out, the rest left, the backup kept under a name of its own, and a warning that says why', () => {
    const a = claim('A', CA1, ADMIN);
    const post = release('A', a.ledger, `${a.content}# added by hand\n`, { original: ADMIN });
    expect(post.content).toBe(`${ADMIN}# added by hand\n`);
    expect(post.plan.then).toEqual({ kind: 'keep-backup', backup: BACKUP, keepAs: KEEP });
    expect(post.plan.warnings).toEqual([
      `${FILE} was not put back from its backup: someone else changed it after a job had (it holds more than the original and the jobs' items). CA 1 was taken out; the rest is left as it is; the original is kept in ${KEEP}.`,
    ]);
  });

  test('a file the jobs made that someone else added to: left in place, with the reason', () => {
    const a = claim('A', CA1, undefined);
    const post = release('A', a.ledger, `${a.content}${ADMIN}`);
    expect(post.content).toBe(ADMIN);
    expect(post.plan.then).toBeUndefined();
    expect(post.plan.warnings).toEqual([
      `${FILE} was left in place: a job made it, but it now holds what no job placed (someone else added it). CA 1 was taken out; the rest is left as it is.`,
    ]);
  });

  test('the file removed by someone else: nothing to take out; a backup is kept, with the reason', () => {
    const a = claim('A', CA1, ADMIN);
    const post = release('A', a.ledger, undefined, { original: ADMIN });
    expect(post.plan.notes).toEqual([`${FILE}: CA 1 was no longer in it.`]);
    expect(post.plan.then).toEqual({ kind: 'keep-backup', backup: BACKUP, keepAs: KEEP });
    expect(post.plan.warnings[0]).toBe(
      `${FILE} was not put back from its backup: someone else removed the file after a job had changed it. The original is kept in ${KEEP}.`,
    );
  });

  test('the backup removed by someone else: the CA taken out, and a warning that the original cannot come back', () => {
    const a = claim('A', CA1, ADMIN);
    const post = release('A', a.ledger, a.content, { original: undefined });
    expect(post.content).toBe(ADMIN);
    expect(post.plan.warnings).toEqual([
      `${FILE} could not be put back: its backup ${BACKUP} is gone. CA 1 was taken out; the rest is left as it is.`,
    ]);
  });

  test.each([
    ['the bundle first', true],
    ['the single CA first', false],
  ])(
    "one job's ca-cert is a bundle that holds another job's CA (%s): each keeps its own copy, and posts in either order leave nothing",
    (_, bundleFirst) => {
      const bundle = CA2 + CA1;
      for (const order of [
        ['A', 'B'],
        ['B', 'A'],
      ]) {
        const [x, y] = bundleFirst ? [bundle, CA1] : [CA1, bundle];
        const a = claim('A', x, undefined);
        const b = claim('B', y, a.content, a.ledger);
        expect(b.plan.outcome).toBe('extended');
        expect(b.content).toBe(x + y);
        const one = release(order[0], b.ledger, b.content);
        const leftFor = order[0] === 'A' ? y : x;
        expect(one.content).toBe(leftFor);
        const two = release(order[1], one.ledger!, one.content);
        expect(two.plan).toMatchObject({ then: { kind: 'remove' }, warnings: [], notes: [] });
      }
    },
  );

  test('a job that ended without its post step: the next job drops its claim and takes its CA out', () => {
    const a = claim('A', CA1, undefined);
    const b = claim('B', CA2, a.content, a.ledger);
    const gc = release(undefined, b.ledger, b.content, { isRunning: (h) => h.job !== 'A' });
    expect(gc.content).toBe(CA2);
    expect(gc.plan.stopped.map((h) => h.job)).toEqual(['A']);
    expect(gc.plan.notes).toEqual([`${FILE}: dropped the claims of jobs that ended without their post step: job A.`]);
    expect(gc.ledger?.items.map((it) => it.holders.map((h) => h.job))).toEqual([['B']]);
  });

  test('no job ended: nothing to drop', () => {
    const a = claim('A', CA1, undefined);
    expect(release(undefined, a.ledger, a.content).plan).toMatchObject({ changed: false, notes: [] });
  });
});

describe('the ownership record', () => {
  test('read back as written; none is undefined', () => {
    const { ledger } = claim('A', CA1, undefined);
    expect(parseLedger(JSON.stringify(ledger))).toEqual(ledger);
    expect(parseLedger(undefined)).toBeUndefined();
  });

  test('a file that is not a record is refused, not guessed at', () => {
    expect(() => parseLedger('{"version":1')).toThrow(/^it is not JSON/);
    expect(() => parseLedger('{"version":2,"items":[]}')).toThrow('it is not an ownership record of version 1');
  });
});

describe('text blocks (a PEM bundle)', () => {
  const blocks = sharedContent(FORMAT);

  test('a block is found only as whole lines', () => {
    expect(blocks.holds(ADMIN + CA1, CA1)).toBe(true);
    expect(blocks.holds(CA1.trimEnd(), CA1)).toBe(true);
    expect(blocks.holds(`x${CA1}`, CA1)).toBe(false);
    expect(blocks.holds(CA1.replace(/\n$/, 'x\n'), CA1)).toBe(false);
  });

  test('remove takes out one copy: the last, which a job appended; the same text before it stays', () => {
    expect(blocks.remove(CA1 + ADMIN + CA1, CA1)).toBe(CA1 + ADMIN);
    expect(blocks.remove(ADMIN, CA1)).toBeUndefined();
    expect(blocks.remove(`${ADMIN}${CA1.replace(/\n/g, '\r\n')}`, CA1.replace(/\n/g, '\r\n'))).toBe(ADMIN);
  });

  test('a copy inside another block that must stay is not the one taken out', () => {
    const bundle = CA2 + CA1; // another job's bundle that holds CA1 too
    expect(blocks.remove(CA1 + bundle, CA1, [bundle])).toBe(bundle);
    expect(blocks.remove(bundle, CA1, [bundle])).toBeUndefined();
    expect(blocks.remove(bundle, CA1)).toBe(CA2);
  });

  test('the original, give or take the final newline a job added; empty is blank', () => {
    expect(blocks.isOriginal(ADMIN, ADMIN.trimEnd())).toBe(true);
    expect(blocks.isOriginal(ADMIN + CA1, ADMIN)).toBe(false);
    expect(blocks.isEmpty(' \n')).toBe(true);
    expect(blocks.isEmpty(CA1)).toBe(false);
  });
});
