import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request, type Dispatcher } from 'undici';
import { makeCa, issueServerCert, type TestCa } from './pki.js';
import { freePort } from './ports.js';
import { runToolOk, startServer, type ServerProcess } from './processes.js';
import { own } from './lifecycle.js';
import type { TestHost } from './test-host.js';
import { startTokenIssuer, type TokenIssuer } from './token-issuer.js';
import { makeTempDir, removeTempDir } from './tmp.js';

/** A running CNCF Distribution registry on 127.0.0.1 (or on a test host) owned by one test file. */
export interface Registry {
  host: string;
  url: string;
  port: number;
  tls: boolean;
  auth: 'basic' | 'token' | 'none';
  username: string;
  password: string;
  /** a second, read-only account (`puller: true`): pull only with token auth (htpasswd has no permissions) */
  puller?: { username: string; password: string };
  ca?: TestCa;
  dataDir: string;
  tokenIssuer?: TokenIssuer;
  /** An undici dispatcher that trusts `ca` (plain for HTTP), closed by stop(). */
  dispatcher: Dispatcher;
  /** The registry's log so far (for failure messages). */
  logs(): string;
  pid: number;
  stop(): Promise<void>;
}

/** Options for startRegistry; defaults: TLS on, basic auth with TLS and none without, a fresh CA, on 127.0.0.1. */
export interface RegistryOptions {
  tls?: boolean;
  auth?: 'basic' | 'token' | 'none';
  ca?: TestCa;
  /** a second account for pulls, as a robot account in a pull secret is (basic and token auth) */
  puller?: boolean;
  /** sees the registry's log as it arrives (its access log has one line per request) */
  onLog?: (text: string) => void;
  /** listen on this test host's address (a network namespace; certificate for that IP) instead of 127.0.0.1 */
  on?: TestHost;
}

function configYaml(o: {
  address: string;
  port: number;
  dataDir: string;
  secret: string;
  tls?: { cert: string; key: string };
  auth: string;
}) {
  // No blobdescriptor cache: tests delete blobs from storage and the registry must notice at once.
  const lines = [
    'version: 0.1',
    'log: {level: info}',
    'storage:',
    `  filesystem: {rootdirectory: ${JSON.stringify(o.dataDir)}}`,
    '  delete: {enabled: true}',
    'http:',
    `  addr: ${o.address}:${o.port}`,
    `  secret: ${o.secret}`,
  ];
  if (o.tls) lines.push(`  tls: {certificate: ${JSON.stringify(o.tls.cert)}, key: ${JSON.stringify(o.tls.key)}}`);
  return [...lines, o.auth, ''].join('\n');
}

/**
 * Waits until GET /v2/ answers (200 or 401), or fails with the registry's log when it exits or takes > 10 s. A TLS
 * error also counts as up: a registry deliberately signed by a bad CA (expired, not a CA) is up but not trusted.
 */
async function waitReady(url: string, dispatcher: Dispatcher, server: ServerProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (server.exited()) throw new Error(`registry exited while starting:\n${server.log()}`);
    try {
      const res = await request(`${url}/v2/`, { dispatcher });
      await res.body.dump();
      if (res.statusCode === 200 || res.statusCode === 401) return;
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      if (!['ECONNREFUSED', 'ECONNRESET', 'UND_ERR_SOCKET'].includes(code)) return; // a TLS verdict: it is serving
    }
    await sleep(25);
  }
  throw new Error(`registry at ${url} not ready after 10 s:\n${server.log()}`);
}

/**
 * Starts `docker-registry serve CONFIG.yml` on a free loopback port (or, with `on`, inside a test host's namespace at
 * its address) in its own temp dir: TLS with a server cert from `ca` (a fresh CA when none is given) or plain HTTP;
 * htpasswd basic auth (bcrypt), token auth with an in-process issuer, or none. Resolves once /v2/ answers. stop()
 * kills and reaps it and removes its temp dirs.
 */
