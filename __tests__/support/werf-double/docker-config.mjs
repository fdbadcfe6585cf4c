// The docker config dir as werf's docker-cli config library keeps it: config.json `auths`, credsStore/credHelpers.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { WerfError } from './cli.mjs';

/** The dir: --docker-config (whose default is $WERF_DOCKER_CONFIG, then $DOCKER_CONFIG), else ~/.docker. */
export function dockerConfigDir(flagValue) {
  return flagValue || join(process.env.HOME || homedir(), '.docker');
}

function load(dir) {
  const file = join(dir, 'config.json');
  if (!existsSync(file)) return {};
  const text = readFileSync(file, 'utf8');
  if (!text.trim()) return {};
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new WerfError(`loading config file ${file}: ${e.message}`);
  }
}

function save(dir, config) {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, 'config.json');
  // docker writes a temp file and renames it, so a reader never sees half a file; 0600: it holds credentials.
  const tmp = join(dir, `.config.json.${process.pid}.tmp`);
  writeFileSync(tmp, JSON.stringify(config, null, '\t'), { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

function helperFor(config, host) {
  return config.credHelpers?.[host] || config.credsStore || '';
}

// docker-credential-<helper> store|erase, fed on stdin (the secret never reaches an argv).
function runHelper(helper, action, input) {
  const r = spawnSync(`docker-credential-${helper}`, [action], { input, encoding: 'utf8' });
  if (r.error) {
    const why =
      r.error.code === 'ENOENT'
        ? `exec: "docker-credential-${helper}": executable file not found in $PATH`
        : r.error.message;
    throw new Error(`error ${action === 'store' ? 'storing' : 'erasing'} credentials - err: ${why}, out: \`\``);
  }
  if (r.status !== 0)
    throw new Error(
      `error ${action === 'store' ? 'storing' : 'erasing'} credentials - err: exit status ${r.status}, out: \`${r.stdout.trim()}\``,
    );
}

/** Stores user:password for `key` (host[:port]), keeping every other entry. */
export function storeCredentials(dir, key, username, password) {
  const config = load(dir);
  const helper = helperFor(config, key);
  try {
    if (helper) {
      runHelper(helper, 'store', JSON.stringify({ ServerURL: key, Username: username, Secret: password }));
      config.auths = { ...(config.auths ?? {}), [key]: {} };
    } else {
      const auth = Buffer.from(`${username}:${password}`).toString('base64');
      config.auths = { ...(config.auths ?? {}), [key]: { auth } };
    }
    save(dir, config);
  } catch (e) {
    throw new WerfError(`unable to store credentials: ${e.message}`);
  }
}

/** Erases `key` (from its credential helper too); a key that is not there is no error and leaves the file as it is. */
export function eraseCredentials(dir, key) {
  const config = load(dir);
  if (!config.auths || !(key in config.auths)) return;
  const helper = helperFor(config, key);
  if (helper) runHelper(helper, 'erase', key);
  delete config.auths[key];
  save(dir, config);
}
