// A TUF repository made by the tests with @tufjs/models, laid out as werf's trdl publishes tuf.werf.io (see
// docs/werf-contract.md): `{N}.root.json` and `root.json`, `timestamp.json`, `snapshot.json`, `targets.json` at the
// base, targets under `targets/` by their plain paths (trdl keeps consistent_snapshot off), ed25519 keys, one key per
// role, spec_version 1.0, sha512 hashes. It serves itself through a ReleaseServer's `files` map.
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { Key, Metadata, MetaFile, Root, Signature, Snapshot, TargetFile, Targets, Timestamp } from '@tufjs/models';
import { werfReleaseTargets } from '../../../src/werf/install.js';
import type { ReleaseServer } from './index.js';

export type Role = 'root' | 'targets' | 'snapshot' | 'timestamp';
const ROLES: Role[] = ['root', 'targets', 'snapshot', 'timestamp'];

/** An ed25519 key pair in TUF's form (keyid: sha256 of the key's canonical JSON, as go-tuf computes it). */
export interface TufKey {
  key: Key;
  privateKey: KeyObject;
}

/** Makes a fresh ed25519 TUF key. */
export function makeTufKey(): TufKey {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const pub = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('hex');
  const canonical = `{"keyid_hash_algorithms":["sha256","sha512"],"keytype":"ed25519","keyval":{"public":"${pub}"},"scheme":"ed25519"}`;
  const keyID = createHash('sha256').update(canonical).digest('hex');
  const key = new Key({
    keyID,
    keyType: 'ed25519',
    scheme: 'ed25519',
    keyVal: { public: pub },
    unrecognizedFields: { keyid_hash_algorithms: ['sha256', 'sha512'] },
  });
  return { key, privateKey };
}

const day = 24 * 3600 * 1000;
/** go-tuf's time format: seconds, Z. */
const isoDate = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');
const sha512 = (data: Buffer) => createHash('sha512').update(data).digest('hex');

function signWith(metadata: Metadata<Root | Targets | Snapshot | Timestamp>, ...keys: TufKey[]): Buffer {
  for (const k of keys) {
    metadata.sign((data) => new Signature({ keyID: k.key.keyID, sig: sign(null, data, k.privateKey).toString('hex') }));
  }
  return Buffer.from(JSON.stringify(metadata.toJSON()));
}

/** What one publish() may change from an honest repository's behaviour (for attacks and accidents). */
export interface PublishOptions {
  /** the snapshot version to sign (default: one more than the last) */
  snapshotVersion?: number;
  /** expiry per role (default: a year for root/targets, a week for snapshot, a day for timestamp, from now) */
  expires?: Partial<Record<Exclude<Role, 'root'>, Date>>;
}

/** The repository: its keys, roots, targets and versions; publish() signs a new state and serves it. */
export class TestTufRepository {
  readonly keys: Record<Role, TufKey>;
  /** every root version that was made, as served */
  readonly roots = new Map<number, Buffer>();
  readonly targets = new Map<string, Buffer>();
  /** every timestamp.json that was served, oldest first (to replay an old one) */
  readonly timestamps: Buffer[] = [];
  rootVersion: number;
  private versions = { targets: 0, snapshot: 0, timestamp: 0 };

  /**
   * A repository served by `server` under `prefix` (e.g. '' or '/mirror/werf'), whose first root is `firstRoot`
   * (werf's pin is root 12, so the tests start there too).
   */
  constructor(
    private readonly server: ReleaseServer,
    readonly prefix = '',
    firstRoot = 12,
  ) {
    this.keys = { root: makeTufKey(), targets: makeTufKey(), snapshot: makeTufKey(), timestamp: makeTufKey() };
    this.rootVersion = firstRoot;
    this.makeRoot(firstRoot, [this.keys.root]);
  }

  /** The repository's base URL (werf-base-url). */
  get url(): string {
    return `${this.server.url}${this.prefix}`;
  }

  /** `VERSION SHA512` of a root version, as werf-tuf-root takes it (default: the first root). */
  pin(version = Math.min(...this.roots.keys())): { version: number; sha512: string } {
    const root = this.roots.get(version);
    if (!root) throw new Error(`no root version ${version}`);
    return { version, sha512: sha512(root) };
  }

