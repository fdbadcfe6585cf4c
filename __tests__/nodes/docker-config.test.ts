/**
 * A pull secret's docker config read as the kubelet reads it (pure): which entry it picks for a registry (host and
 * port as written, `https://` and `/v1/` `/v2/` dropped, globs, the longer path first, Docker Hub's aliases) and how it
 * decodes `auth` (padded or unpadded base64, split at the first colon).
 */
import { describe, expect, test } from '@jest/globals';
import {
  decodeAuthField,
  dockerServerFor,
  entriesFor,
  keyringKey,
  readDockerConfig,
  type DockerConfigEntry,
} from '../../src/nodes/docker-config.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const entry = (key: string, username = `u-${key}`): DockerConfigEntry => ({
  key,
  username,
  password: 'p',
  hasToken: false,
});
const picked = (keys: string[], image: string) =>
  entriesFor(
    keys.map((k) => entry(k)),
    image,
  ).map((e) => e.key);

describe('keyringKey: the key the kubelet files an entry under', () => {
  test.each([
    ['reg.example.com', 'reg.example.com'],
    ['https://reg.example.com', 'reg.example.com'],
    ['http://reg.example.com:5000', 'reg.example.com:5000'],
    ['https://index.docker.io/v1/', 'index.docker.io'],
    ['reg.example.com/v2/', 'reg.example.com'],
    ['reg.example.com/v2/team', 'reg.example.com/team'],
    ['reg.example.com/team/', 'reg.example.com/team/'],
    ['https://user@reg.example.com:5443/', 'reg.example.com:5443'],
    ['', undefined],
    ['https://', undefined],
  ])('%j -> %j', (key, expected) => {
    expect(keyringKey(key)).toBe(expected);
  });
});

describe('entriesFor: the entries the kubelet offers for an image, in its order', () => {
  test('host and port must match as written: no port is not port 443, and the port is not dropped', () => {
    expect(picked(['reg.example.com:5443'], 'reg.example.com:5443/app')).toEqual(['reg.example.com:5443']);
    expect(picked(['reg.example.com'], 'reg.example.com:5443/app')).toEqual([]);
    expect(picked(['reg.example.com:443'], 'reg.example.com/app')).toEqual([]);
    expect(picked(['reg.example.com:5443'], 'reg.example.com/app')).toEqual([]);
    expect(picked(['127.0.0.1:5000'], '127.0.0.1:5000/demo')).toEqual(['127.0.0.1:5000']);
    expect(picked(['127.0.0.1:5001'], '127.0.0.1:5000/demo')).toEqual([]);
  });

  test('https:// and http:// prefixes and the /v1/ /v2/ suffixes do not matter', () => {
    expect(picked(['https://reg.example.com:5443'], 'reg.example.com:5443/app')).toHaveLength(1);
    expect(picked(['http://reg.example.com:5443/v2/'], 'reg.example.com:5443/app')).toHaveLength(1);
    expect(picked(['https://reg.example.com:5443/v1/'], 'reg.example.com:5443/app')).toHaveLength(1);
  });

  test('a path narrows the entry to repositories under it (a string prefix, as the kubelet compares), the longer first', () => {
    const keys = ['reg.example.com', 'reg.example.com/team', 'reg.example.com/other'];
    expect(picked(keys, 'reg.example.com/team/app')).toEqual(['reg.example.com/team', 'reg.example.com']);
    expect(picked(keys, 'reg.example.com/elsewhere/app')).toEqual(['reg.example.com']);
    // The kubelet's quirk: a plain prefix, so /team also covers /teamx.
    expect(picked(['reg.example.com/team'], 'reg.example.com/teamx/app')).toEqual(['reg.example.com/team']);
  });

  test('globs in host labels, with the same number of labels', () => {
    expect(picked(['*.example.com'], 'reg.example.com/app')).toEqual(['*.example.com']);
    expect(picked(['*.example.com'], 'a.reg.example.com/app')).toEqual([]);
    expect(picked(['*.example.com'], 'example.com/app')).toEqual([]);
    // `?` starts a URL's query for the kubelet's url.Parse: such a key is the host `reg`, never a glob.
    expect(picked(['reg?.example.com'], 'reg1.example.com/app')).toEqual([]);
    expect(picked(['reg[0-9].example.com'], 'reg7.example.com/app')).toHaveLength(1);
    expect(picked(['reg[0-9].example.com'], 'regx.example.com/app')).toEqual([]);
  });

  test("Docker Hub: docker.io matches directly, index.docker.io (docker login's key) as the default registry", () => {
    expect(picked(['https://index.docker.io/v1/'], 'docker.io/library/nginx')).toEqual(['https://index.docker.io/v1/']);
    expect(picked(['docker.io'], 'docker.io/team/app')).toEqual(['docker.io']);
    // The kubelet does not take registry-1.docker.io (the API host) for Docker Hub images.
    expect(picked(['registry-1.docker.io'], 'docker.io/team/app')).toEqual([]);
    // The Docker Hub entry is no fallback for another registry.
    expect(picked(['https://index.docker.io/v1/'], 'ghcr.io/team/app')).toEqual([]);
  });

  test('two entries under one key (with and without https://) are both offered', () => {
    expect(
      entriesFor([entry('reg.example.com', 'a'), entry('https://reg.example.com', 'b')], 'reg.example.com/x').map(
        (e) => e.username,
      ),
    ).toEqual(['a', 'b']);
  });
});

