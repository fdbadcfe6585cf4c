// `npm run demo`: the action's main and post step end to end on this machine. Starts a Distribution registry with TLS
// from a fresh CA and basic auth, then runs the committed bundle (dist/index.js) the way the GitHub runner does, with
// the werf TEST DOUBLE as werf (the real werf is not downloaded here; e2e.yml runs it on GitHub), and prints what a
// user sees on GitHub: the step, the annotations, the outputs and the job summary (also kept as a file, its path
// printed), then what the post step undid, each checked on disk. Everything it started is stopped and removed at the
// end. WERF_SHIP_DEMO_SUMMARY: where to keep the job summary (default: werf-ship-demo-summary.md in the temp dir).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CleanupEntry } from '../src/state.js';
import { makeCa, startRegistry, stopAll } from '../__tests__/support/rig/index.js';
import type { JobResult } from '../__tests__/support/runner.js';
import {
  WERF_DOUBLE,
  filesBelow,
  leftInRunnerTemp,
  makeScenario,
  type Scenario,
} from '../__tests__/support/scenario.js';
import { actionName } from '../__tests__/support/workflow-files.js';

const rule = (title: string) => console.log(`\n── ${title} ${'─'.repeat(Math.max(0, 72 - title.length))}`);
const summaryFile = process.env.WERF_SHIP_DEMO_SUMMARY || path.join(os.tmpdir(), 'werf-ship-demo-summary.md');

/** One line per clean-up entry of the main step's journal, newest first as the post step runs them, each checked. */
function whatPostUndid(job: JobResult, scenario: Scenario): Array<{ ok: boolean; text: string }> {
  const journal = JSON.parse(job.main.state.cleanup ?? '[]') as CleanupEntry[];
  // Paths as a user would see them on a runner: the demo redirects the system's certs.d folders into a temp dir.
  const shown = (p: string) =>
    p
      .replace(job.runnerTemp, '$RUNNER_TEMP')
      .replace(scenario.dockerCertsDir, '/etc/docker/certs.d')
      .replace(scenario.containersCertsDir, '/etc/containers/certs.d');
  const gone = (p: string) => !fs.existsSync(p);
  const postEnv = job.post?.exportedEnv ?? {};
  const logouts = scenario.werfCalls().filter((c) => c.argv[0] === 'cr' && c.argv[1] === 'logout');
  return [...journal].reverse().map((entry) => {
    switch (entry.kind) {
      case 'logout':
        return {
          ok: logouts.some((c) => c.argv.includes(entry.registry)),
          text: `werf cr logout ${entry.registry}`,
        };
      case 'restore-env':
        return {
          ok: postEnv[entry.name] === entry.previous,
          text: `${entry.name} put back to ${entry.previous === '' ? '(unset)' : shown(entry.previous)}`,
        };
      case 'remove-dir':
        return { ok: gone(entry.path), text: `removed ${shown(entry.path)}` };
      case 'owned-file':
        // No other job shares this demo's files: the last release removes what the job made.
        return { ok: gone(entry.path), text: `took ${entry.what} out of ${shown(entry.path)}` };
      case 'delete-probes':
        return {
          ok: true,
          text: `deleted the probe pods ${entry.selector} in ${entry.namespace} (not checked: no cluster)`,
        };
      default: {
        // A kind of entry this list does not know yet: checked when it names a path, shown in any case.
        const other = entry as { kind: string; path?: string };
        return other.path
          ? { ok: gone(other.path), text: `${other.kind} ${shown(other.path)}` }
          : { ok: true, text: `${other.kind} (not checked by the demo)` };
      }
    }
  });
}

const ca = await makeCa({ cn: 'demo-registry-ca' });
const registry = await startRegistry({ ca, auth: 'basic' });
const scenario = makeScenario(['backend', 'frontend']);
try {
  console.log(
    [
      'werf ship demo: the committed bundle dist/index.js, main step then post step, run as the GitHub runner runs it.',
      `werf here is the project's werf TEST DOUBLE (${path.relative(process.cwd(), WERF_DOUBLE)}), passed as`,
      "werf-path: it keeps werf's command line, errors and build report, and pushes real images with skopeo, but it is",
      'not werf. The real werf runs in .github/workflows/e2e.yml on GitHub.',
      `The registry: Distribution at ${registry.host}, TLS from a CA made for this demo, basic auth.`,
    ].join('\n'),
  );
  const inputs = {
    repo: `${registry.host}/shop/stages`,
    'final-repo': `${registry.host}/shop/app`,
    username: registry.username,
    password: registry.password,
    'ca-cert': ca.certPem,
    command: 'build',
    'node-trust': 'ca-cert',
    'image-pull-secret': 'regcred',
  };
  rule('the workflow step');
  console.log(`- uses: ${actionName()}@v1
  with:
    repo: ${inputs.repo}
    final-repo: ${inputs['final-repo']}
    username: \${{ secrets.REGISTRY_USERNAME }}
    password: \${{ secrets.REGISTRY_PASSWORD }}
    ca-cert: \${{ secrets.REGISTRY_CA_CERT }}
    command: build
    node-trust: ca-cert
    image-pull-secret: regcred   # a build has no kubeconfig to read it with: the login's credentials stand in (said below)`);

  const job = await scenario.run(inputs);
  rule('annotations');
  for (const a of job.annotations)
    console.log(`${a.level}: ${a.properties.title ? `${a.properties.title}: ` : ''}${a.message}`);
  if (job.annotations.length === 0) console.log('(none)');

  rule('outputs');
  for (const [name, value] of Object.entries(job.outputs)) {
    let shown = value;
    try {
      if (/^[[{]/.test(value)) shown = JSON.stringify(JSON.parse(value), null, 2);
    } catch {
      // not JSON after all: as it is
    }
    console.log(`${name}: ${shown}`);
  }

  rule('job summary');
  console.log(job.summary.trim());
  fs.mkdirSync(path.dirname(summaryFile), { recursive: true });
  fs.writeFileSync(summaryFile, job.summary);
  console.log(`\n(the job summary as markdown: ${summaryFile})`);

  rule('what the post step undid');
  const undone = whatPostUndid(job, scenario);
  for (const u of undone) console.log(`${u.ok ? '✓' : '✗ NOT'} ${u.text}`);
  const left = [
    ...leftInRunnerTemp(job).map((f) => `$RUNNER_TEMP/${f}`),
    ...filesBelow(scenario.dockerCertsDir).map((f) => `/etc/docker/certs.d/${f}`),
    ...filesBelow(scenario.containersCertsDir).map((f) => `/etc/containers/certs.d/${f}`),
    ...filesBelow(path.join(scenario.env.HOME ?? scenario.dir, '.docker')).map((f) => `~/.docker/${f}`),
  ];
  console.log(
    left.length === 0
      ? '✓ nothing of the job is left in RUNNER_TEMP, certs.d or ~/.docker'
      : `✗ left: ${left.join(', ')}`,
  );

  rule('result');
  console.log(`main step exit code ${job.main.exitCode}, post step exit code ${job.post?.exitCode}`);
  console.log(
    `werf (test double) calls: ${scenario
      .werfCalls()
      .map((c) => c.argv.slice(0, 2).join(' '))
      .join(' | ')}`,
  );
  job.cleanup();
  const ok = job.main.exitCode === 0 && job.post?.exitCode === 0 && undone.every((u) => u.ok) && left.length === 0;
  process.exitCode = ok ? 0 : 1;
} finally {
  scenario.remove();
  await stopAll();
}
