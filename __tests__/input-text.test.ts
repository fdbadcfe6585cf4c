import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, test } from '@jest/globals';
import yaml from 'js-yaml';
import { passwordText, rawInput, readBoundedFile, shownValue, yamlErrorWhere } from '../src/input-text.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'input-text-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('rawInput', () => {
  test('reads INPUT_<NAME> as the runner sets it, untrimmed', () => {
    expect(rawInput('kube-config-base64', { 'INPUT_KUBE-CONFIG-BASE64': ' a \n' })).toBe(' a \n');
    expect(rawInput('password', {})).toBe('');
  });
});

describe('passwordText', () => {
  test('drops only the line breaks a YAML block scalar adds at the end', () => {
    expect(passwordText(' pw\t \n')).toBe(' pw\t ');
    expect(passwordText('pw\r\n\n')).toBe('pw');
    expect(passwordText('a\nb')).toBe('a\nb');
  });
});

describe('readBoundedFile', () => {
  test('a regular file within the bound is read; one past it, or one that is not regular, is refused', () => {
    const file = path.join(dir, 'ok.pem');
    fs.writeFileSync(file, 'x'.repeat(100));
    expect(readBoundedFile(file, 100)).toEqual({ ok: true, text: 'x'.repeat(100) });
    expect(readBoundedFile(file, 99)).toEqual({ ok: false, why: 'it is larger than 99 bytes' });
    expect(readBoundedFile('/dev/zero', 100)).toEqual({ ok: false, why: 'it is a device, not a regular file' });
    expect(readBoundedFile(dir, 100)).toEqual({ ok: false, why: 'it is a directory, not a regular file' });
    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    // Nobody writes to it: a blocking open would never return.
    expect(readBoundedFile(fifo, 100)).toEqual({ ok: false, why: 'it is a FIFO (named pipe), not a regular file' });
    expect(readBoundedFile(path.join(dir, 'missing'), 100)).toEqual({ ok: false, why: 'there is no such file' });
  });

  test('a symbolic link to a device is judged by what it points to', () => {
    const link = path.join(dir, 'zero.pem');
    fs.symlinkSync('/dev/zero', link);
    expect(readBoundedFile(link, 100)).toEqual({ ok: false, why: 'it is a device, not a regular file' });
  });
});

describe('shownValue', () => {
  test('a short one-line value is quoted; anything else only described', () => {
    expect(shownValue('certs/ca.pem')).toBe('"certs/ca.pem"');
    expect(shownValue('a\nb')).toBe('(a value of 3 characters on 2 lines, not shown)');
    expect(shownValue('k'.repeat(300))).toBe('(a value of 300 characters, not shown)');
  });
});

// Broken YAML of every kind js-yaml reports, each around a secret: the description never holds any of it.
const SECRET = 'Zq9-s3cr3t';
const BROKEN = [
  `password: *${SECRET}`,
  `password: !${SECRET}`,
  `password: !<${SECRET}> x`,
  `password: &a &${SECRET} x`,
  `password: [${SECRET}`,
  `password: {${SECRET}`,
  `password: "${SECRET}`,
  `password: '${SECRET}`,
  `password: "${SECRET}\\q"`,
  `password: ${SECRET}: x`,
  `- a\npassword: ${SECRET}`,
  `password: ${SECRET}\n\tx: y`,
  `password: ${SECRET}\npassword: ${SECRET}`,
  `password: @${SECRET}`,
  `password: \`${SECRET}`,
  `%TAG !${SECRET} x\n---\na: b`,
  `password: x\u0001${SECRET}`,
  `password: |${SECRET}`,
];

describe('yamlErrorWhere', () => {
  test.each(BROKEN)('%j: the line and column and why, never the text', (text) => {
    let err: unknown;
    try {
      yaml.load(text, { schema: yaml.FAILSAFE_SCHEMA });
    } catch (e) {
      err = e;
    }
    expect(err).toBeDefined();
    const said = yamlErrorWhere(err);
    expect(said).toMatch(/^at line \d+, column \d+: /);
    expect(said).not.toContain(SECRET.slice(0, 5));
    // js-yaml's own message would have repeated it: the point of not using it.
    expect((err as Error).message).toContain(SECRET.slice(0, 5));
  });

  test('the common mistakes get their own words', () => {
    const said = (text: string) => {
      try {
        yaml.load(text, { schema: yaml.FAILSAFE_SCHEMA });
      } catch (e) {
        return yamlErrorWhere(e);
      }
      return '';
    };
    expect(said('password: *abc')).toBe(
      'at line 1, column 15: a value that starts with "*" is read as a YAML alias: quote it',
    );
    expect(said('password: !abc')).toMatch(/starts with "!" is read as a YAML tag: quote it$/);
    expect(said('a: b\n\tc: d')).toMatch(/tab|"key: value"/);
  });
});
