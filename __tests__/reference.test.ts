import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { ActionError } from '../src/errors.js';
import { parseImageReference, parseRepository } from '../src/reference.js';

const HEX64 = 'a'.repeat(64);
const SCHEME_WHY =
  'must not contain a scheme: werf picks HTTPS itself (set insecure-registry: true for a plain-HTTP registry)';
const REPO_TAG_WHY = 'must not contain a tag: werf tags the images it stores there itself';
const FINAL_TAG_WHY = 'must not contain a tag: werf tags final images itself';
const DIGEST_WHY =
  'must not contain a digest: a digest names one image, and werf needs the repository the images go to';
const LOWER_WHY = 'must be lowercase: repository paths allow no uppercase letters';
const NO_REPO = 'names a registry but no repository in it: add the repository path';
const COMPONENT_RULE =
  'which must start and end with a letter or digit and have only ".", "_", "__" or "-" between them';
const HOST_RULE =
  'a host name (letters, digits, "-" and "."), an IPv4 address or an IPv6 address in brackets, with an optional ":PORT" of digits';

// [input, input name, the exact message]
const BAD_REPOSITORIES: Array<[string, 'repo' | 'final-repo', string]> = [
  [
    'index.docker.io/user/app:latest',
    'final-repo',
    'final-repo "index.docker.io/user/app:latest" must not contain a tag: werf tags final images itself; use "index.docker.io/user/app"',
  ],
  [
    'registry.example.com/app:latest',
    'repo',
    `repo "registry.example.com/app:latest" ${REPO_TAG_WHY}; use "registry.example.com/app"`,
  ],
  [
    'registry.example.com:5000/group/app:v1.2.3',
    'final-repo',
    `final-repo "registry.example.com:5000/group/app:v1.2.3" ${FINAL_TAG_WHY}; use "registry.example.com:5000/group/app"`,
  ],
  ['localhost:5000/app:5000', 'repo', `repo "localhost:5000/app:5000" ${REPO_TAG_WHY}; use "localhost:5000/app"`],
  [
    'registry.example.com/app:',
    'repo',
    `repo "registry.example.com/app:" ${REPO_TAG_WHY}; use "registry.example.com/app"`,
  ],
  [
    `registry.example.com/app:${'t'.repeat(129)}`,
    'final-repo',
    `final-repo "registry.example.com/app:${'t'.repeat(129)}" ${FINAL_TAG_WHY}; use "registry.example.com/app"`,
  ],
  [
    `registry.example.com/app@sha256:${HEX64}`,
    'final-repo',
    `final-repo "registry.example.com/app@sha256:${HEX64}" ${DIGEST_WHY}; use "registry.example.com/app"`,
  ],
  [
    'registry.example.com/app@sha256:abc',
    'repo',
    `repo "registry.example.com/app@sha256:abc" ${DIGEST_WHY}; use "registry.example.com/app"`,
  ],
  [
    `registry.example.com/app:1.0@sha256:${HEX64}`,
    'repo',
    `repo "registry.example.com/app:1.0@sha256:${HEX64}" must not contain a tag or a digest: werf tags the images it stores there itself; use "registry.example.com/app"`,
  ],
  [
    'https://registry.example.com/app',
    'repo',
    `repo "https://registry.example.com/app" ${SCHEME_WHY}; use "registry.example.com/app"`,
  ],
  [
    'http://127.0.0.1:5000/app',
    'final-repo',
    `final-repo "http://127.0.0.1:5000/app" ${SCHEME_WHY}; use "127.0.0.1:5000/app"`,
  ],
  [
    'docker://registry.example.com/app:latest',
    'repo',
    `repo "docker://registry.example.com/app:latest" ${SCHEME_WHY}; ${REPO_TAG_WHY}; use "registry.example.com/app"`,
  ],
  [
    'registry.example.com/MyApp',
    'repo',
    `repo "registry.example.com/MyApp" ${LOWER_WHY}; use "registry.example.com/myapp"`,
  ],
  // Docker would take an uppercase first component for a registry host: the user meant a Docker Hub namespace.
  ['MyUser/app', 'final-repo', `final-repo "MyUser/app" ${LOWER_WHY}; use "myuser/app"`],
  [
    'https://Registry.Example.com/Team/App:latest',
    'final-repo',
    `final-repo "https://Registry.Example.com/Team/App:latest" ${SCHEME_WHY}; ${FINAL_TAG_WHY}; ${LOWER_WHY}; use "Registry.Example.com/team/app"`,
  ],
  [
    'registry.example.com/App:-bad',
    'repo',
    `repo "registry.example.com/App:-bad" ${REPO_TAG_WHY}; ${LOWER_WHY}; use "registry.example.com/app"`,
  ],
  [
    'registry.example.com/app/',
    'repo',
    'repo "registry.example.com/app/" must not end with "/"; use "registry.example.com/app"',
  ],
  [
    ' registry.example.com/app',
    'repo',
    'repo " registry.example.com/app" must not have spaces around it; use "registry.example.com/app"',
  ],
  ['localhost:5000', 'repo', `repo "localhost:5000" ${NO_REPO}; for example "localhost:5000/app"`],
  [
    'registry.example.com',
    'final-repo',
    `final-repo "registry.example.com" ${NO_REPO}; for example "registry.example.com/app"`,
  ],
  ['[::1]:5000', 'repo', `repo "[::1]:5000" ${NO_REPO}; for example "[::1]:5000/app"`],
  [
    'http://localhost:5000',
    'final-repo',
    `final-repo "http://localhost:5000" ${SCHEME_WHY}; ${NO_REPO}; for example "localhost:5000/app"`,
  ],
  ['', 'repo', 'repo "" is empty: give a repository such as "registry.example.com/app"'],
  ['   ', 'final-repo', 'final-repo "   " is empty: give a repository such as "registry.example.com/app"'],
  ['registry.example.com/my app', 'repo', 'repo "registry.example.com/my app" contains whitespace'],
  [
    'https://registry.example.com/my app:latest',
    'repo',
    `repo "https://registry.example.com/my app:latest" ${SCHEME_WHY}; ${REPO_TAG_WHY}; and it contains whitespace`,
  ],
  [
    'registry.example.com/app!',
    'repo',
    'repo "registry.example.com/app!" contains "!", which a repository path cannot hold: lowercase letters, digits, "/", and ".", "_", "__" or "-" between them',
  ],
  [
    'registry.example.com//app',
    'repo',
    'repo "registry.example.com//app" has an empty path component (a "//", or a "/" at the start or the end)',
  ],
  [
    'registry.example.com/-app',
    'repo',
    `repo "registry.example.com/-app" has the path component "-app", ${COMPONENT_RULE}`,
  ],
  [
    'registry.example.com/app..x',
    'repo',
    `repo "registry.example.com/app..x" has the path component "app..x", ${COMPONENT_RULE}`,
  ],
  [
    'registry.example.com/app___x',
    'repo',
    `repo "registry.example.com/app___x" has the path component "app___x", ${COMPONENT_RULE}`,
  ],
  ['host:abc/app', 'repo', `repo "host:abc/app" has an invalid registry host "host:abc": ${HOST_RULE}`],
  [
    'reg_istry.example.com/app',
    'repo',
    `repo "reg_istry.example.com/app" has an invalid registry host "reg_istry.example.com": ${HOST_RULE}`,
  ],
  [
    `registry.example.com/${'a'.repeat(256)}`,
    'final-repo',
    `final-repo "registry.example.com/${'a'.repeat(256)}" has a repository path of 256 characters; the limit is 255`,
  ],
  [HEX64, 'repo', `repo "${HEX64}" is a 64-character hexadecimal image ID, not a name`],
];

