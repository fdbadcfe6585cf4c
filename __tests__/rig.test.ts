import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import {
  ACCEPT_ALL_MANIFESTS,
  MANIFEST_TYPES,
  deleteBlob,
  getManifest,
  isListening,
  makeCa,
  registryRequest,
  retagTo,
  runTool,
  seedImages,
  skopeoArgsFor,
  startContainerd,
  startRegistry,
  stopAll,
  writeHostsToml,
  type Containerd,
  type Registry,
  type SeededImage,
  type SeededKind,
} from './support/rig/index.js';

// One TLS+basic registry, one token registry, one plain-HTTP registry and one containerd for the whole file.
let tlsReg: Registry;
let tokenReg: Registry;
let httpReg: Registry;
let ctrd: Containerd;
let seeded: Record<SeededKind, SeededImage>;
let tokenSeeded: Record<SeededKind, SeededImage>;
let hostsRoot: string;

beforeAll(async () => {
  [tlsReg, tokenReg, httpReg, ctrd] = await Promise.all([
    startRegistry(),
    startRegistry({ tls: true, auth: 'token' }),
    startRegistry({ tls: false }),
    startContainerd(),
  ]);
  [seeded, tokenSeeded] = await Promise.all([seedImages(tlsReg), seedImages(tokenReg, 'team/app')]);
  hostsRoot = await mkdtemp(join(tmpdir(), 'rig-test-hosts-'));
}, 30_000);

afterAll(async () => {
  await stopAll();
  await rm(hostsRoot, { recursive: true, force: true });
});

describe('TLS registry with basic auth', () => {
  test('skopeo pushes and inspects with the CA; without it fails with an x509 unknown-authority error', async () => {
    expect(seeded.oci.ref).toBe(`${tlsReg.host}/demo:1`);
    const withCa = await runTool('skopeo', [
      'inspect',
      '--raw',
      ...skopeoArgsFor(tlsReg, 'inspect', 'demo'),
      `docker://${seeded.oci.ref}`,
    ]);
    expect(withCa.code).toBe(0);
    expect(JSON.parse(withCa.stdout).mediaType).toBe(MANIFEST_TYPES.oci);

    const creds = `${tlsReg.username}:${tlsReg.password}`;
    const withoutCa = await runTool('skopeo', ['inspect', '--raw', '--creds', creds, `docker://${seeded.oci.ref}`]);
    expect(withoutCa.code).not.toBe(0);
    expect(withoutCa.stderr).toMatch(/x509: certificate signed by unknown authority/);
  });

  test('serves each seeded media type with its Content-Type and digest when Accept names all four', async () => {
    const agent = new Agent({ connect: { ca: tlsReg.ca!.certPem } });
    const basic = `Basic ${Buffer.from(`${tlsReg.username}:${tlsReg.password}`).toString('base64')}`;
    try {
      for (const kind of ['oci', 'ociIndex', 'docker', 'dockerList'] as const) {
        const tag = seeded[kind].ref.split(':').pop();
        const res = await request(`${tlsReg.url}/v2/demo/manifests/${tag}`, {
          dispatcher: agent,
          headers: { accept: ACCEPT_ALL_MANIFESTS, authorization: basic },
        });
        await res.body.dump();
        expect([kind, res.statusCode, res.headers['content-type']]).toEqual([kind, 200, MANIFEST_TYPES[kind]]);
        expect(res.headers['docker-content-digest']).toBe(seeded[kind].digest);
      }
    } finally {
      await agent.close();
    }
    expect(seeded.ociIndex.platforms).toEqual(['linux/amd64', 'linux/arm64/v8']);
    expect(seeded.dockerList.platforms).toEqual(['linux/amd64', 'linux/arm64/v8']);
    expect(seeded.oci.platforms).toEqual(['linux/amd64']);
    expect(seeded.oci.blobs).toHaveLength(2);
    expect(seeded.ociIndex.blobs).toHaveLength(4);
  });

  test('Node fetch without the CA fails with UNABLE_TO_VERIFY_LEAF_SIGNATURE', async () => {
    const err = await fetch(`${tlsReg.url}/v2/`).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as { cause?: { code?: string } }).cause?.code).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });

  test('retagTo points a tag at another manifest with its digest preserved', async () => {
    await retagTo(tlsReg, 'demo', 'moved', seeded.ociIndex.digest);
    const moved = await getManifest(tlsReg, 'demo', 'moved');
    expect([moved.digest, moved.mediaType]).toEqual([seeded.ociIndex.digest, MANIFEST_TYPES.ociIndex]);
  });

  test('a wrong password is 401 with a Basic challenge', async () => {
    const bad = await registryRequest({ ...tlsReg, password: 'wrong' }, '/v2/');
    expect(bad.status).toBe(401);
    expect(String(bad.headers['www-authenticate'])).toMatch(/^Basic realm=/);
  });
});

