// `npm run -s release-notes -- TAG NOTES_FILE`: the release workflow's check that a version tag, package.json and
// CHANGELOG.md agree. Writes the tag's CHANGELOG.md section to NOTES_FILE (the GitHub release's notes) and prints
// `major=vX` and `prerelease=true|false` lines for $GITHUB_OUTPUT. Exits non-zero with one sentence when they disagree.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** What a release tag says: the version, the major tag it moves, and whether it is a prerelease. */
export interface ReleaseTag {
  version: string;
  major: string;
  prerelease: boolean;
}

/**
 * Reads a release tag (`v1.2.3`, or `v1.2.3-rc.1` for a prerelease, as SemVer 2.0 allows) and checks it against the
 * version in package.json; throws with the sentence to show when the tag is not a version or names another one.
 */
export function parseReleaseTag(tag: string, packageVersion: string): ReleaseTag {
  const m = /^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?$/.exec(tag);
  if (!m) throw new Error(`Tag "${tag}" is not a release version: use vMAJOR.MINOR.PATCH, e.g. v1.2.3.`);
  const version = tag.slice(1);
  if (version !== packageVersion) {
    throw new Error(
      `Tag "${tag}" does not match package.json's version "${packageVersion}": set "version": "${version}" in ` +
        'package.json (npm version --no-git-tag-version) and tag that commit.',
    );
  }
  return { version, major: `v${m[1]}`, prerelease: m[4] !== undefined };
}

/**
 * The body of CHANGELOG.md's section for a version (`## [1.2.3] - 2026-01-31`, Keep a Changelog's heading), without
 * its heading and without the link definitions at the end of the file; throws when there is no such section or it is
 * empty: a release without notes is a release nobody can read.
 */
export function changelogSection(changelog: string, version: string): string {
  const lines = changelog.split('\n');
  const heading = (line: string) => /^## \[([^\]]+)\]/.exec(line)?.[1];
  const start = lines.findIndex((line) => heading(line) === version);
  if (start === -1) {
    throw new Error(
      `CHANGELOG.md has no section "## [${version}] - YYYY-MM-DD": rename "## [Unreleased]" to it before tagging.`,
    );
  }
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((line) => line.startsWith('## ') || /^\[[^\]]+\]: /.test(line));
  const body = (end === -1 ? rest : rest.slice(0, end)).join('\n').trim();
  if (body === '') throw new Error(`CHANGELOG.md's section for ${version} is empty: say what changed.`);
  return `${body}\n`;
}

function cli(argv: string[]): void {
  const [tag, notesFile] = argv;
  if (!tag || !notesFile) throw new Error('usage: release-notes TAG NOTES_FILE');
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
  const release = parseReleaseTag(tag, pkg.version);
  const notes = changelogSection(fs.readFileSync(path.join(root, 'CHANGELOG.md'), 'utf8'), release.version);
  fs.writeFileSync(notesFile, notes);
  console.log(`major=${release.major}`);
  console.log(`prerelease=${release.prerelease}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    cli(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    process.exitCode = 1;
  }
}
