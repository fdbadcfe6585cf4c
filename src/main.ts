import * as core from '@actions/core';
import { readInputs, type Inputs } from './inputs.js';
import { markMainStarted } from './state.js';
import { reportFailure } from './failure.js';
import type { ImageOutput } from './verdict.js';
import type { KubeTarget, PullCheck } from './nodes/index.js';
import { writeSummary, type SummaryData } from './summary.js';
import { Stopwatch } from './stopwatch.js';
import { ActionError } from './errors.js';
import { stopOptimizingCompilers } from './v8-flags.js';

/**
 * The main step, top to bottom: inputs -> install werf -> trust -> the Docker daemon -> login -> werf converge/build ->
 * verify the push -> will the nodes pull it -> job summary. Every stage records what the post step must undo as it goes.
 * Each stage's code is loaded (import()) when the run gets there: a run that stops at its inputs compiles none of it.
 */
export async function run(): Promise<void> {
  markMainStarted();
  const stopwatch = new Stopwatch();
  let inputs: Inputs | undefined;
  // Ends what still talks to the registries when the step ends early (a credential check nobody reads).
  const ending = new AbortController();
  let sessionsOpened = false;
  const shown: Partial<SummaryData> = { problems: [] };
  try {
    inputs = readInputs();
    const given = inputs;
    // The credential checks need only the inputs: they run while werf is installed and the TLS is checked. They and
    // the verification share one session per registry: its connection, auth scheme and tokens.
    const credentials = (await import('./login.js')).checkCredentialsOf(given, undefined, {
      shared: true,
      stop: ending.signal,
    });
    sessionsOpened = true;
    // The registry client's built-ins (TLS, HTTP/2) are loaded now: from here on the step waits on the network.
    stopOptimizingCompilers();

    const werf = await stopwatch.time('install werf', async () => {
      const { installWerf } = await import('./werf/install.js');
      return installWerf(given);
    });
    shown.werf = werf;
    core.setOutput('werf-version', werf.version);
    core.setOutput('werf-path', werf.path);

    const trust = await stopwatch.time('registry trust', async () => {
      const { setUpTrust } = await import('./trust/index.js');
      return setUpTrust(given);
    });
    const daemon = await stopwatch.time('docker daemon', async () => {
      const { checkDockerDaemon } = await import('./daemon/index.js');
      return checkDockerDaemon(given);
    });
    shown.daemon = daemon;
    await stopwatch.time('login', async () => {
      const { login } = await import('./login.js');
      return login(given, werf.path, trust, credentials);
    });

    const shipped = await stopwatch.time(
      `werf ${given.command}`,
      async () => {
        const { shipWithWerf } = await import('./werf/ship.js');
        return shipWithWerf(given, werf.path, trust, daemon);
      },
      { group: false },
    );
    core.setOutput('build-report', shipped.buildReportPath);

    const { reportedImages, verificationFailure, verificationFindings, verifyImages } = await import('./verify.js');
    let images: Record<string, ImageOutput>;
    if (given.verifyManifests) {
      // Over the sessions the credential checks opened: their connections and auth (src/registry/session.ts).
      const verify = () => verifyImages(shipped.report, trust.access, { shared: true });
      const verification = await stopwatch.time('verify manifests', verify, { succeeded: (v) => v.verified });
      images = verification.images;
      shown.verified = verification.verified;
      shown.problems = verification.problems;
      shown.checks = verification.checks;
      for (const finding of verificationFindings(verification.checks))
        core.error(finding, { title: 'Image not verified' });
    } else {
      images = reportedImages(shipped.report);
    }
    shown.images = images;
    core.setOutput('images', JSON.stringify(images));
    core.setOutput('verified', String(shown.verified === true));

    const { checkPull, pullCheckFindings, pullCheckOutput, pullCheckProblem } = await import('./nodes/index.js');
    const { pullCheckImages } = await import('./nodes/targets.js');
    const pullCheck: PullCheck = await stopwatch.time(
      'node pull check',
      async () =>
        checkPull({
          mode: given.verifyPull,
          command: given.command,
          nodeTrust: given.nodeTrust,
          images: pullCheckImages(images),
          access: trust.access,
          caCert: given.caCert,
          imagePullSecret: given.imagePullSecret,
          kube: await kubeTarget(given, werf.path, shipped.kubeConfigPath),
        }),
      { succeeded: (check) => pullCheckProblem(check) === undefined },
    );
    shown.pullCheck = pullCheck;
    core.setOutput('pull-check', pullCheckOutput(pullCheck));
    // A build-only run with verify-pull: auto deploys nothing: the nodes' view is advice there, not a failure.
    const advice = given.command === 'build' && given.verifyPull === 'auto';
    const annotate = advice ? core.warning : core.error;
    for (const finding of pullCheckFindings(pullCheck)) annotate(finding, { title: 'Nodes cannot pull' });

    // Images proved missing and images a faulty registry hid are told apart; either way nothing is verified.
    const notVerified = shown.checks && verificationFailure(shown.checks);
    if (notVerified) throw new ActionError(notVerified);
    const pullProblem = pullCheckProblem(pullCheck);
    if (pullProblem && advice) core.warning(pullProblem);
    else if (pullProblem) throw new ActionError(pullProblem);
  } catch (err) {
    shown.failure = err instanceof Error ? err.message : String(err);
    reportFailure(err);
  } finally {
    // The summary shows how far the run got, also when it failed; no summary when the inputs were never read.
    if (inputs?.summary) {
      await writeSummary({ command: inputs.command, problems: [], ...shown, stages: stopwatch.stages });
    }
    ending.abort();
    if (sessionsOpened) await (await import('./registry/session.js')).closeSharedSessions();
  }
}

/**
 * The cluster the pull check may look at: the converge's kubeconfig and context, and, when probe pods will run or the
 * registry mode reads the image-pull-secret, the release's namespace (where that secret lives), asked of werf only then.
 */
async function kubeTarget(inputs: Inputs, werfPath: string, kubeconfigPath?: string): Promise<KubeTarget | undefined> {
  if (!kubeconfigPath) return undefined;
  const kube = { kubeconfigPath, context: inputs.kubeContext, namespace: '' };
  const { resolveMode } = await import('./nodes/index.js');
  const mode = resolveMode({ mode: inputs.verifyPull, command: inputs.command, kube });
  if (mode === 'cluster' || (mode === 'registry' && inputs.imagePullSecret !== '')) {
    const { releaseNamespace } = await import('./werf/namespace.js');
    kube.namespace = await releaseNamespace(inputs, werfPath);
  }
  return kube;
}
