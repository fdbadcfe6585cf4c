import * as core from '@actions/core';
import type { Command } from './inputs.js';
import type { PullCheck } from './nodes/index.js';
import type { DaemonReport } from './daemon/index.js';
import type { StageTiming } from './stopwatch.js';
import type { WerfInstall } from './werf/install.js';
import { headline, type ImageCheck, type ImageOutput } from './verdict.js';
import { oneLine } from './untrusted.js';

/** Everything the job summary shows; any part may be missing when the run stopped before it. */
export interface SummaryData {
  command: Command;
  /** the werf that ran (undefined when the run stopped before it was installed) */
  werf?: WerfInstall;
  /** what the Docker daemon stage did (undefined when the run stopped before or in it) */
  daemon?: DaemonReport;
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

/**
 * Text made safe for one markdown table cell (or any line of the job summary): a cell holds one line, so line breaks
 * become `<br>`; `&`, `<` and `>` are HTML-escaped (no markup from a registry's or kubelet's message); and the
 * characters that start markdown constructs (links and images `[` `]` `!`, code spans, emphasis, the column separator
 * `|`) are backslash-escaped, so the text reads as it was written and can neither close a cell nor open a link.
 */
export function markdownCell(text: string): string {
  return text
    .replace(/[\\`*_[\]!~|]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r\n|\r|\n/g, '<br>');
}

/**
 * Text as an inline code span in a table cell: fenced with one backtick more than the longest run of backticks in it
 * (so it cannot close the span early), on one line, with `|` escaped (GFM splits cells before it reads code spans).
 */
function markdownCode(text: string): string {
  const flat = text.replace(/[\r\n]+/g, ' ').replace(/\|/g, '\\|');
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/**
 * The pull check as markdown table lines for the job summary: image x node in cluster mode, image x node view
 * (platform and trust, from the reason) in registry mode; one line saying so when the check was skipped.
 */
export function renderPullTable(check: PullCheck): string[] {
  if (check.mode === 'off' || check.verdict === 'skipped') return [`Node pull check: skipped (mode ${check.mode}).`];
  const second = check.mode === 'cluster' ? 'node' : 'checked as';
  const lines = [`| image | ${second} | pull | reason | fix |`, '|---|---|---|---|---|'];
  for (const r of check.results) {
    const where = check.mode === 'cluster' ? (r.node ?? '') : (/\(([^()]*)\)$/.exec(r.reason)?.[1] ?? '');
    const mark = r.ok ? '✅ pullable' : '❌ not pulled';
    lines.push(
      `| ${markdownCell(r.image)} | ${markdownCell(where)} | ${mark} | ${markdownCell(r.reason)} | ${markdownCell(r.remediation)} |`,
    );
  }
  return lines;
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

  if (data.daemon) lines.push('### Docker daemon', '', ...renderDaemon(data.daemon), '');

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

/**
 * The Docker daemon stage as markdown lines (pure): skipped and why, not reachable and why, or checked: how the daemon
 * treats each registry, and each insecure-registries entry configure added (undone by the post step), shared with
 * another job or found as the runner's own. Addresses, reasons and paths come from the environment and the daemon.
 */
export function renderDaemon(report: DaemonReport): string[] {
  if (report.state === 'skipped') {
    return [
      report.reason === 'off'
        ? 'Not looked at (docker-daemon: off).'
        : 'Not used: werf builds with Buildah (WERF_BUILDAH_MODE), no Docker daemon pushes the stages.',
    ];
  }
  const at = markdownCode(report.address);
  if (report.state === 'unreachable') return [`Could not be checked at ${at}: ${markdownCell(report.reason)}.`];
  const lines = [`Checked at ${at} before the build:`, ''];
  for (const f of report.plan.fine) lines.push(`- ✅ ${markdownCode(f.host)}: ${markdownCell(f.because)}.`);
  const change = report.configured;
  for (const c of change?.entries ?? []) {
    const [host, file] = [markdownCode(c.host), markdownCode(change?.file ?? '')];
    lines.push(
      c.outcome === 'shared'
        ? `- Shares the entry ${host} in insecure-registries of ${file} with another job on this runner; it stays until the last job that needs it is done.`
        : c.outcome === 'unchanged'
          ? `- ${file} lists ${host} in insecure-registries already (the runner's own entry): nothing written, never taken out.`
          : `- Added ${host} to insecure-registries in ${file} for this job and reloaded the daemon; the post step takes it out again.`,
    );
  }
  return lines;
}

/** Appends the rendered summary to the job's summary file; a failure to write it is a warning. */
export async function writeSummary(data: SummaryData): Promise<void> {
  try {
    await core.summary.addRaw(renderSummary(data), true).write();
  } catch (err) {
    core.warning(`Could not write the job summary: ${oneLine((err as Error).message)}`);
  }
}
