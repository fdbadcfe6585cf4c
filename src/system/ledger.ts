// Who placed what in a shared system file, and what adding or taking out one job's item means for the file. Pure: the
// effects (lock, reads, writes) are in owned-file.ts.
import { createHash } from 'node:crypto';
import { sharedContent, type ContentFormat } from './formats.js';
import type { ProcessStamp } from './owner.js';

/** One job that needs an item, as the ownership record keeps it. */
export interface Holder {
  job: string;
  description: string;
  worker?: ProcessStamp;
  since: string;
}

/** An item in the file (a CA; a list entry), the jobs that need it, and whether a job put it there. */
export interface LedgerItem {
  /** in the user's words: "the CA for registry.example.com:5000" */
  label: string;
  text: string;
  sha256: string;
  /** false when the item was in the file before any job: it is never taken out */
  placed: boolean;
  holders: Holder[];
}

/**
 * The ownership record of one system file, kept beside it (`<file>.werf-ship.json`) where every job on the machine
 * finds it. It holds no secret: CAs and registry names only.
 */
export interface Ledger {
  version: 1;
  format: ContentFormat;
  /** the file before the first job: absent, or present (and kept in `backup` once a job changed it) */
  before: { existed: false } | { existed: true; backup?: string };
  items: LedgerItem[];
}

/** The sha256 of a text, hex. */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Reads an ownership record; undefined when there is none. Throws when it is not one: such a file is never guessed at. */
export function parseLedger(text: string | undefined): Ledger | undefined {
  if (text === undefined) return undefined;
  let parsed: Partial<Ledger>;
  try {
    parsed = JSON.parse(text) as Partial<Ledger>;
  } catch (err) {
    throw new Error(`it is not JSON (${(err as Error).message})`);
  }
  if (parsed.version !== 1 || !parsed.format || !parsed.before || !Array.isArray(parsed.items))
    throw new Error('it is not an ownership record of version 1');
  return parsed as Ledger;
}

/** What adding an item means: the record to save, then the backup to make, then the content to write. */
export interface ClaimPlan {
  ledger: Ledger;
  /** copy the file there before the first change a job makes to it */
  backup?: string;
  write?: string;
  /** created: a new file; extended: the item added; shared: another job placed it; unchanged: it was there before */
  outcome: 'created' | 'extended' | 'shared' | 'unchanged';
}

/**
 * Adds `holder`'s claim on `item` to the record of a file whose content is `current` (undefined: no file). The file is
 * written only when the item is not in it; an item already there is shared (another job placed it, and it stays until
 * the last job that needs it is done) or the machine's own (never taken out). A file that existed gets a backup
 * (`backup`) before the first change any job makes to it. Throws (nothing is changed) when `current` cannot be read as
 * `format` or the record keeps the file as another format.
 */
export function planClaim(i: {
  ledger?: Ledger;
  current?: string;
  format: ContentFormat;
  item: string;
  label: string;
  holder: Holder;
  backup: string;
}): ClaimPlan {
  if (i.ledger && JSON.stringify(i.ledger.format) !== JSON.stringify(i.format))
    throw new Error(
      `its ownership record keeps it as ${JSON.stringify(i.ledger.format)}, not ${JSON.stringify(i.format)}`,
    );
  const content = sharedContent(i.format);
  const ledger: Ledger = i.ledger
    ? structuredClone(i.ledger)
    : { version: 1, format: i.format, before: { existed: i.current !== undefined }, items: [] };
  const hash = sha256(i.item);
  // Whether the file holds the item apart from what other jobs placed (one job's CA can be part of another's bundle,
  // which goes when that job is done): then it is this item's own copy, or the machine's.
  const others = ledger.items.filter((it) => it.placed && it.sha256 !== hash).map((it) => it.text);
  let apart = i.current;
  for (const [k, other] of others.entries())
    if (apart !== undefined) apart = content.remove(apart, other, others.slice(k + 1)) ?? apart;
  const present = apart !== undefined && content.holds(apart, i.item);
  const write = present ? undefined : content.add(i.current, i.item); // throws on a file that is not the format
  let entry = ledger.items.find((it) => it.sha256 === hash);
  if (!entry) {
    entry = { label: i.label, text: i.item, sha256: hash, placed: !present, holders: [] };
    ledger.items.push(entry);
  } else if (!present) {
    entry.placed = true; // someone took it out; a job puts it back, so a job takes it out again
  }
  if (!entry.holders.some((h) => h.job === i.holder.job)) entry.holders.push(i.holder);
  if (write === undefined) return { ledger, backup: undefined, write, outcome: entry.placed ? 'shared' : 'unchanged' };

  let backup: string | undefined;
  if (i.current !== undefined && ledger.before.existed && !ledger.before.backup) {
    ledger.before = { existed: true, backup: i.backup };
    backup = i.backup;
  }
  return { ledger, backup, write, outcome: i.current === undefined ? 'created' : 'extended' };
}

