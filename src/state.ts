import * as core from '@actions/core';

/**
 * What the post step must undo, written down by the main step as it goes. `remove-dir` is a folder of this job's own
 * under RUNNER_TEMP (removed whole); a system file is an `owned-file` (shared with other jobs on the runner).
 * `credentials: true` marks what holds credentials: kept for later steps when the `logout` input is false.
 */
export type CleanupEntry =
  | OwnedFileEntry
  | DaemonConfigEntry
  | { kind: 'remove-dir'; path: string; credentials?: boolean }
  | { kind: 'logout'; registry: string; werfPath: string; dockerConfig: string }
  | { kind: 'restore-env'; name: string; previous: string; credentials?: boolean }
  | { kind: 'delete-probes'; kubeconfigPath: string; kubeContext: string; namespace: string; selector: string };

/**
 * A system file (outside the job's temp folder) this job claimed an item in (src/system/owned-file.ts): the post step
 * takes out what `job` placed there, as the file's ownership record beside it says, and the folders jobs made for it
 * once they are empty. `what` says what the job added, for people reading the journal.
 */
export interface OwnedFileEntry {
  kind: 'owned-file';
  path: string;
  job: string;
  what: string;
}

/**
 * The Docker daemon's config file, where this job added `hosts` to `insecure-registries` (an owned file, as above):
 * the post step takes them out, reloading the dockerd that serves `socketPath` after each change and waiting until it
 * no longer lists them, then puts the file back.
 */
export interface DaemonConfigEntry extends Omit<OwnedFileEntry, 'kind'> {
  kind: 'docker-daemon-config';
  socketPath: string;
  hosts: string[];
}

const POST_FLAG = 'isPost';
const JOURNAL = 'cleanup';
const journal: CleanupEntry[] = [];

/** True in the post step: the main step set the flag in the runner's state file. */
export function isPostStep(): boolean {
  return core.getState(POST_FLAG) === 'true';
}

/** Marks this run as the main step, so the runner's post invocation of the same bundle runs the clean-up. */
export function markMainStarted(): void {
  core.saveState(POST_FLAG, 'true');
}

/**
 * Appends a clean-up entry and saves the whole journal at once, so that a main step that dies half-way still leaves
 * the post step everything it must undo. Record an entry before (or as) the thing it undoes is created.
 */
export function recordCleanup(entry: CleanupEntry): void {
  journal.push(entry);
  core.saveState(JOURNAL, JSON.stringify(journal));
}

/**
 * Exports a variable for the later steps of the job (GITHUB_ENV) and records its previous value, so that the post
 * step puts it back: the post steps of other actions, which run after ours, must not find a path we removed.
 */
export function exportForLaterSteps(name: string, value: string, opts: { credentials?: boolean } = {}): void {
  recordCleanup({ kind: 'restore-env', name, previous: process.env[name] ?? '', credentials: opts.credentials });
  core.exportVariable(name, value);
}

/** The journal the main step saved (post step), oldest first; an unreadable journal is an empty one. */
export function savedCleanup(): CleanupEntry[] {
  const raw = core.getState(JOURNAL);
  if (!raw) return [];
  try {
    const parsed: unknown = JSON.parse(raw);
    return Array.isArray(parsed) ? (parsed as CleanupEntry[]) : [];
  } catch {
    return [];
  }
}
