import { describe, expect, it } from '@jest/globals';
import { ActionError } from '../../src/errors.js';
import { parseBuildReport } from '../../src/werf/report.js';

const TAG = `${'3f1c'.repeat(14)}-1752501317353`;
// As werf 2.75 writes it (tabs, Go field names), with a final repo: the final image names final-repo, stages name repo.
const WERF_2_REPORT = `{
\t"Runtime": {"Backend": "docker", "InContainer": false},
\t"Images": {
\t\t"backend": {
\t\t\t"WerfImageName": "backend", "ConfigType": "dockerfile",
\t\t\t"DockerRepo": "final.example.com:5000/app", "DockerTag": "${TAG}",
\t\t\t"DockerImageID": "sha256:9b3a", "DockerImageDigest": "sha256:54f5",
\t\t\t"DockerImageName": "final.example.com:5000/app:${TAG}",
\t\t\t"TargetPlatform": "", "Rebuilt": true, "Final": true, "Size": 20960980, "BuildTime": "3.10", "Commit": "9d1b",
\t\t\t"SomethingNewer": {"x": 1},
\t\t\t"Stages": [{"Name": "from", "DockerImageName": "stages.example.com/app:abc-1", "DockerTag": "abc-1",
\t\t\t\t"DockerImageID": "sha256:11", "DockerImageDigest": "sha256:22", "CreatedAt": 1752501286000000000,
\t\t\t\t"Size": 20960798, "SourceType": "", "BaseImagePulled": false, "Rebuilt": false, "BuildTime": "0.00"}]
\t\t},
\t\t"builder": {"WerfImageName": "builder", "DockerRepo": "stages.example.com/app", "DockerTag": "t2",
\t\t\t"DockerImageName": "stages.example.com/app:t2", "DockerImageDigest": "sha256:33", "Final": false,
\t\t\t"TargetPlatform": "linux/arm64"}
\t},
\t"ImagesByPlatform": {"backend": {"linux/amd64": {}, "linux/arm64": {}}}
}`;

describe('parseBuildReport', () => {
  it('reads a werf 2 report with a final repo, ignoring unknown keys', () => {
    expect(parseBuildReport(WERF_2_REPORT)).toEqual({
      backend: 'docker',
      images: [
        {
          name: 'backend',
          repo: 'final.example.com:5000/app',
          tag: TAG,
          digest: 'sha256:54f5',
          imageName: `final.example.com:5000/app:${TAG}`,
          final: true,
          platforms: ['linux/amd64', 'linux/arm64'],
          stages: [
            {
              name: 'from',
              imageName: 'stages.example.com/app:abc-1',
              tag: 'abc-1',
              digest: 'sha256:22',
              imageId: 'sha256:11',
              rebuilt: false,
            },
          ],
        },
        {
          name: 'builder',
          repo: 'stages.example.com/app',
          tag: 't2',
          digest: 'sha256:33',
          imageName: 'stages.example.com/app:t2',
          final: false,
          platforms: ['linux/arm64'],
          stages: [],
        },
      ],
    });
  });

  it('handles an older report without digest, Final, Stages, Runtime and repo/tag fields', () => {
    const old = '{"Images": {"web": {"DockerImageName": "localhost:5000/app:abc", "DockerImageID": "sha256:1"}}}';
    expect(parseBuildReport(old)).toEqual({
      images: [
        {
          name: 'web',
          repo: 'localhost:5000/app',
          tag: 'abc',
          digest: '',
          imageName: 'localhost:5000/app:abc',
          final: true,
          platforms: [],
          stages: [],
        },
      ],
    });
  });

  it('builds the image name from repo and tag when the report lacks it', () => {
    const report = parseBuildReport('{"Images": {"a": {"DockerRepo": "r.io/app", "DockerTag": "t"}}}');
    expect(report.images[0]?.imageName).toBe('r.io/app:t');
  });

  it('reads a report with no images, and skips records that are not objects', () => {
    expect(parseBuildReport('{"Images": {"x": null, "y": 3}}')).toEqual({ images: [] });
    expect(parseBuildReport('{}')).toEqual({ images: [] });
  });

  it.each(['', 'not json', '[1,2]', 'null'])('rejects %j with an ActionError', (text) => {
    expect(() => parseBuildReport(text)).toThrow(ActionError);
  });
});
