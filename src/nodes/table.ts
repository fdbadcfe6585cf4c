import type { PullCheck } from './index.js';

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
export function markdownCode(text: string): string {
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
