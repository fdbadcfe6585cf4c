// What verification found, in the user's words: pure, so that the job summary can say it without loading the
// registry client.

/** One entry of the `images` output. */
export interface ImageOutput {
  image: string;
  digest: string;
  /** `<repo>@<digest>`; '' when werf reported no digest (nothing to pin it by) */
  ref: string;
  platforms: string[];
}

/**
 * What verification found out about one image: `verified`; `not-in-registry`, proved by the registry (a 404 such as
 * MANIFEST_UNKNOWN or BLOB_UNKNOWN, or a digest that differs from what werf reported); or `unchecked`, when faults
 * (a busy registry, no answer, a broken connection, …) hid the answer, with those faults in a few words as `reason`.
 */
export interface ImageCheck {
  verdict: 'verified' | 'not-in-registry' | 'unchecked';
  reason?: string;
  /** `<name> (<repo>:<tag>, <digest>)`, and what was found, for every verdict but `verified` */
  label?: string;
  detail?: string;
}

/** An image's verdict in a few words: `verified`, `not in the registry as werf reported`, `could not be checked (registry busy)`. */
export function headline(check: ImageCheck): string {
  if (check.verdict === 'verified') return 'verified';
  if (check.verdict === 'not-in-registry') return 'not in the registry as werf reported';
  return `could not be checked (${check.reason})`;
}

/**
 * The one failure line of a verification that did not verify (undefined when every image verified). It says which
 * kind of failure it is: images proved missing ("not in the registry as werf reported"), images the registry could not
 * be asked about ("could not be checked (registry busy)"), or both; then the first image's findings.
 */
export function verificationFailure(checks: Record<string, ImageCheck>): string | undefined {
  const all = Object.values(checks);
  const missing = all.filter((c) => c.verdict === 'not-in-registry');
  const unchecked = all.filter((c) => c.verdict === 'unchecked');
  if (missing.length === 0 && unchecked.length === 0) return undefined;
  const reasons = [...new Set(unchecked.map((c) => c.reason))].join(', ');
  const byLabel = (a: ImageCheck, b: ImageCheck) => (a.label ?? '').localeCompare(b.label ?? '');
  const first = [...missing].sort(byLabel)[0] ?? [...unchecked].sort(byLabel)[0];
  const count = (n: number) => `${n} of ${all.length} image${all.length === 1 ? '' : 's'}`;
  let summary: string;
  if (missing.length === 0) {
    summary =
      `${count(unchecked.length)} could not be checked in the registry (${reasons}), so the push is not verified ` +
      '(nothing proves an image missing); run the job again when the registry answers';
  } else {
    summary = `${count(missing.length)} ${missing.length === 1 ? 'is' : 'are'} not in the registry as werf reported`;
    if (unchecked.length > 0) summary += `, and ${unchecked.length} could not be checked (${reasons})`;
  }
  return `${summary}. ${first?.label}: ${first?.detail}`;
}
