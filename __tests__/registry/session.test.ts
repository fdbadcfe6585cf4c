// The job's session with a registry (src/registry/session.ts), against real Distribution registries: what the
// registry saw (its access log: requests, their status and protocol, the client's port per connection).
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { makeCa, seedImages, startRegistry, stopAll, type Registry, type SeededImage } from '../support/rig/index.js';
import { RegistryError, checkCredentials, createRegistryClient } from '../../src/registry/index.js';
import { accessTo } from '../support/inputs.js';
import { closeSharedSessions } from '../../src/registry/session.js';

/** What one registry logged, from a point on: requests (`GET /v2/ 200 HTTP/2.0`) and the client ports they came from. */
class RegistryLog {
  private text = '';
  add = (t: string) => (this.text += t);
  mark(): () => { requests: string[]; ports: Set<string> } {
    const from = this.text.length;
    return () => {
      const part = this.text.slice(from);
      const requests = [...part.matchAll(/"([A-Z]+) (\S+) (HTTP\/[\d.]+)" (\d{3})/g)].map(
        (m) => `${m[1]} ${m[2]} ${m[4]} ${m[3]}`,
      );
      const ports = new Set([...part.matchAll(/remoteaddr="[\d.]+:(\d+)"/g)].map((m) => m[1] as string));
      return { requests, ports };
    };
  }
}

let tlsLog: RegistryLog;
let tls: Registry;
let token: Registry;
let seeded: SeededImage;

beforeAll(async () => {
  tlsLog = new RegistryLog();
  const ca = await makeCa({ cn: 'session-ca' });
  [tls, token] = await Promise.all([
    startRegistry({ ca, auth: 'basic', onLog: tlsLog.add }),
    startRegistry({ tls: false, auth: 'token' }),
  ]);
  seeded = (await seedImages(tls)).ociIndex;
  await seedImages(token);
}, 120_000);

afterEach(() => closeSharedSessions());
afterAll(() => stopAll());

const settle = () => new Promise((r) => setTimeout(r, 200)); // the registry writes its log after answering

describe('TLS and basic auth', () => {
  it('the credential check and a later stage share one connection and one GET /v2/, sent with the credentials', async () => {
    const seen = tlsLog.mark();
    await checkCredentials(accessTo(tls), { shared: true });
    const verify = createRegistryClient(accessTo(tls), { shared: true });
    const blobs = Array.from({ length: 150 }, (_, i) => seeded.blobs[i % seeded.blobs.length] as string);
    await Promise.all([
      verify.getManifest('demo', seeded.ref.split(':').pop()!),
      ...blobs.map((b) => verify.headBlob('demo', b)),
    ]);
    await verify.close();
    await settle();
    const { requests, ports } = seen();
    // One GET /v2/, answered 200 at once: Basic credentials went with it (no challenge round trip, no second ping).
    expect(requests.filter((r) => r.startsWith('GET /v2/ '))).toEqual(['GET /v2/ 200 HTTP/2.0']);
    expect(requests).toHaveLength(1 + 1 + 150);
    // All of it multiplexed on one HTTP/2 connection, the 150 HEADs at once included.
    expect(requests.every((r) => r.endsWith('HTTP/2.0'))).toBe(true);
    expect(ports.size).toBe(1);
  });

  it('a cold session: the verification pings once, then its burst multiplexes on the connection the ping opened', async () => {
    const seen = tlsLog.mark();
    const verify = createRegistryClient(accessTo(tls), { shared: true });
    await Promise.all(seeded.blobs.concat(seeded.blobs, seeded.blobs).map((b) => verify.headBlob('demo', b)));
    await verify.close();
    await settle();
    const { requests, ports } = seen();
    expect(requests.filter((r) => r.startsWith('GET /v2/ '))).toEqual(['GET /v2/ 401 HTTP/2.0']);
    expect(ports.size).toBe(1);
  });

  it('a wrong password is refused on the first request: one GET /v2/, the password in no message', async () => {
    const seen = tlsLog.mark();
    const err = (await checkCredentials(accessTo(tls, { password: 'wrong' }), { shared: true }).catch(
      (e: unknown) => e,
    )) as RegistryError;
    expect(err).toBeInstanceOf(RegistryError);
    expect(err.message).toMatch(new RegExp(`^${tls.host} did not accept user ${tls.username}: GET .* answered 401`));
    expect(err.message).not.toContain('wrong');
    await settle();
    expect(seen().requests).toEqual(['GET /v2/ 401 HTTP/2.0']);
  });

  it('skip-tls-verify: no credentials before the registry asks for them (the ping comes first)', async () => {
    const seen = tlsLog.mark();
    await checkCredentials(accessTo(tls, { trust: 'skip-verify' }), { shared: true });
    await settle();
    expect(seen().requests).toEqual(['GET /v2/ 401 HTTP/2.0', 'GET /v2/ 200 HTTP/2.0']);
  });
});

describe('token auth (plain HTTP)', () => {
  it('the scheme and each scope’s token are asked for once in the job, whichever stage asks', async () => {
    const tokensBefore = token.tokenIssuer!.requests();
    await checkCredentials(accessTo(token), { shared: true, scope: 'repository:demo:pull' });
    const first = createRegistryClient(accessTo(token), { shared: true });
    await first.getManifest('demo', '1');
    await first.close();
    const second = createRegistryClient(accessTo(token), { shared: true });
    await second.getManifest('demo', 'multi');
    await second.close();
    // Plain HTTP: no credentials up front, so one ping; then one token for the scope, used by all three.
    expect(first.requestCount() + second.requestCount()).toBe(2);
    expect(token.tokenIssuer!.requests() - tokensBefore).toBe(1);
  });
});
