// Several jobs on one self-hosted runner (issue 11): concurrent runs of the committed bundle (runner emulation: mock
// GitHub) that share the machine's certs.d folders, against real TLS registries of the rig, in the orders that broke.
// The werf test double pushes the stages with the Docker daemon's trust, which it reads from the shared docker certs.d
// folder, so a CA another job's post step took away shows up as a failed push.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { makeCa, startRegistry, stopAll, type Registry, type TestCa } from '../support/rig/index.js';
import { repoRoot, type JobResult, type StepResult } from '../support/runner.js';
import { TestJobs, failureLine, filesBelow, type Scenario, type SystemDirs } from '../support/scenario.js';

const GATED_WERF = path.join(repoRoot, '__tests__/support/gated-werf/werf');

let caA: TestCa;
let caB: TestCa;
let caSpare: TestCa;
let regA: Registry;
let regB: Registry;
const tests = new TestJobs();

beforeAll(async () => {
  [caA, caB, caSpare] = await Promise.all([
    makeCa({ cn: 'registry-a-ca' }),
    makeCa({ cn: 'registry-b-ca' }),
    makeCa({ cn: 'rotation-spare-ca' }),
  ]);
  [regA, regB] = await Promise.all([
    startRegistry({ ca: caA, auth: 'none' }),
    startRegistry({ ca: caB, auth: 'none' }),
  ]);
});

afterAll(async () => {
  tests.cleanup();
  await stopAll();
});

/** A runner machine: /etc/docker and /etc/containers exist, their certs.d folders do not (yet). */
function machine(): SystemDirs & { etc: string } {
  const etc = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-etc-'));
  fs.mkdirSync(path.join(etc, 'docker'));
  fs.mkdirSync(path.join(etc, 'containers'));
  return {
    etc,
    dockerCertsDir: path.join(etc, 'docker', 'certs.d'),
    containersCertsDir: path.join(etc, 'containers', 'certs.d'),
  };
}

/**
 * A job's inputs: build into `reg` with `caCert`, no node pull check (nothing here is about the nodes), and no Docker
 * daemon check: no daemon runs here (the double emulates its push with the shared certs.d); the daemon's own stage
 * with several jobs is in daemon/configure.test.ts.
 */
const inputs = (reg: Registry, caCert: string, name: string) => ({
  repo: `${reg.host}/${name}/stages`,
  'ca-cert': caCert,
  command: 'build',
  'verify-pull': 'off',
  'docker-daemon': 'off',
});

/** The job id main recorded (the same for every system file of one main step). */
function jobOf(main: StepResult): string {
  const journal = JSON.parse(main.state.cleanup ?? '[]') as Array<{ kind: string; job?: string }>;
  const ids = [...new Set(journal.filter((e) => e.kind === 'owned-file').map((e) => e.job))];
  expect(ids).toHaveLength(1);
  return ids[0] as string;
}

/**
 * What the machine holds under etc: every file, a CA file as the CAs it holds (by test name), an ownership record as
 * its items' holders (by job name), a folder record as "made by a job".
 */
function holdings(m: { etc: string }, names: Record<string, string>): Record<string, unknown> {
  const cas: Array<[string, TestCa]> = [
    ['caA', caA],
    ['caB', caB],
    ['spare', caSpare],
  ];
  const result: Record<string, unknown> = {};
  for (const file of filesBelow(m.etc)) {
    const text = fs.readFileSync(path.join(m.etc, file), 'utf8');
    if (file.endsWith('/ca.crt')) {
      const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
      result[file] = blocks.map((b) => cas.find(([, ca]) => ca.certPem.trim() === b.trim())?.[0] ?? 'unknown');
    } else if (file.endsWith('ca.crt.werf-ship.json')) {
      const ledger = JSON.parse(text) as { items: Array<{ holders: Array<{ job: string }> }> };
      result[file] = ledger.items.map((it) => it.holders.map((h) => names[h.job] ?? h.job));
    } else if (file.endsWith('.werf-ship.json')) {
      result[file] = JSON.parse(text).folderMadeBy ? 'made by a job' : text;
    } else result[file] = text;
  }
  return result;
}

