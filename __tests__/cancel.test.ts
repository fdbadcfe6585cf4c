// A cancelled job through the committed bundle (runner emulation, mock GitHub): the runner signals the main step while
// werf runs. The signal must reach werf, the main step must end promptly and non-zero, and the post step must still
// log out and remove everything. werf is the "slow werf" fixture (the double for version/cr, a signal-aware build).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { makeCa, startRegistry, stopAll, type Registry, type TestCa } from './support/rig/index.js';
import { TestJobs, filesBelow, leftInRunnerTemp } from './support/scenario.js';
import { repoRoot } from './support/runner.js';

const SLOW_WERF = path.join(repoRoot, '__tests__/support/slow-werf/werf');

let ca: TestCa;
let tls: Registry;
const tests = new TestJobs();
const dirs: string[] = [];

beforeAll(async () => {
  ca = await makeCa({ cn: 'shop-registry-ca' });
  tls = await startRegistry({ ca, auth: 'basic' });
});

afterAll(async () => {
  tests.cleanup();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  await stopAll();
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function waitFor<T>(what: string, get: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = get();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('a cancelled job (runner emulation)', () => {
  test.each([
    { signal: 'SIGTERM' as const, seen: 'TERM', werfExit: 143 },
    { signal: 'SIGINT' as const, seen: 'INT', werfExit: 130 },
  ])(
    '$signal to the main step while werf builds reaches werf; main fails promptly; post logs out and removes everything',
    async ({ signal, seen, werfExit }) => {
      const s = tests.scenario();
      const werfDir = fs.mkdtempSync(path.join(os.tmpdir(), 'slow-werf-'));
      dirs.push(werfDir);
      const startedFile = path.join(werfDir, 'started');
      const signalsFile = path.join(werfDir, 'signals');

      let werfPid = 0;
      let signalledAt = 0;
      let mainEndedAt = 0;
      let watching: Promise<void> = Promise.resolve();
      const job = await s.run(
        {
          repo: `${tls.host}/cancel/stages`,
          username: tls.username,
          password: tls.password,
          'ca-cert': ca.certPem,
          command: 'build',
          'werf-path': SLOW_WERF,
        },
        {
          env: { SLOW_WERF_DIR: werfDir },
          onMainStarted: (pid) => {
            watching = (async () => {
              werfPid = await waitFor('werf build to start', () =>
                fs.existsSync(startedFile) && fs.readFileSync(startedFile, 'utf8').trim()
                  ? Number(fs.readFileSync(startedFile, 'utf8').trim())
                  : undefined,
              );
              signalledAt = Date.now();
              process.kill(pid, signal);
              await waitFor('the main step to end', () => (alive(pid) ? undefined : true));
              mainEndedAt = Date.now();
            })();
          },
        },
      );
      tests.track(job);
      await watching;

      // werf got the signal, and the main step did not wait for werf's own 20 s: it ended right after werf did.
      expect(fs.readFileSync(signalsFile, 'utf8')).toBe(`${seen}\n`);
      expect(alive(werfPid)).toBe(false);
      expect(mainEndedAt - signalledAt).toBeLessThan(5_000);
      expect({ exit: job.main.exitCode, signal: job.main.signal }).toEqual({ exit: 1, signal: null });
      const failed = job.main.annotations.filter((a) => a.level === 'error' && !a.properties.title);
      expect(failed.map((a) => a.message)).toEqual([expect.stringContaining(`werf build`)]);
      expect(failed[0]?.message).toContain(String(werfExit));

      // The post step still ran its whole journal: logout through werf, then every file and dir removed.
      const dockerConfig = job.main.exportedEnv.DOCKER_CONFIG ?? '';
      expect(path.dirname(dockerConfig)).toBe(job.runnerTemp);
      expect(job.post?.exitCode).toBe(0);
      expect(job.post?.annotations.filter((a) => a.level !== 'notice')).toEqual([]);
      const logout = s.werfCalls().find((c) => c.argv[0] === 'cr' && c.argv[1] === 'logout');
      expect(logout?.argv).toEqual(['cr', 'logout', '--docker-config', dockerConfig, tls.host]);
      expect(fs.existsSync(dockerConfig)).toBe(false);
      expect(leftInRunnerTemp(job)).toEqual([]);
      expect(fs.readdirSync(job.runnerTemp).filter((f) => !f.startsWith('_runner_file_commands'))).toEqual([]);
      expect(filesBelow(s.dockerCertsDir)).toEqual([]);
      expect(filesBelow(s.containersCertsDir)).toEqual([]);
      expect(filesBelow(s.env.HOME as string)).toEqual([]);
    },
  );
});