describe('decodeAuthField: base64 of user:password as the kubelet decodes it', () => {
  test('padded and unpadded base64; the password may hold colons', () => {
    expect(decodeAuthField(b64('robot:s3cr:et'))).toEqual({ username: 'robot', password: 's3cr:et' });
    expect(decodeAuthField(b64('ab:c').replace(/=+$/, ''))).toEqual({ username: 'ab', password: 'c' });
    expect(decodeAuthField(b64(':token'))).toEqual({ username: '', password: 'token' });
  });

  test('not base64, or no colon: an error that does not repeat the value', () => {
    for (const bad of ['not base64!', b64('no-colon-here'), 'abcde']) {
      let message = '';
      try {
        decodeAuthField(bad);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toMatch(/"auth" is not base64/);
      expect(message).not.toContain(bad);
    }
  });
});

describe('readDockerConfig: the entries of .dockerconfigjson and .dockercfg', () => {
  test('.dockerconfigjson: auths, auth preferred over username/password, every credential listed for masking', () => {
    const read = readDockerConfig(
      JSON.stringify({
        auths: {
          'reg.example.com': { auth: b64('robot:pw1'), username: 'ignored', password: 'ignored-pw' },
          'https://other.example.com': { username: 'u2', password: 'pw2', email: 'x@example.com' },
          'acr.example.com': { identitytoken: 'refresh-token-1' },
        },
      }),
      false,
    );
    expect(read.error).toBeUndefined();
    expect(read.entries).toEqual([
      { key: 'reg.example.com', username: 'robot', password: 'pw1', hasToken: false },
      { key: 'https://other.example.com', username: 'u2', password: 'pw2', hasToken: false },
      { key: 'acr.example.com', username: '', password: '', hasToken: true },
    ]);
    expect(read.secrets).toEqual(
      expect.arrayContaining([b64('robot:pw1'), 'pw1', 'ignored-pw', 'pw2', b64('u2:pw2'), 'refresh-token-1']),
    );
  });

  test('.dockercfg: the entries at the top level', () => {
    const read = readDockerConfig(JSON.stringify({ 'reg.example.com:5000': { auth: b64('a:b') } }), true);
    expect(read.entries).toEqual([{ key: 'reg.example.com:5000', username: 'a', password: 'b', hasToken: false }]);
  });

  test('no auths: no entries (the node pulls without credentials)', () => {
    expect(readDockerConfig('{}', false)).toEqual({ entries: [], secrets: [] });
  });

  test('what spoils the whole secret for the kubelet, with the credentials still listed for masking', () => {
    expect(readDockerConfig('{not json', false).error).toBe('its docker config is not JSON');
    expect(readDockerConfig('[]', true).error).toBe('its is not a JSON object');
    expect(readDockerConfig(JSON.stringify({ auths: [] }), false).error).toBe('its "auths" is not a JSON object');
    const badAuth = readDockerConfig(
      JSON.stringify({ auths: { a: { password: 'keep-me-masked' }, b: { auth: 'bm90LWEtcGFpcg==' } } }),
      false,
    );
    expect(badAuth.error).toBe('its entry "b": its "auth" is not base64 of username:password');
    expect(badAuth.secrets).toEqual(expect.arrayContaining(['keep-me-masked', 'bm90LWEtcGFpcg==']));
    expect(readDockerConfig(JSON.stringify({ auths: { a: { username: 7 } } }), false).error).toBe(
      'its entry "a" has a field that is not a string',
    );
  });

  test("an entry's key is the cluster's text: quoted on one line, no workflow command in it", () => {
    const key = 'r.example.com\n::set-output name=verified::true ##[add-mask]x';
    expect(readDockerConfig(JSON.stringify({ auths: { [key]: 'not an object' } }), false).error).toBe(
      'its entry "r.example.com\\n::set-output name=verified::true ##\\u005badd-mask]x" is not an object',
    );
  });
});

test('dockerServerFor: Docker Hub as docker login writes it, other hosts as they are', () => {
  expect(dockerServerFor('docker.io')).toBe('https://index.docker.io/v1/');
  expect(dockerServerFor('reg.example.com:5443')).toBe('reg.example.com:5443');
});