describe('bad CAs for trust tests', () => {
  test('a registry signed by an expired CA or by a non-CA certificate is refused even with that CA', async () => {
    const [expired, notCa] = await Promise.all([
      makeCa({ notBefore: '2020-01-01T00:00:00Z', notAfter: '2021-01-01T00:00:00Z' }),
      makeCa({ isCa: false }),
    ]);
    expect(new X509Certificate(expired.certPem).validTo).toMatch(/2021/);
    expect(new X509Certificate(notCa.certPem).ca).toBe(false);
    const regs = await Promise.all([startRegistry({ ca: expired }), startRegistry({ ca: notCa })]);
    const codes = await Promise.all(
      regs.map((r) =>
        request(`${r.url}/v2/`, { dispatcher: r.dispatcher }).then(
          () => 'ok',
          (e: { code?: string }) => e.code,
        ),
      ),
    );
    // OpenSSL 3 names a non-CA trust anchor 'unspecified certificate verification error'.
    expect(codes).toEqual(['CERT_HAS_EXPIRED', expect.stringMatching(/^(INVALID_CA|UNSPECIFIED)$/)]);
    await Promise.all(regs.map((r) => r.stop()));
    await Promise.all([expired.remove(), notCa.remove()]);
  });
});

describe('token-auth registry', () => {
  test('without a token: 401 with a Bearer challenge naming the issuer; with an issued token: 200', async () => {
    const anonymous = await registryRequest(tokenReg, '/v2/', { anonymous: true });
    expect(anonymous.status).toBe(401);
    const challenge = String(anonymous.headers['www-authenticate']);
    expect(challenge).toContain(`Bearer realm="${tokenReg.tokenIssuer!.url}"`);
    expect(challenge).toContain('service="rig-registry"');

    // The way a client does it: ask the realm with Basic credentials, then present the token.
    const basic = Buffer.from(`${tokenReg.username}:${tokenReg.password}`).toString('base64');
    const tokenRes = await fetch(`${tokenReg.tokenIssuer!.url}?service=rig-registry&scope=repository:demo:pull`, {
      headers: { authorization: `Basic ${basic}` },
    });
    expect(tokenRes.status).toBe(200);
    const { token } = (await tokenRes.json()) as { token: string };
    const withToken = await registryRequest(tokenReg, '/v2/', {
      anonymous: true,
      headers: { authorization: `Bearer ${token}` },
    });
    expect(withToken.status).toBe(200);

    const refused = await fetch(tokenReg.tokenIssuer!.url, { headers: { authorization: 'Basic d3Jvbmc6d3Jvbmc=' } });
    expect(refused.status).toBe(401);
    const forged = await registryRequest(tokenReg, '/v2/', {
      anonymous: true,
      headers: { authorization: `Bearer ${token}x` },
    });
    expect(forged.status).toBe(401);
  });

  test('skopeo pushed with a minted token and a pull-scoped token reads the manifest', async () => {
    const images = tokenSeeded;
    expect(images.ociIndex.mediaType).toBe(MANIFEST_TYPES.ociIndex);
    const res = await registryRequest(tokenReg, '/v2/team/app/manifests/multi', {
      headers: { accept: ACCEPT_ALL_MANIFESTS },
      scopes: ['repository:team/app:pull'],
    });
    expect(res.status).toBe(200);
    expect(res.headers['docker-content-digest']).toBe(images.ociIndex.digest);
  });
});