/** The files of a host's CA under both certs.d folders, for expectations. */
function placed(host: string, cas: string[], holders: string[][]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const d of ['docker', 'containers']) {
    out[`${d}/certs.d.werf-ship.json`] = 'made by a job';
    out[`${d}/certs.d/${host}.werf-ship.json`] = 'made by a job';
    out[`${d}/certs.d/${host}/ca.crt`] = cas;
    out[`${d}/certs.d/${host}/ca.crt.werf-ship.json`] = holders;
  }
  return out;
}

function expectClean(job: JobResult, step: 'main' | 'post' = 'post'): void {
  const result = step === 'main' ? job.main : job.post;
  expect({ exit: result?.exitCode, failure: failureLine(job) }).toEqual({ exit: 0, failure: undefined });
  expect(result?.annotations.filter((a) => a.level !== 'notice')).toEqual([]);
  expect(result?.stdout).not.toMatch(/ENOENT/);
}

async function waitForFile(file: string): Promise<void> {
  for (let i = 0; i < 600 && !fs.existsSync(file); i++) await sleep(100);
  expect(fs.existsSync(file)).toBe(true);
}

/** A job whose build waits at a gate (gated werf) until the test opens it. */
function gatedJob(s: Scenario, jobInputs: Record<string, string>) {
  const gate = fs.mkdtempSync(path.join(s.dir, 'gate-'));
  const main = tests.runMain(s, { ...jobInputs, 'werf-path': GATED_WERF }, { env: { GATED_WERF_DIR: gate } });
  return {
    main,
    started: () => waitForFile(path.join(gate, 'started')),
    open: () => fs.writeFileSync(path.join(gate, 'open'), ''),
  };
}

describe('two jobs, the same registry and the same CA', () => {
  test("job 1's post while job 2 builds: job 2's push still works (the CA is shared), and job 2's post removes it", async () => {
    const m = machine();
    const [s1, s2] = [tests.scenario(['app'], m), tests.scenario(['app'], m)];
    const job1 = await tests.runMain(s1, inputs(regA, caA.certPem, 'one'));
    expectClean(job1.withoutPost(), 'main');
    const names: Record<string, string> = { [jobOf(job1.main)]: 'job1' };
    expect(holdings(m, names)).toEqual(placed(regA.host, ['caA'], [['job1']]));

    const job2 = gatedJob(s2, inputs(regA, caA.certPem, 'two'));
    await job2.started(); // job 2 installed its trust and is about to push
    const job2Main = await Promise.race([job2.main, sleep(0).then(() => undefined)]);
    expect(job2Main).toBeUndefined();
    const job2Id = JSON.parse(fs.readFileSync(path.join(m.dockerCertsDir, regA.host, 'ca.crt.werf-ship.json'), 'utf8'))
      .items[0].holders[1].job as string;
    names[job2Id] = 'job2';
    // The second job saw the CA already there and recorded its claim (the bug: it recorded nothing).
    expect(holdings(m, names)).toEqual(placed(regA.host, ['caA'], [['job1', 'job2']]));

    const post1 = await job1.post();
    expectClean(post1);
    expect(post1.post?.stdout).toContain(`the CA for ${regA.host} stays, still used by`);
    expect(holdings(m, names)).toEqual(placed(regA.host, ['caA'], [['job2']]));

    job2.open();
    const main2 = await job2.main;
    expectClean(main2.withoutPost(), 'main');
    expect(jobOf(main2.main)).toBe(job2Id);
    expect(main2.main.outputs.verified).toBe('true');
    const post2 = await main2.post();
    expectClean(post2);
    expect(holdings(m, names)).toEqual({});
    expect(fs.readdirSync(path.join(m.etc, 'docker'))).toEqual([]);
  });
});

describe("a folder one job made, with another job's CA for another registry in it", () => {
  test("job A's post (A made certs.d) leaves B's CA, B's push still works, and B's post leaves nothing", async () => {
    const m = machine();
    const [sA, sB] = [tests.scenario(['app'], m), tests.scenario(['app'], m)];
    const jobA = await tests.runMain(sA, inputs(regA, caA.certPem, 'a'));
    expectClean(jobA.withoutPost(), 'main');
    const jobB = gatedJob(sB, inputs(regB, caB.certPem, 'b'));
    await jobB.started();
    const names: Record<string, string> = { [jobOf(jobA.main)]: 'A' };
    const idB = JSON.parse(fs.readFileSync(path.join(m.dockerCertsDir, regB.host, 'ca.crt.werf-ship.json'), 'utf8'))
      .items[0].holders[0].job as string;
    names[idB] = 'B';
    expect(holdings(m, names)).toEqual({
      ...placed(regA.host, ['caA'], [['A']]),
      ...placed(regB.host, ['caB'], [['B']]),
    });

    expectClean(await jobA.post());
    expect(holdings(m, names)).toEqual(placed(regB.host, ['caB'], [['B']]));

    jobB.open();
    const mainB = await jobB.main;
    expectClean(mainB.withoutPost(), 'main');
    expect(mainB.main.outputs.verified).toBe('true');
    expectClean(await mainB.post());
    expect(holdings(m, names)).toEqual({});
  });
});

