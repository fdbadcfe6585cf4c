import { describe, expect, test } from '@jest/globals';
import { jsonListProblem, sharedContent } from '../../src/system/formats.js';

// The json-list format: the Docker daemon's config file and its insecure-registries, edited in place.
const list = sharedContent({ kind: 'json-list', key: 'insecure-registries' });

// A GitHub-hosted runner's /etc/docker/daemon.json, as it is there (2-space indent, a final newline).
const RUNNER = '{\n  "exec-opts": ["native.cgroupdriver=cgroupfs"],\n  "cgroup-parent": "/actions_job"\n}\n';

describe('json-list: add edits only the list', () => {
  test('no key yet: a member after the last one, indented as the first; every other byte kept', () => {
    expect(list.add(RUNNER, 'r:5000')).toBe(
      '{\n  "exec-opts": ["native.cgroupdriver=cgroupfs"],\n  "cgroup-parent": "/actions_job",\n  "insecure-registries": ["r:5000"]\n}\n',
    );
    expect(list.add('{"debug":true}', 'r:5000')).toBe('{"debug":true, "insecure-registries": ["r:5000"]}');
    expect(list.add('\t{\t"a": {"b": [1, "]}"]}\t}  \n', 'r:5000')).toBe(
      '\t{\t"a": {"b": [1, "]}"]},\t"insecure-registries": ["r:5000"]\t}  \n',
    );
  });

  test('a list already there: the entry after its last one, laid out as its entries are', () => {
    expect(list.add('{"insecure-registries": ["10.0.0.0/8"], "debug": false}', 'r:5000')).toBe(
      '{"insecure-registries": ["10.0.0.0/8", "r:5000"], "debug": false}',
    );
    expect(list.add('{\n  "insecure-registries": [\n    "a:1",\n    "b:2"\n  ]\n}\n', 'r:5000')).toBe(
      '{\n  "insecure-registries": [\n    "a:1",\n    "b:2",\n    "r:5000"\n  ]\n}\n',
    );
    expect(list.add('{"insecure-registries": [ ], "x": 1}', 'r:5000')).toBe(
      '{"insecure-registries": ["r:5000"], "x": 1}',
    );
  });

  test('no file, an empty file, an empty object: a file with the list alone', () => {
    const only = '{\n  "insecure-registries": ["r:5000"]\n}\n';
    expect(list.add(undefined, 'r:5000')).toBe(only);
    expect(list.add(' \n', 'r:5000')).toBe(only);
    expect(list.add('{}\n', 'r:5000')).toBe('{\n  "insecure-registries": ["r:5000"]\n}\n');
  });

  test('a file that is not a JSON object with a list of strings is refused, with where, never with its text', () => {
    expect(() => list.add('{\n  "debug": true,\n  "secret-ish": x\n}', 'r:5000')).toThrow(
      /^it is not valid JSON \(at line 3, column 17\)$/,
    );
    expect(() => list.add('["r:5000"]', 'r')).toThrow('it is not a JSON object');
    expect(() => list.add('{"insecure-registries": "r:5000"}', 'r')).toThrow(
      'its "insecure-registries" is not a list of strings',
    );
    expect(() => list.add('{"insecure-registries": [], "insecure-registries": ["a"]}', 'r')).toThrow(
      'it names "insecure-registries" more than once',
    );
    expect(jsonListProblem('{"debug": tru', 'insecure-registries')).toMatch(/^it is not valid JSON/);
    expect(jsonListProblem('', 'insecure-registries')).toBeUndefined();
  });
});

describe('json-list: holds, remove, isOriginal, isEmpty', () => {
  test('remove takes the entry and one comma beside it: the bytes before add come back', () => {
    for (const before of [
      '{"insecure-registries": ["10.0.0.0/8"], "debug": false}',
      '{\n  "insecure-registries": [\n    "a:1",\n    "b:2"\n  ]\n}\n',
    ]) {
      const added = list.add(before, 'r:5000');
      expect(list.holds(added, 'r:5000')).toBe(true);
      expect(list.remove(added, 'r:5000')).toBe(before);
    }
    // The first entry of several, the only one.
    expect(list.remove('{"insecure-registries": ["r:5000", "a:1"]}', 'r:5000')).toBe(
      '{"insecure-registries": ["a:1"]}',
    );
    expect(list.remove('{"insecure-registries": [\n  "r:5000"\n]}', 'r:5000')).toBe('{"insecure-registries": []}');
    // Not there: nothing to take out.
    expect(list.remove(RUNNER, 'r:5000')).toBeUndefined();
    expect(list.remove('{"insecure-registries": ["a:1"]}', 'r:5000')).toBeUndefined();
    expect(list.remove('{not json', 'r:5000')).toBeUndefined();
  });

  test('an emptied list written explicitly ([]) is the original without the key; anything else changed is not', () => {
    const emptied = list.remove(list.add(RUNNER, 'r:5000'), 'r:5000') as string;
    expect(emptied).toContain('"insecure-registries": []');
    expect(list.isOriginal(emptied, RUNNER)).toBe(true);
    expect(list.isOriginal(emptied.replace('/actions_job', '/other'), RUNNER)).toBe(false);
    expect(list.isOriginal('{"insecure-registries": ["a:1"]}', '{}')).toBe(false);
    // The original listed nothing explicitly: [] is what it was.
    expect(list.isOriginal('{"insecure-registries": []}', '{"insecure-registries": []}')).toBe(true);
    // Key order and layout are no change of the daemon's settings.
    expect(list.isOriginal('{"b": 1,\n"a": 2}', '{"a": 2, "b": 1}')).toBe(true);
  });

  test('isEmpty: nothing but an empty list (a file the jobs made can go)', () => {
    expect(list.isEmpty('{\n  "insecure-registries": []\n}\n')).toBe(true);
    expect(list.isEmpty('{}')).toBe(true);
    expect(list.isEmpty('{"insecure-registries": [], "debug": true}')).toBe(false);
    expect(list.isEmpty('{"insecure-registries": ["a:1"]}')).toBe(false);
  });
});