describe('plain HTTP registry', () => {
  test('answers /v2/ without auth over http and takes a skopeo push', async () => {
    expect(httpReg.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${httpReg.url}/v2/`)).status).toBe(200);
    const images = await seedImages(httpReg);
    expect(images.docker.mediaType).toBe(MANIFEST_TYPES.docker);
    expect(images.dockerList.platforms).toEqual(['linux/amd64', 'linux/arm64/v8']);
  });
});

describe('containerd', () => {
  test('pulls from the TLS registry with a hosts.toml that names the CA; fails with x509 without it', async () => {
    const user = `${tlsReg.username}:${tlsReg.password}`;
    const withCa = join(hostsRoot, 'with-ca');
    await writeHostsToml(withCa, tlsReg.host, { scheme: 'https', caPath: tlsReg.ca!.certPath });
    const good = await ctrd.pull(seeded.ociIndex.ref, { hostsDir: withCa, user, platform: 'linux/arm64/v8' });
    expect(good).toEqual({ ok: true, output: expect.stringContaining('done') });

    const noCa = join(hostsRoot, 'no-ca');
    await writeHostsToml(noCa, tlsReg.host, { scheme: 'https' });
    const bad = await ctrd.pull(seeded.docker.ref, { hostsDir: noCa, user });
    expect(bad.ok).toBe(false);
    expect(bad.output).toMatch(/x509: certificate signed by unknown authority/);
  });

  test('pulls from the token-auth registry with --user (ctr gets its token from the issuer)', async () => {
    const dir = join(hostsRoot, 'token');
    await writeHostsToml(dir, tokenReg.host, { scheme: 'https', caPath: tokenReg.ca!.certPath });
    const user = `${tokenReg.username}:${tokenReg.password}`;
    const before = tokenReg.tokenIssuer!.requests();
    const res = await ctrd.pull(tokenSeeded.oci.ref, { hostsDir: dir, user });
    expect(res).toEqual({ ok: true, output: expect.stringContaining('done') });
    expect(tokenReg.tokenIssuer!.requests()).toBeGreaterThan(before);
  });

  test('pulls from the plain HTTP registry with an http host table', async () => {
    const dir = join(hostsRoot, 'http');
    await writeHostsToml(dir, httpReg.host, { scheme: 'http' });
    const res = await ctrd.pull(`${httpReg.host}/demo:1`, { hostsDir: dir });
    expect(res.ok).toBe(true);
  });
});

describe('stop()', () => {
  test('deleteBlob breaks a pushed image; stop() kills and reaps the registry, closes its port, removes its dirs', async () => {
    const reg = await startRegistry({ tls: true, auth: 'token' });
    const images = await seedImages(reg);
    const blob = images.oci.blobs[1]!;
    expect(
      (await registryRequest(reg, `/v2/demo/blobs/${blob}`, { method: 'HEAD', scopes: ['repository:demo:pull'] }))
        .status,
    ).toBe(200);
    await deleteBlob(reg, blob);
    expect(
      (await registryRequest(reg, `/v2/demo/blobs/${blob}`, { method: 'HEAD', scopes: ['repository:demo:pull'] }))
        .status,
    ).toBe(404);

    const issuerPort = Number(new URL(reg.tokenIssuer!.url).port);
    const dirs = [reg.dataDir, reg.ca!.dir];
    expect(await isListening(reg.port)).toBe(true);
    await reg.stop();
    expect(await isListening(reg.port)).toBe(false);
    expect(await isListening(issuerPort)).toBe(false);
    expect(() => process.kill(reg.pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
    expect(dirs.filter((d) => existsSync(d))).toEqual([]);
  });

  test('kills and reaps containerd and removes its socket dir', async () => {
    const other = await startContainerd();
    await other.stop();
    expect(() => process.kill(other.pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
    expect(existsSync(other.socket)).toBe(false);
  });
});