/** What taking out one job's items means (see planRelease). */
export interface ReleasePlan {
  /** false: nothing to do, the record stays as it is */
  changed: boolean;
  /** the record to save; undefined: no job holds anything any more, the record goes */
  ledger?: Ledger;
  /** the content without the items no running job needs any more */
  write?: string;
  /**
   * after `write`, once no job holds anything: put the original back from its backup, remove the file jobs made, or
   * keep the backup of a file left as it is under a name of its own (so a later job's backup never replaces it)
   */
  then?:
    { kind: 'restore'; backup: string } | { kind: 'remove' } | { kind: 'keep-backup'; backup: string; keepAs: string };
  /** items taken out of the file */
  released: LedgerItem[];
  /** jobs whose claims were dropped because they ended without their post step */
  stopped: Holder[];
  notes: string[];
  /** why something was left as it is (each names the file) */
  warnings: string[];
}

/**
 * Drops the claims of `job` (undefined: none, only those of jobs that ended: `isRunning`) from the record of `file`,
 * whose content is `current` (undefined: no file) and whose backup holds `original` (kept as `keepBackupAs` when the
 * file is left as it is). An item leaves the file only when
 * no running job still needs it and a job put it there, and only where the file still holds it. When no job holds
 * anything any more: a file that existed comes back from its backup only when, without the jobs' items, it is what it
 * was (otherwise someone else changed it: it is left, with a warning that says so); a file the jobs made goes when
 * nothing else is in it.
 */
export function planRelease(i: {
  file: string;
  ledger: Ledger;
  current?: string;
  original?: string;
  job?: string;
  isRunning: (holder: Holder) => boolean;
  keepBackupAs: string;
}): ReleasePlan {
  const content = sharedContent(i.ledger.format);
  const stopped: Holder[] = [];
  const kept: LedgerItem[] = [];
  const released: LedgerItem[] = [];
  const notes: string[] = [];
  const warnings: string[] = [];
  let changed = false;
  for (const item of i.ledger.items) {
    const holders = item.holders.filter((h) => {
      if (h.job === i.job) return false;
      if (i.isRunning(h)) return true;
      if (!stopped.some((s) => s.job === h.job)) stopped.push(h);
      return false;
    });
    if (holders.length !== item.holders.length) changed = true;
    if (holders.length > 0) {
      kept.push({ ...item, holders });
      if (holders.length !== item.holders.length && item.placed)
        notes.push(`${i.file}: ${item.label} stays, still used by ${holders.map((h) => h.description).join('; ')}.`);
    } else released.push(item);
  }
  if (stopped.length > 0)
    notes.push(
      `${i.file}: dropped the claims of jobs that ended without their post step: ${stopped.map((h) => h.description).join('; ')}.`,
    );
  if (!changed)
    return { changed, ledger: i.ledger, write: undefined, then: undefined, released: [], stopped, notes, warnings };

  let next = i.current;
  const leaving = released.filter((it) => it.placed);
  const staying = kept.filter((it) => it.placed).map((it) => it.text);
  for (const [k, item] of leaving.entries()) {
    const keep = [...staying, ...leaving.slice(k + 1).map((it) => it.text)];
    const without = next === undefined ? undefined : content.remove(next, item.text, keep);
    if (without !== undefined) next = without;
    else notes.push(`${i.file}: ${item.label} was no longer in it.`);
  }
  const write = next !== undefined && next !== i.current ? next : undefined;
  // Every key present (undefined when there is nothing to do), so a plan reads the same whatever it decided.
  const plan: ReleasePlan = { changed, ledger: undefined, write, then: undefined, released, stopped, notes, warnings };
  if (kept.length > 0) return { ...plan, ledger: { ...i.ledger, items: kept } };

  const labels = released.filter((it) => it.placed).map((it) => it.label);
  const rest =
    labels.length === 0
      ? 'The rest is left as it is'
      : `${capital(labels.join(', '))} ${labels.length > 1 ? 'were' : 'was'} taken out; the rest is left as it is`;
  const before = i.ledger.before;
  if (before.existed && before.backup) {
    const backup = before.backup;
    const keep = { kind: 'keep-backup', backup, keepAs: i.keepBackupAs } as const;
    if (i.original === undefined)
      warnings.push(`${i.file} could not be put back: its backup ${backup} is gone. ${rest}.`);
    else if (next === undefined) {
      warnings.push(
        `${i.file} was not put back from its backup: someone else removed the file after a job had changed it. The original is kept in ${keep.keepAs}.`,
      );
      return { ...plan, then: keep };
    } else if (content.isOriginal(next, i.original)) return { ...plan, then: { kind: 'restore', backup } };
    else {
      warnings.push(
        `${i.file} was not put back from its backup: someone else changed it after a job had (it holds more than the original and the jobs' items). ${rest}; the original is kept in ${keep.keepAs}.`,
      );
      return { ...plan, then: keep };
    }
  } else if (!before.existed && next !== undefined) {
    if (content.isEmpty(next)) return { ...plan, then: { kind: 'remove' } };
    warnings.push(
      `${i.file} was left in place: a job made it, but it now holds what no job placed (someone else added it). ${rest}.`,
    );
  }
  return plan;
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
