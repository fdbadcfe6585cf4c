import { readFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { fileURLToPath } from 'node:url';

// A place in a file of the bundle as V8 prints it in a stack frame: file:///…/dist/chunks/x.js:1:2345.
const FRAME_PLACE = /(file:\/\/\/[^\s():]+\.m?js):(\d+):(\d+)/g;

/** The source map a bundle file names beside it (`x.js.map`), or undefined when there is none. */
function mapBeside(fileUrl: string): SourceMap | undefined {
  try {
    const payload = JSON.parse(readFileSync(`${fileURLToPath(fileUrl)}.map`, 'utf8')) as SourceMapPayload;
    return new SourceMap(payload);
  } catch {
    return undefined;
  }
}

/**
 * A stack trace of the minified bundle told in the places of the TypeScript sources (and of the dependencies' files):
 * each `file:///….js:LINE:COLUMN` that has a source map beside it becomes `…/src/x.ts:LINE:COLUMN`. The runner starts
 * Node without --enable-source-maps, and turning source maps on at run time only covers modules loaded after that,
 * so the maps are read here, on the path of an unexpected failure only. A place without a map stays as it is.
 */
export function sourceStack(stack: string, loadMap: (fileUrl: string) => SourceMap | undefined = mapBeside): string {
  const maps = new Map<string, SourceMap | undefined>();
  return stack.replace(FRAME_PLACE, (place, fileUrl: string, line: string, column: string) => {
    if (!maps.has(fileUrl)) maps.set(fileUrl, loadMap(fileUrl));
    const entry = maps.get(fileUrl)?.findEntry(Number(line) - 1, Number(column) - 1);
    if (!entry || !('originalSource' in entry)) return place;
    const source = new URL(entry.originalSource, fileUrl);
    return `${fileURLToPath(source)}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
  });
}
