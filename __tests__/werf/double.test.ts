// The planned argv run by the werf test double (not werf: it keeps the werf contract (docs/werf-contract.md)) against a real
// Distribution registry with TLS from a per-run CA. Each combination of inputs: werf gets exactly the planned argv,
// pushes, and writes a report that parseBuildReport reads. The deploy of converge is emulated by the double.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Inputs } from '../../src/inputs.js';
import { inputsFor } from '../support/inputs.js';
import { planWerfCommand, type WerfCommandContext } from '../../src/werf/argv.js';
import { diagnose } from '../../src/werf/diagnose.js';
import { parseBuildReport } from '../../src/werf/report.js';
import { makeTempDir, removeTempDir, runTool, startRegistry, type Registry } from '../support/rig/index.js';

const WERF = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../support/werf-double/werf');

let registry: Registry;
let dir: string;

// A build of the project in `dir` to the registry, with the werf double as werf-path.
const inputs = (overrides: Partial<Inputs>): Inputs =>
  inputsFor([], {
    repo: `${registry.host}/stages`,
    workingDirectory: path.join(dir, 'project'),
    werfPath: WERF,
    summary: true,
    ...overrides,
  });

beforeAll(async () => {
  registry = await startRegistry({ tls: true, auth: 'none' });
  dir = await makeTempDir('werf-argv');
  fs.mkdirSync(path.join(dir, 'project'));
  fs.writeFileSync(
    path.join(dir, 'project', 'werf.yaml'),
    'project: demo\nconfigVersion: 1\n---\nimage: backend\nfrom: alpine:3.20\n',
  );
  // The daemon's trust (/etc/docker/certs.d/<host>/ca.crt), standing in through the double's knob.
  fs.mkdirSync(path.join(dir, 'certs.d', registry.host), { recursive: true });
  fs.writeFileSync(path.join(dir, 'certs.d', registry.host, 'ca.crt'), registry.ca?.certPem ?? '');
  fs.writeFileSync(path.join(dir, 'kubeconfig'), 'apiVersion: v1\nkind: Config\n', { mode: 0o600 });
});

afterAll(async () => {
  await registry?.stop();
  if (dir) await removeTempDir(dir);
});

async function run(name: string, given: Partial<Inputs>, tls: WerfCommandContext['tls'], werfTrustsCa: boolean) {
  const plan = planWerfCommand(inputs(given), {
    buildReportPath: path.join(dir, `${name}.json`),
    kubeConfigPath: path.join(dir, 'kubeconfig'),
    tls,
  });
  const argvLog = path.join(dir, `${name}.argv.jsonl`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    WERF_DOUBLE_ARGV_LOG: argvLog,
    WERF_DOUBLE_DOCKER_CERTS_DIR: path.join(dir, 'certs.d'),
    WERF_DOUBLE_DAEMON_JSON: path.join(dir, 'daemon.json'),
    DOCKER_CONFIG: path.join(dir, `${name}.docker`),
    ...(werfTrustsCa ? { SSL_CERT_FILE: registry.ca?.certPath } : {}),
  };
  const result = await runTool(WERF, plan.args, { cwd: plan.cwd, env, timeoutMs: 120_000 });
  const logged = fs
    .readFileSync(argvLog, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { argv: string[]; cwd: string });
  return { plan, result, logged };
}

describe('planned argv, run by the werf double against a TLS registry', () => {
  const trustAll = { skipTlsVerifyRegistry: false, insecureRegistry: false };
  it.each<[string, Partial<Inputs> & { final?: boolean }, WerfCommandContext['tls'], boolean]>([
    ['build-repo', { command: 'build' }, trustAll, true],
    ['build-final', { command: 'build', final: true, env: 'staging' }, trustAll, true],
    [
      'converge-kube',
      { command: 'converge', env: 'production', kubeContext: 'prod', args: ['--namespace', 'demo'] },
      trustAll,
      true,
    ],
    ['converge-skip-verify', { command: 'converge' }, { skipTlsVerifyRegistry: true, insecureRegistry: false }, false],
  ])('%s', async (name, { final, ...given }, tls, werfTrustsCa) => {
    const overrides: Partial<Inputs> = { ...given, ...(final ? { finalRepo: `${registry.host}/final` } : {}) };
    const { plan, result, logged } = await run(name, overrides, tls, werfTrustsCa);

    expect({ exit: result.code, output: result.output }).toMatchObject({ exit: 0 });
    expect(logged).toHaveLength(1);
    expect(logged[0]?.argv).toEqual(plan.args);
    expect(fs.realpathSync(logged[0]?.cwd ?? '')).toBe(fs.realpathSync(plan.cwd));
    const report = parseBuildReport(fs.readFileSync(path.join(dir, `${name}.json`), 'utf8'));
    expect(report.images.map((i) => i.name)).toEqual(['backend']);
    const image = report.images[0];
    expect(image?.repo).toBe(overrides.finalRepo || `${registry.host}/stages`);
    expect(image?.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(image?.tag).toMatch(/^[0-9a-f]{56}-\d{13}$/);
  });

  it('werf itself fails without trust in the CA, and diagnose says so', async () => {
    const { result } = await run(
      'no-trust',
      { command: 'build' },
      { skipTlsVerifyRegistry: false, insecureRegistry: false },
      false,
    );
    expect(result.code).not.toBe(0);
    const [finding] = diagnose(result.output);
    expect(finding).toMatchObject({ title: 'Registry certificate not trusted', registry: registry.host, who: 'werf' });
  });

  it('the daemon fails without its certs.d entry, and diagnose says the daemon was pushing', async () => {
    const certs = path.join(dir, 'certs.d', registry.host, 'ca.crt');
    fs.renameSync(certs, `${certs}.off`);
    try {
      const { result } = await run(
        'no-daemon-trust',
        { command: 'build' },
        { skipTlsVerifyRegistry: false, insecureRegistry: false },
        true,
      );
      expect(result.code).not.toBe(0);
      expect(diagnose(result.output)[0]).toMatchObject({
        title: 'Registry certificate not trusted',
        registry: registry.host,
        who: 'daemon',
      });
    } finally {
      fs.renameSync(`${certs}.off`, certs);
    }
  });

  it('a tag in final-repo fails late in werf, and diagnose offers the corrected value', async () => {
    const { result } = await run(
      'tagged',
      { command: 'build', finalRepo: `${registry.host}/final:latest` },
      { skipTlsVerifyRegistry: false, insecureRegistry: false },
      true,
    );
    expect(result.code).not.toBe(0);
    expect(diagnose(result.output)[0]?.fix).toContain(`use "${registry.host}/final"`);
  });
});
