import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, expect, test } from '@jest/globals';
import { ambientKubeconfig } from '../../src/werf/kubeconfig.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kubeconfig-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('KUBECONFIG: its first existing file; else ~/.kube/config; else none', () => {
  const a = path.join(dir, 'a.yaml');
  const b = path.join(dir, 'b.yaml');
  fs.writeFileSync(b, 'apiVersion: v1\n');
  expect(ambientKubeconfig({ KUBECONFIG: [a, b].join(path.delimiter), HOME: dir })).toBe(b);

  expect(ambientKubeconfig({ HOME: dir })).toBeUndefined();
  fs.mkdirSync(path.join(dir, '.kube'));
  fs.writeFileSync(path.join(dir, '.kube', 'config'), 'apiVersion: v1\n');
  expect(ambientKubeconfig({ HOME: dir })).toBe(path.join(dir, '.kube', 'config'));
  // A KUBECONFIG that names only missing files is not answered by ~/.kube/config: werf would not read it either.
  expect(ambientKubeconfig({ KUBECONFIG: a, HOME: dir })).toBeUndefined();
});