describe('parseRepository: bad values', () => {
  it('has at least 25 of them', () => expect(BAD_REPOSITORIES.length).toBeGreaterThanOrEqual(25));

  it.each(BAD_REPOSITORIES)('rejects %j (%s)', (input, name, message) => {
    let thrown: unknown;
    try {
      parseRepository(input, name);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ActionError);
    expect((thrown as ActionError).message).toBe(message);
  });

  it.each(BAD_REPOSITORIES.filter(([, , m]) => /; use "[^"]*"$/.test(m)))(
    'offers a corrected %j that is valid',
    (_, name, message) => {
      const corrected = /; use "([^"]*)"$/.exec(message)?.[1] as string;
      expect(parseRepository(corrected, name).name).toBe(corrected);
    },
  );
});

describe('parseRepository: good values', () => {
  it.each([
    ['host:5000/app', 'host:5000', 'app', 'host:5000/app'],
    ['localhost:5000/group/app', 'localhost:5000', 'group/app', 'localhost:5000/group/app'],
    ['127.0.0.1:5443/demo', '127.0.0.1:5443', 'demo', '127.0.0.1:5443/demo'],
    ['[::1]:5000/app', '[::1]:5000', 'app', '[::1]:5000/app'],
    ['[fe80::1]/a/b', '[fe80::1]', 'a/b', '[fe80::1]/a/b'],
    ['user/app', 'docker.io', 'user/app', 'docker.io/user/app'],
    ['index.docker.io/user/app', 'docker.io', 'user/app', 'docker.io/user/app'],
    ['nginx', 'docker.io', 'library/nginx', 'docker.io/library/nginx'],
    [
      'Registry.Example.COM/a__b.c-d---e/f_g',
      'Registry.Example.COM',
      'a__b.c-d---e/f_g',
      'Registry.Example.COM/a__b.c-d---e/f_g',
    ],
    [`r.io/${'a'.repeat(255)}`, 'r.io', 'a'.repeat(255), `r.io/${'a'.repeat(255)}`],
  ])('accepts %s', (input, domain, path, fullName) => {
    const repository = parseRepository(input, 'repo');
    expect(repository).toMatchObject({ name: input, domain, path, fullName });
  });
});

