import * as openpgp from 'openpgp';
import { ActionError } from '../errors.js';

/** Who signed: the key ID (16 hex digits, upper case) of the key whose signature checked out. */
export interface VerifiedSignature {
  keyId: string;
}

/**
 * The fingerprints (40 hex digits, upper case) of the keys in an armored OpenPGP public key block. Throws (a plain
 * Error, for the caller to put in context) when the text is not an armored key block or holds a private key.
 */
export async function publicKeyFingerprints(armoredKeys: string): Promise<string[]> {
  const keys = await openpgp.readKeys({ armoredKeys });
  // A secret key served as "the release key" means the wrong file: say so rather than use it.
  if (keys.some((key) => key.isPrivate())) throw new Error('the armored block holds a private key, not a public key');
  return keys.map((key) => key.getFingerprint().toUpperCase());
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
  let keys: openpgp.PublicKey[];
  try {
    keys = (await openpgp.readKeys({ armoredKeys })).map((key) => key.toPublic());
  } catch (err) {
    throw new ActionError(
      'werf-signing-key is not an armored OpenPGP public key: pass the key text ("-----BEGIN PGP PUBLIC KEY BLOCK-----" ...) or the path of a file with it.',
      { details: (err as Error).message },
    );
  }
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
  throw new ActionError(
    `The signature of ${what} does not match the download: the file was altered or damaged; nothing was installed.`,
    { details: failures.join('\n') || 'the signature file holds no signature' },
  );
}
