import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { childEnv, forgetInputs, runProgram } from '../src/child-process.js';

describe('childEnv', () => {
  test("a child gets the environment without the action's inputs, with the extra variables on top", () => {
    const env = {
      PATH: '/usr/bin',
      INPUT_PASSWORD: 'pw',
      'INPUT_KUBE-CONFIG-BASE64': 'a3ViZQ==',
      INPUT_REGISTRIES: '- registry: r',
      input_lower: 'x',
      WERF_INPUT_X: 'kept',
      SSL_CERT_FILE: '/etc/ssl/certs/ca-certificates.crt',
    };
    expect(childEnv({ SSL_CERT_FILE: '/job/bundle.pem' }, env)).toEqual({
      PATH: '/usr/bin',
      WERF_INPUT_X: 'kept',
      SSL_CERT_FILE: '/job/bundle.pem',
    });
  });
});

describe('forgetInputs', () => {
  test('removes the inputs from an environment once they are read, and nothing else', () => {
    const env: NodeJS.ProcessEnv = { HOME: '/home/runner', INPUT_PASSWORD: 'pw', INPUT_REPO: 'r/app' };
    forgetInputs(env);
    expect(env).toEqual({ HOME: '/home/runner' });
  });
});

describe('runProgram', () => {
  test('a program path with blanks and quotes is one program; stdin, output and exit code come through', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'run program "x" '));
    try {
      const program = path.join(dir, 'say it');
      fs.writeFileSync(program, '#!/bin/sh\nread -r line; echo "got $line and $1"; echo oops >&2; exit 3\n', {
        mode: 0o755,
      });
      expect(await runProgram(program, ['one arg'], { input: 'secret\n' })).toEqual({
        exitCode: 3,
        stdout: 'got secret and one arg\n',
        stderr: 'oops\n',
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a program that cannot start is exit code 127 with the reason, not a throw', async () => {
    const run = await runProgram('/nonexistent/werf', ['version']);
    expect(run.exitCode).toBe(127);
    expect(run.stderr).toMatch(/ENOENT/);
  });
});
