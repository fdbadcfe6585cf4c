import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  seedImages,
  startRegistry,
  stopAll,
  type Registry,
  type SeededImage,
  type SeededKind,
} from '../support/rig/index.js';
import { accessTo } from '../support/inputs.js';
import { startConnectProxy, type ConnectProxy } from '../support/faults/proxy.js';
import {
  RegistryError,
  checkCredentials,
  createRegistryClient,
  describeTlsError,
  type RegistryClient,
} from '../../src/registry/index.js';

/** The access the action would build for a rig registry (CA trusted, credentials as given). */
async function using<T>(client: RegistryClient, fn: (c: RegistryClient) => Promise<T>): Promise<T> {
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

let basic: Registry;
let token: Registry;
let plain: Registry;
let seeded: Record<SeededKind, SeededImage>;

beforeAll(async () => {
  [basic, token, plain] = await Promise.all([
    startRegistry({ tls: true, auth: 'basic' }),
    startRegistry({ tls: false, auth: 'token' }),
    startRegistry({ tls: false, auth: 'none' }),
  ]);
  seeded = await seedImages(basic);
  await Promise.all([seedImages(token), seedImages(plain)]);
}, 120_000);

afterAll(async () => {
  await stopAll();
});

describe('basic auth over TLS with the CA', () => {
  it('pings, checks credentials and fetches all four media types with matching digests', async () => {
    await using(createRegistryClient(accessTo(basic)), async (c) => {
      expect(await c.ping()).toEqual({ scheme: 'basic', realm: 'rig-basic-realm' });
      await c.checkCredentials();
      for (const kind of ['oci', 'ociIndex', 'docker', 'dockerList'] as const) {
        const tag = seeded[kind].ref.split(':').pop()!;
        const m = await c.getManifest('demo', tag);
        expect(m).toMatchObject({
          digest: seeded[kind].digest,
          bodyDigest: seeded[kind].digest,
          mediaType: seeded[kind].mediaType,
        });
      }
      for (const blob of seeded.ociIndex.blobs) await c.headBlob('demo', blob);
      // one ping, then every request carries Basic: 1 + 4 GETs + HEADs, nothing more
      expect(c.requestCount()).toBe(1 + 1 + 4 + seeded.ociIndex.blobs.length);
    });
  });

  it('names MANIFEST_UNKNOWN and BLOB_UNKNOWN with the request', async () => {
    await using(createRegistryClient(accessTo(basic)), async (c) => {
      const e1 = (await c.getManifest('demo', 'nope').catch((e: unknown) => e)) as RegistryError;
      expect(e1).toBeInstanceOf(RegistryError);
      expect(e1).toMatchObject({
        code: 'MANIFEST_UNKNOWN',
        status: 404,
        request: `GET ${basic.url}/v2/demo/manifests/nope`,
      });
      const missing = `sha256:${'0'.repeat(64)}`;
      const e2 = (await c.headBlob('demo', missing).catch((e: unknown) => e)) as RegistryError;
      expect(e2).toMatchObject({
        code: 'BLOB_UNKNOWN',
        status: 404,
        request: `HEAD ${basic.url}/v2/demo/blobs/${missing}`,
      });
    });
  });

  it('wrong credentials: a clear 401 that names the user, never the password', async () => {
    const err = (await checkCredentials(accessTo(basic, { password: 'wrong-secret' })).catch(
      (e: unknown) => e,
    )) as RegistryError;
    expect(err).toMatchObject({ code: 'UNAUTHORIZED', status: 401 });
    expect(err.message).toMatch(
      new RegExp(`^${basic.host} did not accept user rig-user: GET ${basic.url}/v2/ answered 401: UNAUTHORIZED`),
    );
    expect(err.message).not.toContain('wrong-secret');
  });

  it('without the CA: an x509 error in plain words; skip-verify for this registry works', async () => {
    const err = await checkCredentials(accessTo(basic, { trust: 'system', ca: undefined })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as RegistryError).code).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    expect(describeTlsError(err, basic.host)).toMatch(/signed by a CA this runner does not trust/);
    expect((err as Error).message).toBe(describeTlsError(err, basic.host));
    await checkCredentials(accessTo(basic, { trust: 'skip-verify', ca: undefined }));
  });

  it('HTTPS spoken to a plain-HTTP registry, and HTTP spoken to a TLS one, say which way round it is', async () => {
    const e1 = await checkCredentials(accessTo(plain, { scheme: 'https', trust: 'system' })).catch((e: unknown) => e);
    expect((e1 as Error).message).toMatch(/does not speak TLS on that port.*insecure-registry: true/);
    const e2 = await checkCredentials(accessTo(basic, { scheme: 'http' })).catch((e: unknown) => e);
    expect((e2 as Error).message).toMatch(/speaks HTTPS, not plain HTTP: unset insecure-registry/);
  });

  it('goes through HTTPS_PROXY with the registry CA, and around it for NO_PROXY hosts', async () => {
    const proxy: ConnectProxy = await startConnectProxy();
    try {
      await using(
        createRegistryClient(accessTo(basic), { proxy: { httpsProxy: proxy.url, noProxy: '' } }),
        async (c) => {
          expect((await c.getManifest('demo', '1')).digest).toBe(seeded.oci.digest);
        },
      );
      // Keep-alive: Distribution drops the connection after its 401 to the ping, so at most one more tunnel.
      expect(proxy.tunnels.length).toBeLessThanOrEqual(2);
      expect(new Set(proxy.tunnels)).toEqual(new Set([basic.host]));
      const tunnels = proxy.tunnels.length;
      await using(
        createRegistryClient(accessTo(basic), { proxy: { httpsProxy: proxy.url, noProxy: '127.0.0.1' } }),
        async (c) => {
          await c.getManifest('demo', '1');
        },
      );
      expect(proxy.tunnels).toHaveLength(tunnels);
    } finally {
      await proxy.stop();
    }
  });
});

