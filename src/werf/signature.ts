import * as openpgp from 'openpgp';
import { ActionError } from '../errors.js';
import { quote } from '../untrusted.js';

/** Who signed: the key ID (16 hex digits, upper case) of the key whose signature checked out. */
export interface VerifiedSignature {
  keyId: string;
}

/**
 * The keys of `werf-signing-key` (an armored OpenPGP public key block). Throws the input's ActionError, which never
 * quotes the value (whatever was passed, it is not for the log), when the text is not an armored key block or holds
 * a private key: the wrong file, not to be used.
 */
export async function readSigningKeys(armoredKeys: string): Promise<openpgp.PublicKey[]> {
  try {
    const keys = await openpgp.readKeys({ armoredKeys });
    if (keys.some((key) => key.isPrivate())) throw new Error('the armored block holds a private key, not a public key');
    return keys as openpgp.PublicKey[];
  } catch (err) {
    throw new ActionError(
      'werf-signing-key is not an armored OpenPGP public key: pass the key text ("-----BEGIN PGP PUBLIC KEY BLOCK-----" ...) or the path of a file with it.',
      { details: (err as Error).message },
    );
  }
}

/**
 * Verifies a detached OpenPGP signature (armored or binary, as `gpg --detach-sign [--armor]` writes them) of `data`
 * against the armored public key(s) in `armoredKeys`. Pure JavaScript (OpenPGP.js), so it needs no gpg on the runner
 * and touches no keyring. Throws an ActionError that names `what` when the key or the signature cannot be read, when
 * the signature was made by another key (`keyName` says which key was expected), or when the data does not match it.
 */
export async function verifyDetachedSignature(
  data: Uint8Array,
  signatureBytes: Uint8Array,
  armoredKeys: string,
  what: string,
  keyName = 'werf-signing-key',
): Promise<VerifiedSignature> {
  const keys = await readSigningKeys(armoredKeys);
  let signature: openpgp.Signature;
  try {
    const text = Buffer.from(signatureBytes.subarray(0, 64)).toString('latin1');
    signature = text.includes('-----BEGIN PGP SIGNATURE-----')
      ? await openpgp.readSignature({ armoredSignature: Buffer.from(signatureBytes).toString('utf8') })
      : await openpgp.readSignature({ binarySignature: signatureBytes });
  } catch (err) {
    throw new ActionError(
      `The signature of ${what} is not an OpenPGP signature: the download is damaged or not a signature.`,
      {
        details: (err as Error).message,
      },
    );
  }
  const signedBy = signature.getSigningKeyIDs().map((id) => id.toHex().toUpperCase());
  const known = new Set(keys.flatMap((key) => key.getKeys().map((k) => k.getKeyID().toHex().toUpperCase())));
  if (!signedBy.some((id) => known.has(id))) {
    throw new ActionError(
      `The signature of ${what} was made by key ${signedBy.join(', ') || '(unknown)'}, not by ${keyName}: check werf-signing-key and werf-base-url.`,
      { details: `${keyName} holds key IDs ${[...known].join(', ')}` },
    );
  }
  const message = await openpgp.createMessage({ binary: data });
  const result = await openpgp.verify({ message, signature, verificationKeys: keys, format: 'binary' });
  const failures: string[] = [];
  for (const entry of result.signatures) {
    try {
      await entry.verified;
      return { keyId: entry.keyID.toHex().toUpperCase() };
    } catch (err) {
      failures.push((err as Error).message);
    }
  }
  // A key that was revoked, or had expired when the signature was made, also fails: say that, not "altered".
  const madeAt = signature.packets[0]?.created ?? undefined;
  for (const id of signedBy) {
    const state = await keyState(keys, id, madeAt ?? new Date());
    if (state) {
      throw new ActionError(
        `The signature of ${what} was made by key ${id}, which ${keyName} says ${state}: its signatures are not trusted, and nothing was installed. Check ${keyName} against werf's current release key.`,
        { details: failures.join('\n') },
      );
    }
  }
  throw new ActionError(
    `The signature of ${what} does not match the download: the file was altered or damaged; nothing was installed.`,
    { details: failures.join('\n') || 'the signature file holds no signature' },
  );
}

/**
 * The state of the key (primary key or subkey) with this key ID that makes its signatures untrusted, in words ("was
 * revoked on 2026-01-02 (key compromised: "leaked")", "had expired on ... when the signature was made"), or
 * undefined when it is neither revoked nor expired. A signature made while the key was valid stays good after the key
 * expires, as in gpg; a revocation counts whenever it was made.
 */
async function keyState(keys: openpgp.PublicKey[], keyId: string, madeAt: Date): Promise<string | undefined> {
  for (const key of keys) {
    const subkey = key.subkeys.find((k) => k.getKeyID().toHex().toUpperCase() === keyId);
    if (!subkey && key.getKeyID().toHex().toUpperCase() !== keyId) continue;
    if (await key.isRevoked(undefined, undefined, new Date()))
      return `was revoked${revocation(key.revocationSignatures)}`;
    const binding = subkey?.bindingSignatures.at(-1);
    if (subkey && binding && (await subkey.isRevoked(binding, key.keyPacket, new Date()))) {
      return `has revoked that signing subkey${revocation(subkey.revocationSignatures)}`;
    }
    const expiry = await expirationOf(key);
    if (expiry && expiry.getTime() < madeAt.getTime())
      return `had expired on ${day(expiry)}, before the signature was made`;
    const subkeyExpiry = subkey ? await subkey.getExpirationTime().catch(() => null) : null;
    if (subkeyExpiry instanceof Date && subkeyExpiry.getTime() < madeAt.getTime()) {
      return `had let that signing subkey expire on ${day(subkeyExpiry)}, before the signature was made`;
    }
  }
  return undefined;
}

// A primary key whose self-signatures no longer verify today (expired) still tells its expiration time.
async function expirationOf(key: openpgp.PublicKey): Promise<Date | undefined> {
  try {
    const time = await key.getExpirationTime();
    return time instanceof Date ? time : undefined;
  } catch {
    return undefined;
  }
}

function revocation(signatures: openpgp.SignaturePacket[]): string {
  const sig = signatures[0];
  if (!sig) return '';
  const when = sig.created ? ` on ${day(sig.created)}` : '';
  const flag = sig.reasonForRevocationFlag;
  const named = flag !== null && flag !== undefined ? REVOCATION_REASONS[flag] : undefined;
  const text = sig.reasonForRevocationString ? quote(sig.reasonForRevocationString) : '';
  const reason = [named, text].filter(Boolean).join(': ');
  return `${when}${reason ? ` (${reason})` : ''}`;
}

// RFC 4880 5.2.3.23, the reasons a key holder gives.
const REVOCATION_REASONS: Record<number, string> = {
  0: 'no reason given',
  1: 'key superseded',
  2: 'key compromised',
  3: 'key retired',
  32: 'user ID no longer valid',
};

function day(date: Date): string {
  return date.toISOString().slice(0, 10);
}
