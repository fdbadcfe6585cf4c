import * as core from '@actions/core';
import type { Command } from './inputs.js';
import type { PullCheck } from './nodes/index.js';
import { markdownCell, markdownCode, renderPullTable } from './nodes/table.js';
import type { StageTiming } from './stopwatch.js';
import type { WerfInstall } from './werf/install.js';
import { headline, type ImageCheck, type ImageOutput } from './verdict.js';
import { oneLine } from './untrusted.js';

/** Everything the job summary shows; any part may be missing when the run stopped before it. */
export interface SummaryData {
  command: Command;
  /** the werf that ran (undefined when the run stopped before it was installed) */
  werf?: WerfInstall;
  images?: Record<string, ImageOutput>;
  /** undefined: verification did not run (verify-manifests: false, or an earlier failure) */
  verified?: boolean;
  problems: string[];
  /** per image: verified, not in the registry, or could not be checked (and why) */
  checks?: Record<string, ImageCheck>;
  pullCheck?: PullCheck;
  stages: StageTiming[];
  failure?: string;
}

const shortDigest = (digest: string) => (digest.startsWith('sha256:') ? `sha256:${digest.slice(7, 19)}` : digest);

/**
 * The job summary as markdown (pure): the outcome in one line, which werf ran and how it was checked, the images werf
 * shipped with their verification, the node pull check, and how long each stage took.
 */
export function renderSummary(data: SummaryData): string {
  const lines: string[] = [`## werf ${data.command}`, ''];
  lines.push(data.failure ? `❌ ${markdownCell(data.failure)}` : '✅ Shipped.', '');
  if (data.werf) {
    const version = data.werf.version === 'dev' ? 'of unknown version (`werf version` says `dev`)' : data.werf.version;
    lines.push(`werf ${version}: ${markdownCell(data.werf.provenance)}.`, '');
  }

  const images = Object.entries(data.images ?? {});
  if (images.length > 0) {
    const overall = data.verified === undefined ? 'not checked' : data.verified ? '✅ verified' : '❌ not verified';
    const verified = (name: string) => {
      const check = data.checks?.[name];
      if (!check) return overall;
      const mark = { verified: '✅', 'not-in-registry': '❌', unchecked: '⚠️' }[check.verdict];
      return `${mark} ${markdownCell(headline(check))}`;
    };
    lines.push(
      '### Images',
      '',
      '| werf image | final reference | digest | platforms | in the registry |',
      '|---|---|---|---|---|',
    );
    for (const [name, image] of images) {
      // Names, references and platforms come from werf's report: escaped like any text we did not write.
      const platforms = image.platforms.length > 0 ? markdownCell(image.platforms.join(', ')) : '—';
      lines.push(
        `| ${markdownCell(name)} | ${markdownCode(image.image)} | ${markdownCode(shortDigest(image.digest))} | ${platforms} | ${verified(name)} |`,
      );
    }
    lines.push('');
  }
  if (data.problems.length > 0) {
    lines.push('### Problems', '', ...data.problems.map((p) => `- ${markdownCell(p)}`), '');
  }
  if (data.pullCheck) {
    lines.push(`### Can the nodes pull it? (${data.pullCheck.mode}: ${data.pullCheck.verdict})`, '');
    // Whose credentials the registry mode sent: the secret's, or what stood in for it and why.
    for (const sentence of data.pullCheck.credentials ?? [])
      lines.push(`Credentials sent to ${markdownCell(sentence)}`, '');
    lines.push(...renderPullTable(data.pullCheck), '');
  }
  if (data.stages.length > 0) {
    lines.push('### Stages', '', '| stage | time | |', '|---|---|---|');
    for (const s of data.stages)
      lines.push(`| ${markdownCell(s.stage)} | ${s.seconds.toFixed(1)} s | ${s.ok ? '✅' : '❌'} |`);
    lines.push('');
  }
  return lines.join('\n');
}

/** Appends the rendered summary to the job's summary file; a failure to write it is a warning. */
export async function writeSummary(data: SummaryData): Promise<void> {
  try {
    await core.summary.addRaw(renderSummary(data), true).write();
  } catch (err) {
    core.warning(`Could not write the job summary: ${oneLine((err as Error).message)}`);
  }
}