  /**
   * Makes the next root version with `keys` replaced (e.g. a new root key, a new timestamp key), signed by the keys
   * given in `signers` (default: the previous root key and the new one, as TUF requires). Served at the next publish.
   */
  rotateRoot(keys: Partial<Record<Role, TufKey>> = {}, signers?: (old: TufKey, now: TufKey) => TufKey[]): number {
    const old = this.keys.root;
    Object.assign(this.keys, keys);
    this.rootVersion += 1;
    this.makeRoot(this.rootVersion, signers ? signers(old, this.keys.root) : [old, this.keys.root]);
    return this.rootVersion;
  }

  /** Signs targets, snapshot and timestamp for the current targets and serves the whole repository. */
  publish(opts: PublishOptions = {}): void {
    const now = Date.now();
    const expires = (role: Exclude<Role, 'root'>, fallback: number) =>
      isoDate(opts.expires?.[role] ?? new Date(now + fallback));
    this.versions.targets += 1;
    this.versions.snapshot = opts.snapshotVersion ?? this.versions.snapshot + 1;
    this.versions.timestamp += 1;
    const targets = new Targets({
      version: this.versions.targets,
      specVersion: '1.0',
      expires: expires('targets', 365 * day),
    });
    for (const [path, content] of this.targets) {
      targets.addTarget(new TargetFile({ path, length: content.length, hashes: { sha512: sha512(content) } }));
    }
    const targetsJson = signWith(new Metadata(targets), this.keys.targets);
    const snapshot = new Snapshot({
      version: this.versions.snapshot,
      specVersion: '1.0',
      expires: expires('snapshot', 7 * day),
      meta: {
        'targets.json': new MetaFile({
          version: this.versions.targets,
          length: targetsJson.length,
          hashes: { sha512: sha512(targetsJson) },
        }),
      },
    });
    const snapshotJson = signWith(new Metadata(snapshot), this.keys.snapshot);
    const timestamp = new Timestamp({
      version: this.versions.timestamp,
      specVersion: '1.0',
      expires: expires('timestamp', day),
      snapshotMeta: new MetaFile({
        version: this.versions.snapshot,
        length: snapshotJson.length,
        hashes: { sha512: sha512(snapshotJson) },
      }),
    });
    const timestampJson = signWith(new Metadata(timestamp), this.keys.timestamp);
    this.timestamps.push(timestampJson);

    const files = this.server.files;
    for (const key of [...files.keys()]) if (key.startsWith(`${this.prefix}/`)) files.delete(key);
    for (const [version, root] of this.roots) files.set(`${this.prefix}/${version}.root.json`, root);
    files.set(`${this.prefix}/root.json`, this.roots.get(this.rootVersion) as Buffer);
    files.set(`${this.prefix}/targets.json`, targetsJson);
    files.set(`${this.prefix}/snapshot.json`, snapshotJson);
    files.set(`${this.prefix}/timestamp.json`, timestampJson);
    for (const [path, content] of this.targets) files.set(`${this.prefix}/targets/${path}`, content);
  }

  private makeRoot(version: number, signers: TufKey[]): void {
    const root = new Root({
      version,
      specVersion: '1.0',
      expires: isoDate(new Date(Date.now() + 365 * day)),
      consistentSnapshot: false,
    });
    for (const role of ROLES) root.addKey(this.keys[role].key, role);
    this.roots.set(version, signWith(new Metadata(root), ...signers));
  }
}

/**
 * A fresh repository on `server` (its files, redirects and counts forgotten) as tuf.werf.io would serve one release:
 * the `2 stable` channel naming `version`, and that release's `binary` and PGP `signature` for `platform`.
 */
export function werfChannelRepository(
  server: ReleaseServer,
  o: { version: string; platform: string; binary: Buffer; signature: Buffer },
): TestTufRepository {
  server.reset();
  const repo = new TestTufRepository(server);
  const { binary, signature } = werfReleaseTargets(o.version, o.platform);
  repo.targets.set('channels/2/stable', Buffer.from(`${o.version}\n`));
  repo.targets.set(binary, o.binary);
  repo.targets.set(signature, o.signature);
  repo.publish();
  return repo;
}