describe('token auth', () => {
  it('fetches one token per repository scope, shared by concurrent requests', async () => {
    const before = token.tokenIssuer!.requests();
    await using(createRegistryClient(accessTo(token)), async (c) => {
      expect(await c.ping()).toEqual({
        scheme: 'bearer',
        realm: token.tokenIssuer!.url,
        service: token.tokenIssuer!.service,
      });
      const tags = ['1', 'multi', 'docker1', 'dockermulti'];
      const got = await Promise.all(tags.map((t) => c.getManifest('demo', t)));
      expect(got.map((m) => m.digest === m.bodyDigest)).toEqual([true, true, true, true]);
      expect(c.requestCount()).toBe(1 + 1 + tags.length);
    });
    expect(token.tokenIssuer!.requests() - before).toBe(1);
  });

  it('checks credentials with a token; wrong ones get the issuer’s 401 in plain words', async () => {
    await checkCredentials(accessTo(token), { scope: 'repository:demo:pull' });
    const err = (await checkCredentials(accessTo(token, { password: 'bad-pw' })).catch(
      (e: unknown) => e,
    )) as RegistryError;
    expect(err).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    expect(err.message).toMatch(
      new RegExp(`^The token issuer of ${token.host} rejected the credentials of user rig-user`),
    );
    expect(err.message).not.toContain('bad-pw');
  });

  it('token issuer down: a clear message naming it', async () => {
    const reg = await startRegistry({ tls: false, auth: 'token' });
    await reg.tokenIssuer!.stop();
    const err = (await checkCredentials(accessTo(reg)).catch((e: unknown) => e)) as RegistryError;
    expect(err).toBeInstanceOf(RegistryError);
    expect(err.code).toBe('ECONNREFUSED');
    expect(err.message).toMatch(
      new RegExp(
        `^Could not get a token from the token issuer of ${reg.host}: GET ${reg.tokenIssuer!.url}.* failed: nothing accepts connections there`,
      ),
    );
    await reg.stop();
  });
});

describe('plain HTTP, anonymous read', () => {
  it('needs no auth and sends nothing but the requests', async () => {
    await using(createRegistryClient(accessTo(plain)), async (c) => {
      expect(await c.ping()).toEqual({ scheme: 'none' });
      await c.checkCredentials();
      const m = await c.getManifest('demo', 'dockermulti');
      expect(m.mediaType).toBe('application/vnd.docker.distribution.manifest.list.v2+json');
      expect(c.requestCount()).toBe(2);
    });
  });
});
