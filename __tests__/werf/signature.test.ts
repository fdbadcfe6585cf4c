// The PGP check of a download against werf-signing-key, with throwaway keys made here by OpenPGP.js: a good
// signature, a changed file, and keys whose state makes their signatures untrusted (revoked, a revoked signing
// subkey, expired before the signature was made), each reported by the key's state, not as "the file was altered".
import { describe, expect, test } from '@jest/globals';
import * as openpgp from 'openpgp';
import { ActionError } from '../../src/errors.js';
import { verifyDetachedSignature } from '../../src/werf/signature.js';

const data = new TextEncoder().encode('#!/bin/sh\necho werf\n');
const DAY = 86_400_000;
const day = (d: Date) => d.toISOString().slice(0, 10);

async function sign(key: openpgp.PrivateKey, bytes = data, date?: Date): Promise<Uint8Array> {
  const message = await openpgp.createMessage({ binary: bytes });
  return openpgp.sign({ message, signingKeys: key, detached: true, format: 'binary', ...(date ? { date } : {}) });
}

async function failure(signature: Uint8Array, armoredKey: string, bytes = data): Promise<ActionError> {
  try {
    await verifyDetachedSignature(bytes, signature, armoredKey, 'werf 2.75.3 (linux-amd64)');
  } catch (err) {
    if (err instanceof ActionError) return err;
    throw err;
  }
  throw new Error('the signature was accepted');
}

describe('verifyDetachedSignature', () => {
  test('a good signature names the key; a changed file is "altered or damaged"', async () => {
    const { privateKey, publicKey } = await openpgp.generateKey({ userIDs: [{ name: 'werf' }], format: 'object' });
    const signature = await sign(privateKey);
    const verified = await verifyDetachedSignature(data, signature, publicKey.armor(), 'werf');
    expect(verified.keyId).toBe(privateKey.getKeyID().toHex().toUpperCase());
    const err = await failure(signature, publicKey.armor(), new TextEncoder().encode('#!/bin/sh\nrm -rf /\n'));
    expect(err.message).toBe(
      'The signature of werf 2.75.3 (linux-amd64) does not match the download: the file was altered or damaged; nothing was installed.',
    );
  });

  test('a revoked key is named revoked, with the date and the reason its holder gave', async () => {
    const { privateKey } = await openpgp.generateKey({ userIDs: [{ name: 'werf' }], format: 'object' });
    const signature = await sign(privateKey);
    const { publicKey: revoked } = await openpgp.revokeKey({
      key: privateKey,
      format: 'object',
      reasonForRevocation: { flag: openpgp.enums.reasonForRevocation.keyCompromised, string: 'leaked\n::error::x' },
    });
    const id = privateKey.getKeyID().toHex().toUpperCase();
    const err = await failure(signature, revoked.armor());
    expect(err.message).toBe(
      `The signature of werf 2.75.3 (linux-amd64) was made by key ${id}, which werf-signing-key says was revoked on ${day(new Date())} (key compromised: "leaked\\n::error::x"): its signatures are not trusted, and nothing was installed. Check werf-signing-key against werf's current release key.`,
    );
    expect(err.message).not.toMatch(/altered/);
  });

  test('a revoked signing subkey is named as such', async () => {
    const { privateKey } = await openpgp.generateKey({
      userIDs: [{ name: 'werf' }],
      format: 'object',
      subkeys: [{ sign: true }],
    });
    const signature = await sign(privateKey);
    const subkeyId = privateKey.subkeys[0]!.getKeyID().toHex().toUpperCase();
    expect(
      (await openpgp.readSignature({ binarySignature: signature })).getSigningKeyIDs()[0]?.toHex().toUpperCase(),
    ).toBe(subkeyId);
    privateKey.subkeys[0] = await privateKey.subkeys[0]!.revoke(privateKey.keyPacket as openpgp.SecretKeyPacket, {
      flag: openpgp.enums.reasonForRevocation.keyRetired,
    });
    const err = await failure(signature, privateKey.toPublic().armor());
    expect(err.message).toMatch(
      new RegExp(
        `^The signature of .* was made by key ${subkeyId}, which werf-signing-key says has revoked that signing subkey on \\d{4}-\\d\\d-\\d\\d \\(key retired\\): `,
      ),
    );
  });

  test('a key that had expired when the signature was made is named expired, with the date', async () => {
    // Made ten days ago without an end; a new self-signature then gives it one day of life: it expired nine days ago.
    const made = new Date(Date.now() - 10 * DAY);
    const { privateKey } = await openpgp.generateKey({ userIDs: [{ name: 'werf' }], format: 'object', date: made });
    const signature = await sign(privateKey);
    const { publicKey: expired } = await openpgp.reformatKey({
      privateKey,
      userIDs: [{ name: 'werf' }],
      keyExpirationTime: DAY / 1000,
      date: new Date(made.getTime() + 1000),
      format: 'object',
    });
    const err = await failure(signature, expired.armor());
    expect(err.message).toMatch(
      new RegExp(
        `which werf-signing-key says had expired on ${day(new Date(made.getTime() + DAY))}, before the signature was made: `,
      ),
    );
  });

  test('a signature made while the key was valid stays good after the key expired (as in gpg)', async () => {
    const made = new Date(Date.now() - 10 * DAY);
    const { privateKey, publicKey } = await openpgp.generateKey({
      userIDs: [{ name: 'werf' }],
      format: 'object',
      date: made,
      keyExpirationTime: DAY / 1000,
    });
    const signature = await sign(privateKey, data, new Date(made.getTime() + 1000));
    await expect(verifyDetachedSignature(data, signature, publicKey.armor(), 'werf')).resolves.toEqual({
      keyId: privateKey.getKeyID().toHex().toUpperCase(),
    });
  });
});
