import { describe, expect, test } from '@jest/globals';
import { childEnv, forgetInputs } from '../src/child-env.js';

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
