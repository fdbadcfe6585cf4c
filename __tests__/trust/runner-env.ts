// Runner emulation for in-process tests of the trust and login stages (mock GitHub: the runner's command files and
// RUNNER_TEMP in a temp dir; @actions/core writes to them exactly as on a runner).
import { jest } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CleanupEntry } from '../../src/state.js';
import { releaseOwnedFile } from '../../src/system/owned-file.js';

export interface FakeRunner {
  dir: string;
  runnerTemp: string;
  /** every line written to stdout since start (workflow commands, annotations, logs) */
  stdout(): string;
  warnings(): string[];
  /** the last value of each state name saved with core.saveState */
  state(): Record<string, string>;
  /** variables exported with core.exportVariable */
  exportedEnv(): Record<string, string>;
  journal(): CleanupEntry[];
  /** ends stdout capture, restores process.env, removes the dir */
  stop(): void;
}

/** Reads a runner command file (`name<<DELIM\nvalue\nDELIM` blocks); later values win. */
function readCommandFile(file: string): Record<string, string> {
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const result: Record<string, string> = {};
  const re = /^([^\n<]+)<<(\S+)\n([\s\S]*?)\n\2$/gm;
  for (const m of text.matchAll(re)) result[m[1] as string] = m[3] as string;
  return result;
}

/** Points GITHUB_ENV/STATE/OUTPUT and RUNNER_TEMP at a temp dir and captures stdout, like a runner's step. */
export function startFakeRunner(extraEnv: Record<string, string> = {}): FakeRunner {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trust-runner-'));
  const runnerTemp = path.join(dir, 'temp');
  fs.mkdirSync(runnerTemp);
  const saved = { ...process.env };
  const files = { GITHUB_ENV: 'env', GITHUB_STATE: 'state', GITHUB_OUTPUT: 'output', GITHUB_PATH: 'path' };
  for (const [name, file] of Object.entries(files)) {
    fs.writeFileSync(path.join(dir, file), '');
    process.env[name] = path.join(dir, file);
  }
  process.env.RUNNER_TEMP = runnerTemp;
  Object.assign(process.env, extraEnv);
  let out = '';
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  });
  return {
    dir,
    runnerTemp,
    stdout: () => out,
    warnings: () => [...out.matchAll(/^::warning[^:]*::(.*)$/gm)].map((m) => unescape(m[1] as string)),
    state: () => readCommandFile(path.join(dir, 'state')),
    exportedEnv: () => readCommandFile(path.join(dir, 'env')),
    journal: () => JSON.parse(readCommandFile(path.join(dir, 'state')).cleanup ?? '[]') as CleanupEntry[],
    stop: () => {
      spy.mockRestore();
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function unescape(s: string): string {
  return s.replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%25/g, '%');
}

/**
 * Undoes journal entries the way the post step does (src/post.ts: newest first; the job's own folders rm -rf, system
 * files released with the real releaseOwnedFile). File entries only: logout entries go through login.logout in the login
 * tests. Returns the release warnings (none expected unless a test changes a file behind the jobs' back).
 */
export async function undoFiles(entries: CleanupEntry[]): Promise<string[]> {
  const warnings: string[] = [];
  for (const entry of [...entries].reverse()) {
    if (entry.kind === 'remove-dir') fs.rmSync(entry.path, { recursive: true, force: true });
    if (entry.kind === 'owned-file') warnings.push(...(await releaseOwnedFile(entry.path, entry.job)).warnings);
  }
  return warnings;
}

/** Every file under `dir` (relative paths), for "nothing left behind" checks. */
export function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[]).sort();
}
