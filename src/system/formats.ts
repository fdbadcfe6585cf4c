// How a shared system file is made of items that jobs add and take out again. Pure.

/**
 * The kind of a shared file, as its ownership record stores it (so any job can take out an item another job placed).
 * `text-blocks`: a file of whole blocks of lines, e.g. a PEM bundle (certs.d's ca.crt) where each CA is one block.
 * A JSON list that jobs add entries to (daemon.json's `insecure-registries`) is meant to be a second kind here:
 * `{ kind: 'json-list'; key: string }`.
 */
export type ContentFormat = { kind: 'text-blocks' };

/** The operations the ownership rules need from a format; each is pure and never loses bytes it does not own. */
export interface SharedContent {
  /** true when `item` is in `content` */
  holds(content: string, item: string): boolean;
  /**
   * `content` with `item` added (`undefined`: the file does not exist yet). Throws, with the reason, when `content`
   * cannot be read as this format: such a file is never changed.
   */
  add(content: string | undefined, item: string): string;
  /**
   * `content` without one copy of `item` (the last that can go: the others, e.g. the original's, stay), such that every
   * item of `keep` that `content` holds is still held (one job's CA may be part of another job's bundle); undefined when
   * no copy can go so.
   */
  remove(content: string, item: string, keep?: string[]): string | undefined;
  /**
   * true when `content` (with every job's items taken out) is the file as it was before: then the backup, which has the
   * exact bytes, mode and modification time, may be put back. Anything else means someone else changed the file.
   */
  isOriginal(content: string, original: string): boolean;
  /** true when `content` (with every job's items taken out) is nothing: a file the jobs made can then go */
  isEmpty(content: string): boolean;
}

/**
 * Where `block` (without its final newline) starts as whole lines in `content`, the last such place at or before
 * `from`; -1 when none.
 */
function lastBlockAt(content: string, block: string, from = content.length): number {
  for (let at = content.lastIndexOf(block, from); at >= 0; at = at === 0 ? -1 : content.lastIndexOf(block, at - 1)) {
    const end = at + block.length;
    const startsLine = at === 0 || content[at - 1] === '\n';
    const endsLine = end === content.length || content[end] === '\n' || content[end] === '\r';
    if (startsLine && endsLine) return at;
  }
  return -1;
}

/** `content` without the block at `at` and its line end. */
function cutBlock(content: string, at: number, block: string): string {
  let end = at + block.length;
  if (content[end] === '\r') end++;
  if (content[end] === '\n') end++;
  return content.slice(0, at) + content.slice(end);
}

const holdsBlock = (content: string, item: string) => lastBlockAt(content, item.trimEnd()) >= 0;

const textBlocks: SharedContent = {
  holds: holdsBlock,
  add: (content, item) => {
    const block = `${item.trimEnd()}\n`;
    if (content === undefined || content === '') return block;
    // A PEM block must start on a line of its own.
    return `${content}${content.endsWith('\n') ? '' : '\n'}${block}`;
  },
  remove: (content, item, keep = []) => {
    const block = item.trimEnd();
    const held = keep.filter((k) => holdsBlock(content, k));
    for (let at = lastBlockAt(content, block); at >= 0; at = at === 0 ? -1 : lastBlockAt(content, block, at - 1)) {
      const cut = cutBlock(content, at, block);
      if (held.every((k) => holdsBlock(cut, k))) return cut;
    }
    return undefined;
  },
  // add() may have given a file without a final newline one: that is no change of the original.
  isOriginal: (content, original) => content.trimEnd() === original.trimEnd(),
  isEmpty: (content) => content.trim() === '',
};

/** The operations of a format kind. */
export function sharedContent(format: ContentFormat): SharedContent {
  switch (format.kind) {
    case 'text-blocks':
      return textBlocks;
  }
}
