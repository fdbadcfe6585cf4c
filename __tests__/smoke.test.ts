import { expect, test } from '@jest/globals';
test('tests run on Node 24', () => {
  expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(24);
});