describe('two jobs with different CAs for one registry (one gives the CA, one a bundle with a spare CA for rotation)', () => {
  test.each([['job1 first'], ['job2 first']])(
    'mains at once, both CAs trusted while both run; posts %s: each takes out its own, nothing left, no warning',
    async (order) => {
      const m = machine();
      const [s1, s2] = [tests.scenario(['app'], m), tests.scenario(['app'], m)];
      const bundle = `${caSpare.certPem.trim()}\n${caA.certPem}`;
      const [job1, job2] = await Promise.all([
        tests.runMain(s1, inputs(regA, caA.certPem, 'one')),
        tests.runMain(s2, inputs(regA, bundle, 'two')),
      ]);
      expectClean(job1.withoutPost(), 'main');
      expectClean(job2.withoutPost(), 'main');
      const names = { [jobOf(job1.main)]: 'job1', [jobOf(job2.main)]: 'job2' };
      const docker = holdings(m, names)[`docker/certs.d/${regA.host}/ca.crt`] as string[];
      // Each job's own block, in the order the jobs got the lock.
      expect([
        ['caA', 'spare', 'caA'],
        ['spare', 'caA', 'caA'],
      ]).toContainEqual(docker);
      const both = holdings(m, names)[`docker/certs.d/${regA.host}/ca.crt.werf-ship.json`] as string[][];
      expect(both.flat().sort()).toEqual(['job1', 'job2']);

      const [first, second] = order === 'job1 first' ? [job1, job2] : [job2, job1];
      expectClean(await first.post());
      expect(holdings(m, names)).toEqual(
        placed(regA.host, second === job1 ? ['caA'] : ['spare', 'caA'], [[second === job1 ? 'job1' : 'job2']]),
      );
      expectClean(await second.post());
      expect(holdings(m, names)).toEqual({});
    },
  );
});

describe('three jobs interleaved', () => {
  test('1 and 2 start together; 1 ends while 3 starts (same registry and CA as 1); 2 and 3 end together: nothing left', async () => {
    const m = machine();
    const [s1, s2, s3] = [tests.scenario(['app'], m), tests.scenario(['app'], m), tests.scenario(['app'], m)];
    const [job1, job2] = await Promise.all([
      tests.runMain(s1, inputs(regA, caA.certPem, 'one')),
      tests.runMain(s2, inputs(regB, caB.certPem, 'two')),
    ]);
    expectClean(job1.withoutPost(), 'main');
    expectClean(job2.withoutPost(), 'main');
    const names: Record<string, string> = { [jobOf(job1.main)]: 'job1', [jobOf(job2.main)]: 'job2' };
    expect(holdings(m, names)).toEqual({
      ...placed(regA.host, ['caA'], [['job1']]),
      ...placed(regB.host, ['caB'], [['job2']]),
    });

    // Job 1's post and job 3's main at once, on the same CA file: whichever gets the lock first, job 3 ends up
    // holding the CA (created again, or shared and then left by job 1).
    const [post1, job3] = await Promise.all([job1.post(), tests.runMain(s3, inputs(regA, caA.certPem, 'three'))]);
    expectClean(post1);
    expectClean(job3.withoutPost(), 'main');
    expect(job3.main.outputs.verified).toBe('true');
    names[jobOf(job3.main)] = 'job3';
    expect(holdings(m, names)).toEqual({
      ...placed(regA.host, ['caA'], [['job3']]),
      ...placed(regB.host, ['caB'], [['job2']]),
    });

    const [post2, post3] = await Promise.all([job2.post(), job3.post()]);
    expectClean(post2);
    expectClean(post3);
    expect(holdings(m, names)).toEqual({});
    expect(fs.readdirSync(path.join(m.etc, 'docker'))).toEqual([]);
    expect(fs.readdirSync(path.join(m.etc, 'containers'))).toEqual([]);
  });
});
