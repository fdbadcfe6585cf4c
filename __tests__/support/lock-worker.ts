// A separate process that takes a system lock (src/system/lock.ts) `rounds` times and, under it, does a slow
// read-modify-write of a counter file: the lock test runs several of them at once.
//   node --import tsx lock-worker.ts <target> <rounds>
import * as fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { directFiles } from '../../src/system/files.js';
import { withLock } from '../../src/system/lock.js';

const [target, rounds] = [process.argv[2] as string, Number(process.argv[3])];
for (let i = 0; i < rounds; i++) {
  await withLock(
    target,
    async () => {
      const n = Number(fs.readFileSync(target, 'utf8'));
      await sleep(5);
      fs.writeFileSync(target, String(n + 1));
    },
    { files: directFiles, job: `worker-${process.pid}`, waitMs: 30_000 },
  );
}