export async function startRegistry(opts: RegistryOptions = {}): Promise<Registry> {
  const tls = opts.tls ?? true;
  const authKind = opts.auth ?? (tls ? 'basic' : 'none');
  const dir = await makeTempDir('registry');
  const cleanups: Array<() => Promise<void>> = [() => removeTempDir(dir)];
  const cleanup = async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  };
  try {
    const dataDir = join(dir, 'data');
    await mkdir(dataDir);
    const username = authKind === 'none' ? '' : 'rig-user';
    const password = authKind === 'none' ? '' : randomBytes(12).toString('hex');
    const puller =
      opts.puller && authKind !== 'none'
        ? { username: 'rig-puller', password: randomBytes(12).toString('hex') }
        : undefined;

    let ca: TestCa | undefined;
    let tlsFiles: { cert: string; key: string } | undefined;
    if (tls) {
      ca = opts.ca ?? (await makeCa({ cn: 'rig-registry-ca' }));
      if (!opts.ca) cleanups.push(() => ca!.remove());
      const cert = await issueServerCert(ca, dir, {}, opts.on ? [`IP:${opts.on.address}`] : undefined);
      tlsFiles = { cert: cert.certPath, key: cert.keyPath };
    }

    let auth = '';
    let tokenIssuer: TokenIssuer | undefined;
    if (authKind === 'basic') {
      const htpasswd = join(dir, 'htpasswd');
      // -i reads the password from stdin, so it is not in any argv; -B: bcrypt, the only hash Distribution takes.
      let lines = await runToolOk('htpasswd', ['-niB', username], { input: password });
      if (puller) lines += await runToolOk('htpasswd', ['-niB', puller.username], { input: puller.password });
      await writeFile(htpasswd, lines);
      auth = `auth:\n  htpasswd: {realm: rig-basic-realm, path: ${JSON.stringify(htpasswd)}}`;
    } else if (authKind === 'token') {
      tokenIssuer = await startTokenIssuer({ dir, username, password, puller });
      cleanups.push(tokenIssuer.stop);
      const t = tokenIssuer;
      const q = JSON.stringify;
      auth = `auth:\n  token: {realm: ${q(t.url)}, service: ${q(t.service)}, issuer: ${q(t.issuer)}, rootcertbundle: ${q(t.certPath)}}`;
    }

    const dispatcher = new Agent(ca ? { connect: { ca: ca.certPem } } : {});
    cleanups.push(() => dispatcher.close());
    const scheme = tls ? 'https' : 'http';

    // A free port can be taken between probing and binding: try a few. A test host's ports are its own.
    const address = opts.on?.address ?? '127.0.0.1';
    for (let attempt = 1; ; attempt++) {
      const port = opts.on ? opts.on.nextPort() : await freePort();
      const config = join(dir, 'config.yml');
      const secret = randomBytes(8).toString('hex');
      await writeFile(config, configYaml({ address, port, dataDir, secret, tls: tlsFiles, auth }));
      const [cmd, args] = opts.on
        ? opts.on.exec('docker-registry', ['serve', config])
        : ['docker-registry', ['serve', config]];
      const server = startServer(cmd, args, { onOutput: opts.onLog });
      const url = `${scheme}://${address}:${port}`;
      try {
        await waitReady(url, dispatcher, server);
      } catch (err) {
        await server.stop();
        if (attempt < 3 && /address already in use/.test(server.log())) continue;
        throw err;
      }
      cleanups.push(server.stop);
      const stop = own(cleanup);
      return {
        host: `${address}:${port}`,
        url,
        port,
        tls,
        auth: authKind,
        username,
        password,
        ...(puller ? { puller } : {}),
        ca,
        dataDir,
        tokenIssuer,
        dispatcher,
        logs: server.log,
        pid: server.pid,
        stop,
      };
    }
  } catch (err) {
    await cleanup();
    throw err;
  }
}
