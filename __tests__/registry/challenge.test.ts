import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { parseChallenge, pullScope } from '../../src/registry/challenge.js';

describe('parseChallenge', () => {
  it('reads a Bearer challenge as Distribution sends it', () => {
    expect(
      parseChallenge(
        'Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a/b:pull,push",error="insufficient_scope"',
      ),
    ).toEqual({
      scheme: 'bearer',
      params: {
        realm: 'https://auth.example.com/token',
        service: 'registry.example.com',
        scope: 'repository:a/b:pull,push',
        error: 'insufficient_scope',
      },
    });
  });

  it('reads Basic, unquoted values, spaces and escaped quotes', () => {
    expect(parseChallenge('Basic realm="basic-realm"')).toEqual({ scheme: 'basic', params: { realm: 'basic-realm' } });
    expect(parseChallenge('bearer Realm=http://x/t , service = "s \\"q\\""')).toEqual({
      scheme: 'bearer',
      params: { realm: 'http://x/t', service: 's "q"' },
    });
    expect(parseChallenge(['Basic realm="first"', 'Bearer realm="second"'])?.params.realm).toBe('first');
    expect(parseChallenge(undefined)).toBeUndefined();
    expect(parseChallenge('  ')).toBeUndefined();
  });

  it('round-trips any quoted parameter values', () => {
    const value = fc.string().filter((s) => !/[\\"]/.test(s));
    fc.assert(
      fc.property(value, value, (realm, service) => {
        const c = parseChallenge(`Bearer realm="${realm}",service="${service}"`);
        return c?.params.realm === realm && c.params.service === service;
      }),
    );
  });

  it('names the pull scope of a repository', () => {
    expect(pullScope('team/app')).toBe('repository:team/app:pull');
  });
});
