// The committed bundle, main + post through the runner emulation (mock GitHub), with the werf test double pushing to
// a real plain-HTTP Distribution registry through a fault-injecting proxy: what a user sees when the registry is unwell
// while the action verifies the push.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';
import { startRegistry, stopAll, type Registry } from './support/rig/index.js';
import { startFaultProxy, type FaultProxy } from './support/faults/proxy.js';
import { TestJobs, failureLine, plainHttpBuild, type Scenario } from './support/scenario.js';

let reg: Registry;
let proxy: FaultProxy;
const tests = new TestJobs();

beforeAll(async () => {
  reg = await startRegistry({ tls: false, auth: 'none' });
  proxy = await startFaultProxy(reg.url);
});

beforeEach(() => {
  proxy.setRules([]);
  proxy.seen.length = 0;
  proxy.ranged.length = 0;
});

afterAll(async () => {
  tests.cleanup();
  await proxy?.stop();
  await stopAll();
});

const job = (s: Scenario, repo: string) => plainHttpBuild(tests, s, proxy.host, repo);

// Faults only for the verification's reads of the final images: werf's push, its reads of the stages and its copy to
// final-repo pass untouched.
const manifestGets = (repo: string) => new RegExp(`^GET /v2/${repo}/manifests/[0-9a-f]{56}-\\d{13}$`);

describe('verification against a faulty registry, end to end', () => {
  test('a registry that keeps answering 503: the failure line says "could not be checked (registry busy)", verified=false', async () => {
    const s = tests.scenario(['backend', 'frontend']);
    proxy.setRules([
      { match: manifestGets('busy/app'), times: Number.POSITIVE_INFINITY, fault: { kind: 'status', status: 503 } },
    ]);
    const j = await job(s, 'busy');
    expect(j.main.exitCode).toBe(1);
    expect(failureLine(j)).toMatch(
      /^2 of 2 images could not be checked in the registry \(registry busy\), so the push is not verified \(nothing proves an image missing\); run the job again when the registry answers\. backend \(.*\): the manifest of tag \S+ could not be checked in .*: GET .* answered 503: no error body$/,
    );
    expect(failureLine(j)).not.toMatch(/not in the registry/);
    expect(j.outputs.verified).toBe('false');
    // The images output keeps its shape: what werf reported, pinned by digest.
    const images = JSON.parse(j.outputs.images ?? '{}') as Record<string, Record<string, unknown>>;
    expect(Object.keys(images).sort()).toEqual(['backend', 'frontend']);
    for (const image of Object.values(images)) {
      expect(Object.keys(image).sort()).toEqual(['digest', 'image', 'platforms', 'ref']);
      expect(image.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(image.ref).toBe(`${proxy.host}/busy/app@${image.digest}`);
    }
    // The summary gives the reason per image, and lists each problem.
    for (const name of ['backend', 'frontend']) {
      expect(j.summary).toMatch(new RegExp(`\\| ${name} \\| .* \\| ⚠️ could not be checked \\(registry busy\\) \\|`));
      expect(j.summary).toMatch(new RegExp(`- Image ${name} \\(.*\\): could not be checked \\(registry busy\\): `));
    }
    expect(j.summary).toContain('❌ 2 of 2 images could not be checked in the registry (registry busy)');
    // Each manifest was asked 1 + 4 times (the default retries), then the stage gave up.
    expect(proxy.seen.filter((l) => manifestGets('busy/app').test(l))).toHaveLength(2 * 5);
  });

  test('a reset in the middle of a manifest body: fetched again in full, and the push verifies', async () => {
    const s = tests.scenario(['app']);
    proxy.setRules([{ match: manifestGets('reset/app'), times: 1, fault: { kind: 'reset-body' } }]);
    const j = await job(s, 'reset');
    expect({ exit: j.main.exitCode, failure: failureLine(j) }).toEqual({ exit: 0, failure: undefined });
    expect(j.outputs.verified).toBe('true');
    expect(j.summary).toMatch(/\| app \| .* \| ✅ verified \|/);
    expect(proxy.seen.filter((l) => manifestGets('reset/app').test(l))).toHaveLength(2);
    expect(proxy.ranged).toEqual([]);
  });

  test('a blob really gone: the failure line says "not in the registry as werf reported"', async () => {
    const s = tests.scenario(['app']);
    // The registry's own answer for a blob it does not have, for every blob HEAD of the verification.
    proxy.setRules([
      {
        match: /^HEAD \/v2\/gone\/app\/blobs\//,
        times: Number.POSITIVE_INFINITY,
        fault: { kind: 'status', status: 404 },
      },
    ]);
    const j = await job(s, 'gone');
    expect(j.main.exitCode).toBe(1);
    expect(failureLine(j)).toMatch(
      /^1 of 1 image is not in the registry as werf reported\. app \(.*\): the layer blob sha256:\w+ of manifest sha256:\w+ is missing from .*: HEAD .* answered 404: BLOB_UNKNOWN/,
    );
    expect(j.outputs.verified).toBe('false');
    expect(j.summary).toMatch(/\| app \| .* \| ❌ not in the registry as werf reported \|/);
  });
});
