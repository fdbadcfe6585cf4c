// `npm run demo` (scripts/demo.ts) as a newcomer runs it: a real registry with TLS from a fresh CA, the committed
// bundle under the runner emulation, the werf test double. It must say that its werf is the test double, print a
// workflow step that is valid for this action, keep the job summary as a file at the path it prints, and show what
// the post step undid, each item checked.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import yaml from 'js-yaml';
import { repoRoot } from './support/runner.js';
import { actionInterface, actionName } from './support/workflow-files.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-test-'));
const summaryPath = path.join(dir, 'summary.md');
let run: { code: number | null; stdout: string; stderr: string };

beforeAll(async () => {
  const child = spawn(process.execPath, [path.join(repoRoot, 'node_modules/tsx/dist/cli.mjs'), 'scripts/demo.ts'], {
    cwd: repoRoot,
    env: { ...process.env, WERF_SHIP_DEMO_SUMMARY: summaryPath },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  run = { code, stdout, stderr };
}, 180_000);

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The text of one `── title ──` part of the demo's output. */
function part(title: string): string {
  const parts = run.stdout.split(/^── /m);
  return parts.find((p) => p.startsWith(`${title} `))?.replace(/^.*\n/, '') ?? '';
}

describe('npm run demo', () => {
  test('succeeds: main and post step exit 0', () => {
    expect({ code: run.code, stderr: run.stderr.trim() === '' ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(part('result')).toContain('main step exit code 0, post step exit code 0');
  });

  test("says that its werf is the project's test double, not werf", () => {
    const intro = run.stdout.split(/^── /m)[0] as string;
    expect(intro).toMatch(/werf here is the project's werf TEST DOUBLE \(__tests__\/support\/werf-double\/werf\)/);
    expect(intro).toMatch(/not werf\. The real werf runs in \.github\/workflows\/e2e\.yml/);
    expect(part('result')).toMatch(/werf \(test double\) calls: version \| cr login \| build --repo \| cr logout/);
  });

  test('prints a workflow step that uses this action by its published name, with inputs it declares', () => {
    const step = (yaml.load(part('the workflow step')) as Array<{ uses: string; with: Record<string, string> }>)[0];
    expect(step?.uses).toBe(`${actionName()}@v1`);
    const inputs = actionInterface().inputs;
    expect(Object.keys(step?.with ?? {}).filter((k) => !(k in inputs))).toEqual([]);
    expect(step?.with.repo).toMatch(/^127\.0\.0\.1:\d+\/shop\/stages$/);
    // The secrets are shown as secrets, not as values.
    expect(step?.with.password).toBe('${{ secrets.REGISTRY_PASSWORD }}');
  });

  test('keeps the job summary as a file and prints its path', () => {
    expect(part('job summary')).toContain(`(the job summary as markdown: ${summaryPath})`);
    const summary = fs.readFileSync(summaryPath, 'utf8');
    expect(summary).toMatch(/^## werf build\n\n✅ Shipped\./);
    expect(part('job summary')).toContain(summary.trim());
  });

  test('shows what the post step undid, each item checked on disk, and that nothing is left', () => {
    const lines = part('what the post step undid').trim().split('\n');
    expect(lines.filter((l) => !l.startsWith('✓ '))).toEqual([]);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^✓ werf cr logout 127\.0\.0\.1:\d+$/),
        '✓ SSL_CERT_FILE put back to (unset)',
        '✓ NODE_EXTRA_CA_CERTS put back to (unset)',
        '✓ DOCKER_CONFIG put back to (unset)',
        expect.stringMatching(/^✓ removed \$RUNNER_TEMP\/werf-ship-docker-config-[0-9a-f]+$/),
        expect.stringMatching(
          /^✓ took the CA for 127\.0\.0\.1:\d+ \(sha256 [0-9a-f]+\) out of \/etc\/docker\/certs\.d\//,
        ),
        expect.stringMatching(
          /^✓ took the CA for 127\.0\.0\.1:\d+ \(sha256 [0-9a-f]+\) out of \/etc\/containers\/certs\.d\//,
        ),
        '✓ nothing of the job is left in RUNNER_TEMP, certs.d or ~/.docker',
      ]),
    );
  });
});
