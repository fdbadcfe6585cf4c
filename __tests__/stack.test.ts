import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { build } from 'esbuild';
import { sourceStack } from '../src/stack.js';

// A real minified bundle with a linked source map, built the way scripts/bundle.mjs builds dist/, and a real stack
// trace of it from a real Node process.
let dir: string;
let stack: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stack-'));
  fs.mkdirSync(path.join(dir, 'src'));
  fs.writeFileSync(
    path.join(dir, 'src/deep.ts'),
    [
      'export function checkImage(name: string): void {',
      '  if (name !== "app") {',
      '    throw new Error(`unexpected ${name}`);',
      '  }',
      '}',
      '',
    ].join('\n'),
  );
  fs.writeFileSync(
    path.join(dir, 'src/entry.ts'),
    [
      "import { checkImage } from './deep.js';",
      'try {',
      "  checkImage('other');",
      '} catch (err) {',
      '  console.log((err as Error).stack);',
      '}',
      '',
    ].join('\n'),
  );
  await build({
    absWorkingDir: dir,
    entryPoints: ['src/entry.ts'],
    outdir: 'dist',
    bundle: true,
    minify: true,
    sourcemap: 'linked',
    sourcesContent: false,
    format: 'esm',
    platform: 'node',
    outExtension: { '.js': '.mjs' },
    logLevel: 'silent',
  });
  stack = execFileSync(process.execPath, [path.join(dir, 'dist/entry.mjs')], { encoding: 'utf8' });
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('a stack of the minified bundle names the TypeScript file, line and column of each frame', () => {
  // Minified: everything on line 1 of the bundle.
  expect(stack).toMatch(/dist\/entry\.mjs:1:\d+/);
  const readable = sourceStack(stack);
  expect(readable).toContain(`${path.join(dir, 'src/deep.ts')}:3:11`);
  expect(readable).toContain(`${path.join(dir, 'src/entry.ts')}:3:3`);
  expect(readable).not.toMatch(/entry\.mjs:1:/);
  // The message line is left as it was.
  expect(readable.split('\n')[0]).toBe('Error: unexpected other');
});

test('a place without a source map beside it is left as it is, and each map is read once', () => {
  let reads = 0;
  const noMap = () => {
    reads++;
    return undefined;
  };
  expect(sourceStack(stack, noMap)).toBe(stack);
  expect(reads).toBe(1);
  const elsewhere = 'Error: x\n    at f (file:///nowhere/dist/index.js:1:20)\n    at node:internal/main:1:1';
  expect(sourceStack(elsewhere)).toBe(elsewhere);
});