describe('parseImageReference', () => {
  it.each([
    [
      'nginx',
      { domain: 'docker.io', path: 'library/nginx', fullName: 'docker.io/library/nginx', familiarName: 'nginx' },
    ],
    ['nginx:1.27', { path: 'library/nginx', tag: '1.27', familiarName: 'nginx' }],
    [
      'index.docker.io/user/app:latest',
      { domain: 'docker.io', path: 'user/app', tag: 'latest', familiarName: 'user/app' },
    ],
    ['docker.io/library/nginx', { familiarName: 'nginx' }],
    ['localhost/app', { domain: 'localhost', path: 'app', familiarName: 'localhost/app' }],
    ['localhost:5000', { domain: 'docker.io', path: 'library/localhost', tag: '5000' }],
    ['host:5000/app', { domain: 'host:5000', path: 'app', fullName: 'host:5000/app' }],
    ['host:5000/app:5000', { domain: 'host:5000', path: 'app', tag: '5000' }],
    [`r.io/app:v1@sha256:${HEX64}`, { domain: 'r.io', path: 'app', tag: 'v1', digest: `sha256:${HEX64}` }],
    [`[::1]:5000/app@sha512:${'b'.repeat(128)}`, { domain: '[::1]:5000', digest: `sha512:${'b'.repeat(128)}` }],
    [`r.io/app@multihash+base58:${'c'.repeat(32)}`, { digest: `multihash+base58:${'c'.repeat(32)}` }],
  ])('parses %s', (input, expected) => {
    expect(parseImageReference(input)).toMatchObject(expected);
  });

  it.each([
    ['', 'Image reference "" is empty.'],
    [
      'r.io/app:-x',
      'Image reference "r.io/app:-x" has an invalid tag "-x": 1 to 128 letters, digits, "_", "." or "-", not starting with "." or "-".',
    ],
    [
      'r.io/app@sha256:abc',
      'Image reference "r.io/app@sha256:abc" has an invalid digest "sha256:abc": expected ALGORITHM:HEX such as "sha256:" and 64 hexadecimal digits.',
    ],
    [
      `r.io/app@sha256:${'a'.repeat(40)}`,
      `Image reference "r.io/app@sha256:${'a'.repeat(40)}" has an invalid digest "sha256:${'a'.repeat(40)}": a sha256 digest has 64 hexadecimal digits, not 40.`,
    ],
    ['https://r.io/app', 'Image reference "https://r.io/app" must not start with a scheme such as "https://".'],
    ['r.io/App', 'Image reference "r.io/App" must be lowercase in its repository path.'],
  ])('rejects %j', (input, message) => {
    expect(() => parseImageReference(input)).toThrow(new ActionError(message));
  });
});

