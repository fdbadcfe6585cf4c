// A scene for the stand-in for kubectl put first on PATH for a job (no Kubernetes API server runs on the test
// machines): ./kubectl-on-path/kubectl points ./kubectl-stand-in/kubectl at the scene and writes down what the action
// did. See those two files for the scene's format.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from './runner.js';

const KUBECTL_DIR = path.join(repoRoot, '__tests__/support/kubectl-on-path');

/** One kubectl call as the stand-in on PATH wrote it down. */
export interface KubeCall {
  step: 'main' | 'post';
  argv: string[];
  kubeconfig: { path?: string; exists: boolean; mode?: string; sha256?: string };
  /** the INPUT_* variables kubectl inherited */
  inputs: string[];
}

/** A scene of the stand-in, the job environment that puts it first on PATH, and what kubectl was asked. */
export interface KubeScene {
  dir: string;
  env: Record<string, string>;
  calls(): KubeCall[];
  /** every probe pod created, as sent */
  created(): Array<{ metadata: { labels: Record<string, string> } }>;
  podsLeft(): unknown[];
  remove(): void;
}

/** Writes `scene` (scene.json) into a fresh folder; `extraEnv` adds the stand-in's knobs. */
export function makeKubeScene(scene: object, extraEnv: Record<string, string> = {}): KubeScene {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kube-scene-'));
  fs.writeFileSync(path.join(dir, 'scene.json'), JSON.stringify(scene));
  const lines = (file: string) =>
    fs.existsSync(path.join(dir, file))
      ? fs
          .readFileSync(path.join(dir, file), 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as unknown)
      : [];
  return {
    dir,
    env: { PATH: `${KUBECTL_DIR}${path.delimiter}${process.env.PATH ?? ''}`, KUBECTL_SCENE_DIR: dir, ...extraEnv },
    calls: () => lines('calls.jsonl') as KubeCall[],
    created: () => lines('created.jsonl') as Array<{ metadata: { labels: Record<string, string> } }>,
    podsLeft: () => JSON.parse(fs.readFileSync(path.join(dir, 'pods.json'), 'utf8')) as unknown[],
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
