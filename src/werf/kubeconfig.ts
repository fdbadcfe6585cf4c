import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import yaml from 'js-yaml';

/**
 * The kubeconfig werf deploys with when `kube-config-base64` is empty: the first file of KUBECONFIG, else
 * ~/.kube/config (what an earlier step such as a kind or cloud login action set up); undefined when there is none.
 */
export function ambientKubeconfig(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const listed = (env.KUBECONFIG ?? '').split(path.delimiter).filter((p) => p !== '');
  const candidates = listed.length > 0 ? listed : [path.join(env.HOME || os.homedir(), '.kube', 'config')];
  return candidates.find((p) => {
    try {
      return fs.statSync(p).isFile();
    } catch {
      return false;
    }
  });
}

// Keys whose value is a credential, wherever they sit in a kubeconfig (users[].user, auth-provider, exec).
const SECRET_KEY = /token|password|secret|key-data|certificate-data|credential/i;
// A flag in an exec plugin's args whose value is a credential (`--token X`, `--client-secret=X`).
const SECRET_FLAG = /^--?[\w.-]*(token|password|secret|key|credential)[\w.-]*$/i;
// The fallback for text that is not YAML: `key: value` on a line, and `"key": "value"` or `key: value` in flow style.
const SECRET_LINE =
  /^\s*-?\s*["']?(?:[\w-]*(?:token|password|secret|key-data|certificate-data|credential)[\w-]*)["']?\s*:\s*(\S.*?)\s*,?\s*$/gim;
const SECRET_FLOW =
  /["']?[\w-]*(?:token|password|secret|key-data|certificate-data|credential)[\w-]*["']?\s*:\s*("(?:[^"\\]|\\.)*"|'[^']*'|[^,}\]\s][^,}\]\n]*)/gi;

/**
 * The credentials in a kubeconfig's text, each to be masked on its own (a log line shows one of them, not the whole
 * file): tokens, passwords, client keys and certificates, every value under an auth-provider's config and an exec
 * plugin's env, and the values of credential flags in its args. The text is parsed as YAML (JSON is YAML, so flow
 * style, minified JSON and quoted values read the same); only text that does not parse falls back to patterns. Pure.
 */
export function kubeconfigSecrets(text: string): string[] {
  let doc: unknown;
  try {
    doc = yaml.load(text, { schema: yaml.FAILSAFE_SCHEMA });
  } catch {
    return fallbackSecrets(text);
  }
  const found = new Set<string>();
  walk(doc, [], found);
  return [...found].filter((s) => s.trim() !== '');
}

function walk(node: unknown, path: string[], found: Set<string>): void {
  if (typeof node === 'string') {
    const key = path.at(-1) ?? '';
    const provider = path.indexOf('auth-provider');
    const underProviderConfig = provider >= 0 && path[provider + 1] === 'config';
    const exec = path.indexOf('exec');
    const execEnvValue = exec >= 0 && path[exec + 1] === 'env' && key === 'value';
    if (SECRET_KEY.test(key) || underProviderConfig || execEnvValue) found.add(node);
    return;
  }
  if (Array.isArray(node)) {
    node.forEach((item, i) => {
      if (path.at(-1) === 'args' && typeof item === 'string') {
        const joined = /^(--?[^=]+)=(.+)$/s.exec(item);
        if (joined && SECRET_FLAG.test(joined[1] as string)) found.add(joined[2] as string);
        const previous = node[i - 1];
        if (typeof previous === 'string' && SECRET_FLAG.test(previous) && !item.startsWith('-')) found.add(item);
      }
      walk(item, path, found);
    });
    return;
  }
  if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) walk(value, [...path, key], found);
  }
}

function fallbackSecrets(text: string): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(SECRET_LINE)) found.add(m[1] as string);
  for (const m of text.matchAll(SECRET_FLOW)) found.add((m[1] as string).trim());
  // Each also without the quotes around it, as a tool would print the value itself.
  for (const value of [...found]) found.add(value.replace(/^["']|["']$/g, ''));
  return [...found].filter((s) => s.trim() !== '');
}
