import { ActionError } from '../errors.js';
import { jsonListProblem, sharedContent } from '../system/formats.js';
import { oneLine } from '../untrusted.js';
import type { DaemonProblem } from './plan.js';
import type { DaemonProcess } from './process.js';
import { INSECURE_REGISTRIES } from './registry-config.js';

/** The daemon's config file as the action found it (read-only): its text, or why there is none to show. */
export interface DaemonConfigFile {
  path: string;
  /** the file's text; undefined when it does not exist or could not be read */
  text?: string;
  /** 'missing', or why it could not be read */
  unreadable?: string;
}

/** What the user runs on the runner to make the daemon push: a sentence, and the exact file and command for the log. */
export interface DaemonFix {
  sentence: string;
  details: string;
}

const quoted = (list: string[]) => `[${list.map((h) => JSON.stringify(h)).join(', ')}]`;

/** Pure: the command that makes a running dockerd re-read its config file (insecure-registries reload live). */
export function reloadCommand(proc: DaemonProcess | undefined): string {
  const kill = `sudo kill -HUP ${proc ? proc.pid : '$(pidof dockerd)'}`;
  return proc?.systemd ? `${kill} (it runs as docker.service: sudo systemctl reload docker does the same)` : kill;
}

/**
 * Pure: how to add `hosts` to the daemon's insecure registries, exactly: the `insecure-registries` line with the
 * entries it has now (from its config file, else from `GET /info`) plus the new ones, the whole file as it should
 * read, and the reload. A dockerd that takes --insecure-registry flags cannot also read them from its file: then the
 * fix is a flag and a restart.
 */
export function insecureRegistriesFix(
  hosts: string[],
  o: { current: string[]; file: DaemonConfigFile; process?: DaemonProcess },
): DaemonFix {
  if (o.process && o.process.insecureFlags.length > 0) {
    const flags = hosts.map((h) => `--insecure-registry ${h}`).join(' ');
    return {
      sentence: `start dockerd with ${flags} beside its other --insecure-registry flags and restart it (it takes insecure registries on its command line, so ${o.file.path} must not list them)`,
      details: `dockerd (pid ${o.process.pid}) needs: ${flags}`,
    };
  }
  let parsed: Record<string, unknown> | undefined;
  let malformed = false;
  if (o.file.text !== undefined) {
    if (jsonListProblem(o.file.text, INSECURE_REGISTRIES.key) === undefined)
      parsed = JSON.parse(o.file.text.trim() === '' ? '{}' : o.file.text) as Record<string, unknown>;
    else malformed = true;
  }
  const listed = parsed?.[INSECURE_REGISTRIES.key];
  const existing = Array.isArray(listed) ? (listed as string[]) : o.current;
  const list = [...new Set([...existing, ...hosts])];
  const line = `"insecure-registries": ${quoted(list)}`;
  const reload = reloadCommand(o.process);
  // The file as it should read: its own text with the entries added in place (as configure writes it), or a new one.
  const entries = sharedContent(INSECURE_REGISTRIES);
  const addAll = (text: string | undefined, items: string[]) =>
    items.reduce<string | undefined>((t, h) => (t !== undefined && entries.holds(t, h) ? t : entries.add(t, h)), text);
  const whole =
    parsed !== undefined
      ? addAll(o.file.text, hosts)?.trimEnd()
      : o.file.unreadable === 'missing'
        ? addAll(undefined, list)?.trimEnd()
        : undefined;
  const where =
    o.file.unreadable === 'missing'
      ? `create ${o.file.path} with { ${line} }`
      : malformed
        ? `${o.file.path} is not valid JSON (the daemon keeps its old settings when it reloads it): fix it and set ${line} in it`
        : `set ${line} in ${o.file.path}`;
  return {
    sentence: `${where}, then reload the daemon: ${reload}`,
    details: [
      whole !== undefined ? `${o.file.path} should read:\n${whole}` : `${o.file.path} needs: ${line}`,
      `then: ${reload}`,
    ].join('\n'),
  };
}

/** Why the action did not change the daemon, for the last sentence of the failure (see daemonCheckFailure). */
export type NotChanged =
  | { mode: 'check' }
  /** auto off a GitHub-hosted runner, or on one where the config file cannot be written (`reason`) */
  | { mode: 'auto'; reason?: string }
  /** configure (or auto that resolved to it) that could not or would not change the daemon */
  | { mode: 'configure'; input: 'auto' | 'configure'; reason: string };

/** Pure: the last sentence of the daemon check's failure: what the docker-daemon mode did, and that nothing was built. */
export function notChangedSentence(n: NotChanged): string {
  if (n.mode === 'check') return 'docker-daemon: check changes nothing; nothing was built.';
  if (n.mode === 'auto')
    return n.reason
      ? `docker-daemon: auto did not change the daemon: ${n.reason}; nothing was built.`
      : 'docker-daemon: auto changes the daemon only on GitHub-hosted runners (set docker-daemon: configure to have the action add the entry for this job and take it out in the post step); nothing was built.';
  return `docker-daemon: ${n.input} did not change the daemon: ${n.reason}; nothing was built.`;
}

/**
 * Pure: the one failure of the daemon check (before anything is built): what the daemon at `address` would do
 * to each registry, the daemon change (`fix`) for those an insecure-registries entry fixes, the alternative each
 * input has, the certs.d command for a CA the action could not install, and why the action did not change the daemon.
 */
export function daemonCheckFailure(
  address: string,
  problems: DaemonProblem[],
  fix: DaemonFix | undefined,
  notChanged: NotChanged,
): ActionError {
  const hosts = [...new Set(problems.map((p) => p.host))];
  const alternatives: string[] = [];
  if (problems.some((p) => p.need === 'skip-verify'))
    alternatives.push(
      "or give the registry's CA in ca-cert instead of skip-tls-verify (the action installs it where the daemon looks)",
    );
  if (problems.some((p) => p.need === 'plain-http')) alternatives.push('or serve the registry over HTTPS');
  const sentences = [
    `The Docker daemon at ${address} will not push werf's stages to ${hosts.join(', ')}: ${problems.map((p) => p.what).join('; ')}.`,
  ];
  if (fix) sentences.push(`On the runner, ${[fix.sentence, ...alternatives].join('; ')}.`);
  for (const p of problems.filter((q) => !q.fixedByInsecureEntry)) {
    sentences.push(
      `Put the CA there: sudo install -D -m 0644 ca.crt /etc/docker/certs.d/${p.host}/ca.crt (ca.crt: the CA you give in ca-cert).`,
    );
  }
  sentences.push(notChangedSentence(notChanged));
  // Paths and addresses come from the daemon's command line and DOCKER_HOST: one line, no workflow command in it.
  return new ActionError(oneLine(sentences.join(' ')), fix ? { details: fix.details } : {});
}
