// `npm run demo`: the action's main job end to end on this machine. Starts a Distribution registry with TLS from a
// fresh CA and basic auth, then runs the committed bundle (dist/index.js) the way the GitHub runner does, with the werf
// test double as werf (the real werf cannot be downloaded here), and prints what a user sees on GitHub: the log's
// annotations, the outputs and the job summary. Everything it started is stopped and removed at the end.
import { makeCa, startRegistry, stopAll } from '../__tests__/support/rig/index.js';
import { makeScenario } from '../__tests__/support/scenario.js';

const rule = (title: string) => console.log(`\n── ${title} ${'─'.repeat(Math.max(0, 72 - title.length))}`);

const ca = await makeCa({ cn: 'demo-registry-ca' });
const registry = await startRegistry({ ca, auth: 'basic' });
const scenario = makeScenario(['backend', 'frontend']);
try {
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
  console.log(`- uses: werf-ship-action@v1
  with:
    repo: ${inputs.repo}
    final-repo: ${inputs['final-repo']}
    username: ${inputs.username}
    password: \${{ secrets.REGISTRY_PASSWORD }}
    ca-cert: \${{ secrets.REGISTRY_CA }}   # a fresh CA made for this demo
    command: build
    node-trust: ca-cert
    image-pull-secret: regcred   # a build has no kubeconfig to read it with: the login's credentials stand in (said below)`);

  const job = await scenario.run(inputs);
  rule('annotations');
  for (const a of job.annotations)
    console.log(`${a.level}: ${a.properties.title ? `${a.properties.title}: ` : ''}${a.message}`);
  if (job.annotations.length === 0) console.log('(none)');
  rule('outputs');
  for (const [name, value] of Object.entries(job.outputs)) console.log(`${name}: ${value}`);
  rule('job summary');
  console.log(job.summary.trim());
  rule('result');
  console.log(`main step exit code ${job.main.exitCode}, post step exit code ${job.post?.exitCode}`);
  console.log(
    `werf calls: ${scenario
      .werfCalls()
      .map((c) => c.argv.slice(0, 2).join(' '))
      .join(' | ')}`,
  );
  job.cleanup();
  process.exitCode = job.main.exitCode === 0 && job.post?.exitCode === 0 ? 0 : 1;
} finally {
  scenario.remove();
  await stopAll();
}
