import * as fs from 'node:fs';
import * as path from 'node:path';
import * as core from '@actions/core';
import { ActionError } from '../errors.js';
import type { Inputs } from '../inputs.js';
import { jobDir, writePrivateFile } from '../jobdir.js';
import type { TrustSetup } from '../trust/index.js';
import { backendFromEnv } from '../trust/plan.js';
import type { DaemonReport } from '../daemon/index.js';
import { normalizeRegistryHost } from '../registry/index.js';
import { planWerfCommand } from './argv.js';
import { diagnose, type WhatTheActionKnows } from './diagnose.js';
import { parseBuildReport, type BuildReport } from './report.js';
import { runWerf } from './run.js';
import { ambientKubeconfig } from './kubeconfig.js';
import { oneLine } from '../untrusted.js';

/** What `werf converge`/`werf build` produced: the report werf wrote, parsed, and the kubeconfig of the deploy. */
export interface Shipped {
  buildReportPath: string;
  report: BuildReport;
  kubeConfigPath?: string;
}

/**
 * Runs `werf converge` or `werf build` with the planned argv; on failure reads werf's output for the known causes
 * (judged with what the action knows: the backend, the TLS inputs of each registry, the daemon check), annotates each
 * with its fix and fails with the first one in a sentence.
 */
export async function shipWithWerf(
  inputs: Inputs,
  werfPath: string,
  trust: TrustSetup,
  daemon: DaemonReport,
): Promise<Shipped> {
  const buildReportPath = path.join(jobDir(), 'build-report.json');
  const writtenKubeconfig =
    inputs.command === 'converge' && inputs.kubeConfigBase64
      ? writePrivateFile('kubeconfig', Buffer.from(inputs.kubeConfigBase64, 'base64'))
      : undefined;
  const { args, cwd } = planWerfCommand(inputs, {
    buildReportPath,
    kubeConfigPath: writtenKubeconfig,
    tls: trust.werfFlags,
  });
  // The argv as one line: an arg holds no line break (inputs.ts refuses them), and oneLine breaks a `##[`.
  core.info(oneLine(`werf ${args.join(' ')}`));
  const run = await runWerf(werfPath, args, { cwd, env: trust.env, title: `werf ${inputs.command}` });
  if (run.exitCode !== 0) {
    const findings = diagnose(run.output, whatTheActionKnows(inputs, trust, daemon));
    for (const f of findings) core.error(`${f.message} ${f.fix}`, { title: f.title });
    const first = findings[0];
    throw new ActionError(
      first
        ? `werf ${inputs.command} failed: ${first.message} ${first.fix}`
        : `werf ${inputs.command} failed with exit code ${run.exitCode}; see its output above.`,
    );
  }
  if (!fs.existsSync(buildReportPath)) {
    throw new ActionError(
      `werf ${inputs.command} succeeded but wrote no build report at ${buildReportPath}; is this werf older than 1.2?`,
    );
  }
  // The kubeconfig werf deployed with: ours, or the one an earlier step set up, which werf finds itself.
  const kubeConfigPath = inputs.command === 'converge' ? (writtenKubeconfig ?? ambientKubeconfig()) : undefined;
  return { buildReportPath, report: parseBuildReport(fs.readFileSync(buildReportPath, 'utf8')), kubeConfigPath };
}

/** Pure: what the diagnosis may rely on, from the inputs, the trust stage and the daemon check. */
export function whatTheActionKnows(
  inputs: Pick<Inputs, 'registries'>,
  trust: Pick<TrustSetup, 'werfFlags'>,
  daemon: DaemonReport,
  env: NodeJS.ProcessEnv = process.env,
): WhatTheActionKnows {
  const byHost = new Map(inputs.registries.map((r) => [r.host, r]));
  return {
    backend: backendFromEnv(env),
    werfFlags: trust.werfFlags,
    registry: (host) => {
      const r = byHost.get(normalizeRegistryHost(host));
      return r && { caCert: r.caCert !== '', skipTlsVerify: r.skipTlsVerify, insecureRegistry: r.insecureRegistry };
    },
    daemon:
      daemon.state === 'checked'
        ? 'checked'
        : daemon.state === 'unreachable'
          ? 'unreachable'
          : daemon.reason === 'off'
            ? 'off'
            : 'not-asked',
  };
}
