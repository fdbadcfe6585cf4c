import { claimOwnedFile, type OwnedFileOptions } from '../system/owned-file.js';

/** Where one CA file went, or why it did not and the command that would put it there. */
export type PlaceResult =
  | { placed: true; path: string; sudo: boolean; action: 'created' | 'extended' | 'shared' | 'unchanged' }
  | { placed: false; path: string; reason: string; fix: string };

/**
 * Puts the CA `pem` of registry `host` into the system file `target` (e.g. /etc/docker/certs.d/HOST/ca.crt) as an owned
 * change (src/system/owned-file.ts): under the file's lock, recorded as this job's, appended to what the file holds
 * (the admin's CA and other jobs' CAs stay trusted), with `sudo -n` where this user may not write; a CA another job
 * already placed is shared, not written twice. The post step takes it out once no other running job needs it.
 * A place that cannot be written is not an error: the result carries the reason and the exact command that fixes it.
 */
export async function placeCaFile(
  target: string,
  pem: string,
  host: string,
  o: OwnedFileOptions = {},
): Promise<PlaceResult> {
  try {
    const claimed = await claimOwnedFile(
      { path: target, format: { kind: 'text-blocks' }, item: `${pem.trim()}\n`, label: `the CA for ${host}` },
      o,
    );
    return { placed: true, path: target, sudo: claimed.sudo, action: claimed.outcome };
  } catch (err) {
    // The job's copy of the CA is gone after the job: the fix names the user's own copy of the CA file.
    const fix = `sudo install -D -m 0644 ca.crt ${target} (ca.crt: the CA certificate you give in ca-cert)`;
    return { placed: false, path: target, reason: (err as Error).message, fix };
  }
}