// Generators that follow Distribution's grammar.
const alnum = fc.stringMatching(/^[a-z0-9]{1,8}$/);
const separator = fc.constantFrom('.', '_', '__', '-', '--');
const pathComponent = fc
  .tuple(alnum, fc.array(fc.tuple(separator, alnum), { maxLength: 3 }))
  .map(([head, rest]) => head + rest.map(([s, a]) => s + a).join(''));
const path = fc.array(pathComponent, { minLength: 2, maxLength: 4 }).map((c) => c.join('/'));
const domain = fc.oneof(
  fc
    .array(fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,6}[a-z0-9])?$/), { minLength: 2, maxLength: 3 })
    .map((c) => c.join('.')),
  fc.constant('localhost'),
  fc.tuple(fc.nat(255), fc.nat(255)).map(([a, b]) => `10.0.${a}.${b}`),
  fc.constantFrom('[::1]', '[fe80::1]', '[2001:db8::42]'),
);
const port = fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined });
const host = fc.tuple(domain, port).map(([d, p]) => (p === undefined ? d : `${d}:${p}`));
const tag = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}$/);
const digest = fc.stringMatching(/^[0-9a-f]{64}$/).map((h) => `sha256:${h}`);

describe('properties', () => {
  it('parses every reference the grammar generates back into its parts', () => {
    fc.assert(
      fc.property(
        host,
        path,
        fc.option(tag, { nil: undefined }),
        fc.option(digest, { nil: undefined }),
        (h, p, t, d) => {
          const input = `${h}/${p}${t === undefined ? '' : `:${t}`}${d === undefined ? '' : `@${d}`}`;
          const ref = parseImageReference(input);
          expect(ref).toEqual({
            domain: h,
            path: p,
            ...(t === undefined ? {} : { tag: t }),
            ...(d === undefined ? {} : { digest: d }),
            fullName: `${h}/${p}`,
            familiarName: `${h}/${p}`,
          });
        },
      ),
    );
  });

  it('rejects a repository with a tag or digest, offering exactly the repository', () => {
    fc.assert(
      fc.property(host, path, tag, fc.option(digest, { nil: undefined }), (h, p, t, d) => {
        const repository = `${h}/${p}`;
        const input = `${repository}:${t}${d === undefined ? '' : `@${d}`}`;
        expect(() => parseRepository(input, 'final-repo')).toThrow(`; use "${repository}"`);
        expect(parseRepository(repository, 'final-repo').domain).toBe(h);
      }),
    );
  });

  it('treats a port as a port, never as a tag', () => {
    fc.assert(
      fc.property(domain, fc.integer({ min: 1, max: 65535 }), path, (d, p, rest) => {
        const ref = parseRepository(`${d}:${p}/${rest}`, 'repo');
        expect(ref.domain).toBe(`${d}:${p}`);
        expect(ref.path).toBe(rest);
      }),
    );
  });

  it('rejects every path longer than 255 characters', () => {
    fc.assert(
      fc.property(host, fc.integer({ min: 256, max: 600 }), (h, n) => {
        expect(() => parseRepository(`${h}/${'a'.repeat(n)}`, 'repo')).toThrow(`path of ${n} characters`);
      }),
    );
  });

  it('answers any string with a result or an ActionError, and a result re-parses to itself', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (input) => {
        let ref;
        try {
          ref = parseImageReference(input);
        } catch (err) {
          expect(err).toBeInstanceOf(ActionError);
          return;
        }
        expect(parseImageReference(ref.fullName)).toMatchObject({ domain: ref.domain, path: ref.path });
      }),
      { numRuns: 2000 },
    );
  });
});
