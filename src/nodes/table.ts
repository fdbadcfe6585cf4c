import type { PullCheck } from './index.js';

// A table cell holds one line: HTML-escape, keep line breaks as <br>, and escape the column separator.
function cell(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, '<br>');
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
    lines.push(`| ${cell(r.image)} | ${cell(where)} | ${mark} | ${cell(r.reason)} | ${cell(r.remediation)} |`);
  }
  return lines;
}
