/**
 * Docker daemon benchmark (a script, not a test): a real dockerd and a TLS registry on a test host (network
 * namespace); the daemon stage (`checkDockerDaemon` from `src/daemon/index.ts`, what runs before every build) against
 * `docker info --format '{{json .RegistryConfig}}'`, the one call users script for the same question, measured in
 * turns in the same run. Target: the stage in at most 50 ms. Then docker-daemon: configure on the same daemon: the
 * reload wait (SIGHUP until GET /info lists the entry, and until it no longer does), and the whole owned change with
 * it (lock, ownership record, backup, in-place edit; the post step's release and its reloads).
 * Run: `npm run bench:daemon` (see bench/README.md).
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  makeCa,
  makeTempDir,
  startDockerd,
  startRegistry,
  startTestHost,
  stopAll,
} from '../__tests__/support/rig/index.js';
import { checkDockerDaemon } from '../src/daemon/index.js';
import { configureDaemon, releaseDaemonConfig } from '../src/daemon/configure.js';
import { findDaemonProcess } from '../src/daemon/process.js';
import { signalReload, waitForInsecureRegistries } from '../src/daemon/reload.js';
import { directFiles } from '../src/system/files.js';
import type { DaemonConfigEntry } from '../src/state.js';
import { parseInputs } from '../src/inputs.js';

const ROUNDS = 21;
const run = promisify(execFile);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

/** Runs `fn` with this process's stdout silenced (the stage logs a line per check). */
async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    return await fn();
  } finally {
    process.stdout.write = write;
  }
}

async function main() {
  const host = await startTestHost();
  const ca = await makeCa({ cn: 'bench-daemon-ca' });
  const reg = await startRegistry({ on: host, ca, auth: 'none' });
  const daemon = await startDockerd({ 'insecure-registries': ['10.0.0.0/8'] });
  // The CA where the trust stage would have put it, in a certs dir of the benchmark's own (not /etc/docker).
  const certs = await makeTempDir('bench-certs');
  await mkdir(join(certs, reg.host));
  await writeFile(join(certs, reg.host, 'ca.crt'), ca.certPem);
  const env = { DOCKER_HOST: daemon.host, WERF_SHIP_DOCKER_CERTS_DIR: certs };
  // skip-tls-verify with nothing in certs.d for the registry: the daemon would verify and fail.
  const failingEnv = { ...env, WERF_SHIP_DOCKER_CERTS_DIR: await makeTempDir('bench-no-certs') };
  const inputs = {
    ca: parseInputs((n) => ({ repo: `${reg.host}/app`, 'ca-cert': ca.certPem })[n] ?? '', process.cwd()),
    skip: parseInputs((n) => ({ repo: `${reg.host}/app`, 'skip-tls-verify': 'true' })[n] ?? '', process.cwd()),
  };

  const checks = { ca: [] as number[], failing: [] as number[], cli: [] as number[] };
  for (let i = 0; i < ROUNDS; i++) {
    checks.ca.push(await timed(() => quietly(() => checkDockerDaemon(inputs.ca, env))));
    // The failing path also finds dockerd under /proc, reads its config file and shakes hands with the registry.
    checks.failing.push(
      await timed(() =>
        quietly(() =>
          checkDockerDaemon(inputs.skip, failingEnv).then(
            () => {
              throw new Error('the skip-tls-verify check passed');
            },
            () => undefined,
          ),
        ),
      ),
    );
    checks.cli.push(
      await timed(() =>
        run('/usr/bin/docker', ['info', '--format', '{{json .RegistryConfig}}'], {
          env: { ...process.env, DOCKER_HOST: daemon.host },
        }),
      ),
    );
  }

  // configure: the reload alone (the file written by hand), then the owned change around it.
  const reload = { add: [] as number[], remove: [] as number[], configure: [] as number[], post: [] as number[] };
  const original = await readFile(daemon.configFile, 'utf8');
  const withEntry = (list: string[]) =>
    JSON.stringify({ ...(JSON.parse(original) as object), 'insecure-registries': [...list, '10.0.0.0/8'] });
  const proc = await findDaemonProcess(daemon.socket);
  if (!proc) throw new Error('the benchmark dockerd was not found under /proc');
  for (let i = 0; i < ROUNDS; i++) {
    await writeFile(daemon.configFile, withEntry([reg.host]));
    await signalReload(daemon.pid);
    reload.add.push(await waitForInsecureRegistries(daemon.socket, { [reg.host]: true }));
    await writeFile(daemon.configFile, withEntry([]));
    await signalReload(daemon.pid);
    reload.remove.push(await waitForInsecureRegistries(daemon.socket, { [reg.host]: false }));
  }
  await writeFile(daemon.configFile, original);
  for (let i = 0; i < ROUNDS; i++) {
    let entry: DaemonConfigEntry | undefined;
    const record = (e: DaemonConfigEntry) => void (entry = e);
    reload.configure.push(
      await timed(() =>
        quietly(() =>
          configureDaemon({ socketPath: daemon.socket, process: proc, hosts: [reg.host], files: directFiles, record }),
        ),
      ),
    );
    reload.post.push(await timed(() => quietly(() => releaseDaemonConfig(entry as DaemonConfigEntry))));
  }
  if ((await readFile(daemon.configFile, 'utf8')) !== original) throw new Error('the config file was not put back');
  await stopAll();

  const row = (label: string, value: string) => console.log(`${label.padEnd(44)} ${value}`);
  const fmt = (xs: number[]) => `${median(xs).toFixed(1)} ms  [${xs.map((x) => x.toFixed(0)).join(', ')}]`;
  row(`daemon stage, ca-cert, passes (median of ${ROUNDS})`, fmt(checks.ca));
  row(`daemon stage, skip-tls-verify, fails (median)`, fmt(checks.failing));
  row(`docker info RegistryConfig (median)`, fmt(checks.cli));
  row('stage (passing) / docker info', `${(median(checks.ca) / median(checks.cli)).toFixed(2)}x`);
  row('stage (passing), target <= 50 ms', `${median(checks.ca) <= 50 ? 'met' : 'NOT met'}`);
  row('reload wait: SIGHUP until /info lists it', fmt(reload.add));
  row('reload wait: until /info no longer lists it', fmt(reload.remove));
  row('configure: owned change + reload (median)', fmt(reload.configure));
  row('post: release + 2 reloads (median)', fmt(reload.post));
  row('reload wait (add) / docker info', `${(median(reload.add) / median(checks.cli)).toFixed(2)}x`);
}

main().catch(async (err) => {
  console.error(err);
  await stopAll();
  process.exit(1);
});
