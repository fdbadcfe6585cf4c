// scripts/release-notes.ts: what the release workflow checks before it publishes (the tag names package.json's
// version, CHANGELOG.md has a non-empty section for it) and the notes it publishes. The pure parts, then the script as
// the workflow runs it, against copies of package.json and CHANGELOG.md in a temp checkout.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { changelogSection, parseReleaseTag } from '../scripts/release-notes.js';
import { repoRoot } from './support/runner.js';

const changelog = [
  '# Changelog',
  '',
  '## [Unreleased]',
  '',
  '## [1.1.0] - 2027-02-01',
  '',
  '### Added',
  '',
  '- `docker-daemon: configure`.',
  '',
  '## [1.0.0] - 2027-01-15',
  '',
  'The first release.',
  '',
  '## [0.9.0] - 2026-12-01',
  '',
  '[Unreleased]: https://github.com/o/r/compare/v1.1.0...HEAD',
  '[1.1.0]: https://github.com/o/r/compare/v1.0.0...v1.1.0',
  '',
].join('\n');

describe('parseReleaseTag', () => {
  test('a version tag gives the version and the major tag it moves', () => {
    expect(parseReleaseTag('v1.2.3', '1.2.3')).toEqual({ version: '1.2.3', major: 'v1', prerelease: false });
    expect(parseReleaseTag('v10.0.0', '10.0.0')).toEqual({ version: '10.0.0', major: 'v10', prerelease: false });
  });

  test('a prerelease is one, and still names its major', () => {
    expect(parseReleaseTag('v2.0.0-rc.1', '2.0.0-rc.1')).toEqual({
      version: '2.0.0-rc.1',
      major: 'v2',
      prerelease: true,
    });
  });

  test('a tag that is not a version, or names another version than package.json, is refused with the fix', () => {
    expect(() => parseReleaseTag('v1.2', '1.2.0')).toThrow(
      'Tag "v1.2" is not a release version: use vMAJOR.MINOR.PATCH',
    );
    expect(() => parseReleaseTag('v01.2.3', '1.2.3')).toThrow('is not a release version');
    expect(() => parseReleaseTag('1.2.3', '1.2.3')).toThrow('is not a release version');
    expect(() => parseReleaseTag('v1.2.4', '1.2.3')).toThrow(
      'Tag "v1.2.4" does not match package.json\'s version "1.2.3": set "version": "1.2.4" in package.json',
    );
  });
});

describe('changelogSection', () => {
  test("is the version's section without its heading, up to the next version", () => {
    expect(changelogSection(changelog, '1.1.0')).toBe('### Added\n\n- `docker-daemon: configure`.\n');
    expect(changelogSection(changelog, '1.0.0')).toBe('The first release.\n');
  });

  test('a missing or empty section is refused (the link definitions at the end are not notes)', () => {
    expect(() => changelogSection(changelog, '1.2.0')).toThrow(
      'CHANGELOG.md has no section "## [1.2.0] - YYYY-MM-DD": rename "## [Unreleased]" to it before tagging.',
    );
    expect(() => changelogSection(changelog, '0.9.0')).toThrow("CHANGELOG.md's section for 0.9.0 is empty");
    // 1.1 is not 1.1.0: headings match exactly.
    expect(() => changelogSection(changelog, '1.1')).toThrow('has no section');
  });
});

describe('the script as release.yml runs it', () => {
  /** A checkout with the script and the given package.json version and changelog; runs it with a tag. */
  function runScript(version: string, log: string, tag: string) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'release-notes-'));
    try {
      fs.mkdirSync(path.join(dir, 'scripts'));
      fs.copyFileSync(path.join(repoRoot, 'scripts/release-notes.ts'), path.join(dir, 'scripts/release-notes.ts'));
      fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ version, type: 'module' }));
      fs.writeFileSync(path.join(dir, 'CHANGELOG.md'), log);
      const notes = path.join(dir, 'notes.md');
      const tsx = path.join(repoRoot, 'node_modules/tsx/dist/cli.mjs');
      const r = spawnSync(process.execPath, [tsx, 'scripts/release-notes.ts', tag, notes], {
        cwd: dir,
        encoding: 'utf8',
      });
      return {
        code: r.status,
        stdout: r.stdout,
        stderr: r.stderr,
        notes: fs.existsSync(notes) ? fs.readFileSync(notes, 'utf8') : undefined,
      };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  test('writes the notes and prints the outputs for $GITHUB_OUTPUT', () => {
    expect(runScript('1.1.0', changelog, 'v1.1.0')).toEqual({
      code: 0,
      stdout: 'major=v1\nprerelease=false\n',
      stderr: '',
      notes: '### Added\n\n- `docker-daemon: configure`.\n',
    });
  });

  test('fails with one sentence and writes no notes when they disagree', () => {
    const r = runScript('1.1.0', changelog, 'v1.2.0');
    expect(r).toEqual({
      code: 1,
      stdout: '',
      stderr: expect.stringContaining('does not match package.json'),
      notes: undefined,
    });
  });

  test("this repository's CHANGELOG.md has the Unreleased section the next release is made from", () => {
    const own = fs.readFileSync(path.join(repoRoot, 'CHANGELOG.md'), 'utf8');
    expect(changelogSection(own, 'Unreleased')).toMatch(/### Added/);
  });
});
