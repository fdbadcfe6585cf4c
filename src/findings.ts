import { oneLine } from './untrusted.js';

/** One failed check of one image (on one node, for the cluster's view), as an annotation would say it. */
export interface Finding {
  /** the werf image's name, as a grouped text lists it */
  image: string;
  /** how the image is named when its finding is told: its name, or more (`app (repo:tag, digest)`) */
  label?: string;
  /** the node it failed on (cluster pull check) */
  node?: string;
  /** findings with the same key are the same finding: one cause, one fix */
  key: string;
  /** the finding as said of this image: what is wrong and what to do */
  text: string;
}

// How many names a grouped finding lists before it says "and N more".
const NAMES_SHOWN = 5;

/**
 * Findings as annotation texts (pure), identical ones (the same key) grouped into one that counts the images and names
 * the nodes: "50 of 50 images (app, web, ... and 45 more) on nodes a, b: app on a: <its text>", so fifty images that
 * fail for one reason are one annotation, not fifty; a grouped text tells the finding as its first image met it.
 * `total` is how many images were checked. Names, labels and nodes come from werf and the cluster: one plain line each.
 */
export function groupFindings(findings: Finding[], total: number): string[] {
  const groups = new Map<string, Finding[]>();
  for (const f of findings) groups.set(f.key, [...(groups.get(f.key) ?? []), f]);
  return [...groups.values()].map((group) => {
    const first = group[0] as Finding;
    const images = [...new Set(group.map((f) => f.image))];
    const nodes = [...new Set(group.flatMap((f) => (f.node ? [f.node] : [])))];
    const on = nodes.length === 0 ? '' : ` on ${nodes.length === 1 ? 'node' : 'nodes'} ${names(nodes)}`;
    const grouped = images.length > 1 || nodes.length > 1;
    const label = oneLine(first.label ?? first.image);
    const what = images.length === 1 ? label : `${images.length} of ${total} images (${names(images)})`;
    const whose = grouped ? `${label}${first.node ? ` on ${oneLine(first.node)}` : ''}: ` : '';
    return `${what}${on}: ${whose}${first.text}`.trim();
  });
}

function names(list: string[]): string {
  const shown = list.slice(0, NAMES_SHOWN).map(oneLine).join(', ');
  return list.length > NAMES_SHOWN ? `${shown} and ${list.length - NAMES_SHOWN} more` : shown;
}
