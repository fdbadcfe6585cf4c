#!/usr/bin/env node
// TEST DOUBLE of werf - NOT werf. The action's tests run this instead of the real werf, which cannot be downloaded
// on the development machines. It keeps the werf contract (docs/werf-contract.md) (werf v2.75.3) to the letter where the
// action can see it:
//   - `werf version`; cobra-like flags (`--f v`, `--f=v`, `-u v`, unknown flag -> `Error: unknown flag: --x`, exit 1)
//     with werf's env twins (booleans true only for 1/true/yes);
//   - `cr login [REGISTRY]`: werf's flags and errors (no --skip-tls-verify-registry), a REAL credential check
//     against the registry (GET /v2/, Basic or Bearer challenge) with Go's trust (SSL_CERT_FILE replaces the
//     bundle, SSL_CERT_DIR, <docker certs dir>/<host>/*.crt; --insecure-registry skips verification and allows
//     HTTP), every error fatal but a 429 (retried), Go-worded TLS errors, credentials stored under REGISTRY's
//     host[:port] (Docker Hub: `index.docker.io`) in the docker config dir (0700 dir, 0600 config.json);
//   - `cr logout [REGISTRY]`: erases REGISTRY's host[:port] (Docker Hub without REGISTRY), a missing key is no
//     error, no network;
//   - `helm get-namespace`: werf.yaml's deploy.namespace, else `[[ project ]]` or `[[ project ]]-[[ env ]]`,
//     slugified as werf does; no --namespace, WERF_NAMESPACE not read;
//   - werf.yaml through giterminism (--dir, --config, --dev): in a git work tree the committed file, or the work
//     tree's with --dev; outside one the file as it is (real werf refuses to run there);
//   - `build` / `converge`: werf's flags, werf.yaml required, --repo required, tag/digest in --repo/--final-repo
//     rejected late with werf's text; REAL images pushed: stages to --repo through a REAL Docker daemon when one is
//     there (DOCKER_HOST's unix socket, else /var/run/docker.sock: `docker load` + `docker push` with Debian's
//     docker.io CLI, the daemon's own trust and the job's docker config; a failure is werf's
//     `unable to push image "<ref>": <docker's error>`), else emulated with skopeo and the daemon's trust as knobs
//     (certs dir + daemon.json insecure-registries); then werf's own client (Go trust,
//     --skip-tls-verify-registry / --insecure-registry) reads them and copies them to --final-repo (skopeo, Docker
//     schema2; several platforms: an image per platform under a tag of its own, joined in a manifest list); tags
//     <sha3-224 hex>-<ms>; the build report in werf's JSON (tabs, Go field names, map keys sorted; one platform:
//     TargetPlatform is it, or the runtime's linux/amd64; several: one manifest-list record, TargetPlatform "",
//     ConfigType "", stage names with the platform; ImagesByPlatform only with WERF_ENABLE_REPORT_BY_PLATFORM=1)
//     or .env form.
// What it EMULATES (no real part can run here): the image build itself (a tiny deterministic image per werf image
// and platform) and the deploy of `converge` (no Kubernetes API: it prints werf-like lines; WERF_DOUBLE_DEPLOY_ERROR
// makes it fail with that text). Without a real daemon, loopback registries are treated like remote ones (a real
// daemon trusts 127.0.0.0/8 without TLS verification; the emulation does not, so the tests can see TLS failures).
// Test knobs: WERF_DOUBLE_ARGV_LOG (JSON line per run, passwords redacted, and the names of the INPUT_* variables it
// inherited), WERF_DOUBLE_DOCKER_CERTS_DIR (/etc/docker/certs.d) and WERF_DOUBLE_DAEMON_JSON (/etc/docker/daemon.json)
// for the emulated daemon, WERF_DOUBLE_VERSION (2.75.3; `dev` for a local build), WERF_DOUBLE_DOCKER_HUB (host:port
// standing in for registry-1.docker.io), WERF_DOUBLE_429_RETRY_MS (how long `cr login` retries a 429: 3000 here,
// 5 minutes in werf), WERF_DOUBLE_NEWER_REPORT=1 (the report of a newer werf: Runtime.WerfVersion, Operations,
// StageCache); for build/converge: WERF_DOUBLE_STDOUT / WERF_DOUBLE_STDERR (text printed first on that stream, as werf
// prints what registries, charts and Dockerfiles say) and WERF_DOUBLE_BUILD_ERROR (the build fails with that text
// after printing it); DOCKER_HOST chooses the real daemon (a socket that does not exist: none).
import { appendFileSync } from 'node:fs';
import { buildOrConverge } from './build.mjs';
import { WerfError, werfVersion } from './cli.mjs';
import { crLogin, crLogout } from './cr.mjs';
import { helm } from './helm.mjs';

