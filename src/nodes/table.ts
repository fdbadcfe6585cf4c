import type { PullCheck } from './index.js';

/**
 * Text made safe for one markdown table cell: a cell holds one line, so `&`, `<` and `>` are HTML-escaped (no markup
 * from a registry's or kubelet's message), line breaks become `<br>`, and the column separator `|` is escaped.
 */
export function markdownCell(text: string): string {
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
    lines.push(
      `| ${markdownCell(r.image)} | ${markdownCell(where)} | ${mark} | ${markdownCell(r.reason)} | ${markdownCell(r.remediation)} |`,
    );
  }
  return lines;
}