const SECRET_FLAGS = new Set(['-p', '--password', '--kube-config-base64']);
const SECRET_ENV = new Set(['WERF_PASSWORD', 'WERF_KUBE_CONFIG_BASE64']);

/** argv with secret values replaced by *** (`-p X`, `--password=X`, `-pX`, kubeconfig), for the argv log. */
export function redactArgv(argv) {
  const outArgs = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf('=');
    if (SECRET_FLAGS.has(a) && i + 1 < argv.length) {
      outArgs.push(a, '***');
      i++;
    } else if (eq > 0 && SECRET_FLAGS.has(a.slice(0, eq))) outArgs.push(`${a.slice(0, eq)}=***`);
    else if (/^-[^-]*p./.test(a) && !a.startsWith('--')) outArgs.push(a.slice(0, a.indexOf('p') + 1) + '***');
    else outArgs.push(a);
  }
  return outArgs;
}

function logInvocation(argv) {
  const file = process.env.WERF_DOUBLE_ARGV_LOG;
  if (!file) return;
  const env = {};
  for (const [k, v] of Object.entries(process.env))
    if (k.startsWith('WERF_') || ['DOCKER_CONFIG', 'SSL_CERT_FILE', 'SSL_CERT_DIR'].includes(k))
      env[k] = SECRET_ENV.has(k) && v ? '***' : v;
  const inputs = Object.keys(process.env).filter((k) => /^INPUT_/i.test(k));
  appendFileSync(file, `${JSON.stringify({ argv: redactArgv(argv), cwd: process.cwd(), env, inputs })}\n`);
}

const out = (s) => process.stdout.write(s);

async function main(argv) {
  logInvocation(argv);
  const [cmd, sub, ...rest] = argv;
  if (cmd === 'version') return out(`${werfVersion()}\n`);
  if (cmd === 'cr' && sub === 'login') return crLogin(rest, out);
  if (cmd === 'cr' && sub === 'logout') return crLogout(rest, out);
  if (cmd === 'cr')
    throw new WerfError(sub ? `unknown command "${sub}" for "werf cr"` : 'werf cr needs a subcommand: login or logout');
  if (cmd === 'build' || cmd === 'converge') {
    if (process.env.WERF_DOUBLE_STDOUT) out(process.env.WERF_DOUBLE_STDOUT);
    if (process.env.WERF_DOUBLE_STDERR) process.stderr.write(process.env.WERF_DOUBLE_STDERR);
    if (process.env.WERF_DOUBLE_BUILD_ERROR) throw new WerfError(process.env.WERF_DOUBLE_BUILD_ERROR);
    return buildOrConverge(cmd, argv.slice(1), out);
  }
  if (cmd === 'helm') return helm(argv.slice(1), out);
  throw new WerfError(cmd ? `unknown command "${cmd}" for "werf"` : 'werf-double: no command');
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`Error: ${err instanceof WerfError ? err.message : err?.stack || err}\n`);
    process.exit(1);
  },
);
