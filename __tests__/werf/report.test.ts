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

const D = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;
const stageJson = (name: string, ref: string, digest: string) => `{
					"Name": "${name}",
					"DockerImageName": "${ref}",
					"DockerTag": "${ref.split(':').pop()}",
					"DockerImageID": "${D(9)}",
					"DockerImageDigest": "${digest}",
					"CreatedAt": 1752501286000000000,
					"Size": 1024,
					"SourceType": "",
					"BaseImagePulled": false,
					"Rebuilt": true,
					"BuildTime": "0.40",
					"Commit": ""
				}`;
const recordJson = (o: { configType: string; tag: string; digest: string; platform: string; stages: string[] }) => `{
			"WerfImageName": "app",
			"ConfigType": "${o.configType}",
			"DockerRepo": "r.example.com/app",
			"DockerTag": "${o.tag}",
			"DockerImageID": "${D(9)}",
			"DockerImageDigest": "${o.digest}",
			"DockerImageName": "r.example.com/app:${o.tag}",
			"TargetPlatform": "${o.platform}",
			"Rebuilt": true,
			"Final": true,
			"Size": 2048,
			"BuildTime": "0.80",
			"Commit": ""${o.stages.length ? `,\n\t\t\t"Stages": [\n\t\t\t\t${o.stages.join(',\n\t\t\t\t')}\n\t\t\t]` : ''}
		}`;

// The shapes werf 2.75 writes (pkg/build/build_report.go): json.MarshalIndent with tabs, map keys sorted.
/** `werf build` without --platform: the runtime's platform in TargetPlatform, ImagesByPlatform empty. */
const SINGLE_PLATFORM = `{
	"Runtime": {
		"Backend": "docker",
		"InContainer": false
	},
	"Images": {
		"app": ${recordJson({ configType: 'dockerfile', tag: 't1', digest: D(1), platform: 'linux/amd64', stages: [stageJson('dockerfile', 'r.example.com/stages:t1', D(1))] })}
	},
	"ImagesByPlatform": {}
}
`;
/** `--platform linux/amd64 --platform linux/arm64`: one manifest-list record, TargetPlatform "", stages per platform. */
const MULTI_PLATFORM = `{
	"Runtime": {
		"Backend": "docker",
		"InContainer": false
	},
	"Images": {
		"app": ${recordJson({ configType: '', tag: 't2', digest: D(2), platform: '', stages: [stageJson('from (linux/arm64)', 'r.example.com/stages:a', D(3)), stageJson('from (linux/amd64)', 'r.example.com/stages:b', D(4))] })}
	},
	"ImagesByPlatform": {}
}
`;
/** The same with WERF_ENABLE_REPORT_BY_PLATFORM=1: a full record per platform (here linux/arm64/v8 too). */
const MULTI_PLATFORM_BY_PLATFORM = MULTI_PLATFORM.replace(
  '"ImagesByPlatform": {}',
  `"ImagesByPlatform": {
		"app": {
			"linux/amd64": ${recordJson({ configType: 'stapel', tag: 'b', digest: D(4), platform: 'linux/amd64', stages: [] })},
			"linux/arm64/v8": ${recordJson({ configType: 'stapel', tag: 'a', digest: D(3), platform: 'linux/arm64/v8', stages: [] })}
		}
	}`,
);
/** A newer werf: the version in Runtime, Operations and StageCache; a record whose stages were reused (none listed). */
const NEWER = `{
	"Runtime": {
		"WerfVersion": "v2.80.0",
		"Backend": "buildah",
		"InContainer": true
	},
	"Images": {
		"app": ${recordJson({ configType: '', tag: 't3', digest: D(5), platform: '', stages: [] }).replace('"Commit": ""', '"Commit": "",\n\t\t\t"StagesSkipped": true')}
	},
	"ImagesByPlatform": {},
	"Operations": {
		"image push": {
			"Count": 2,
			"TotalTimeSeconds": 3,
			"WallTimeSeconds": 2,
			"AvgTimeSeconds": 1.5,
			"MaxTimeSeconds": 2
		}
	},
	"StageCache": {
		"built": 1
	}
}
`;

describe('parseBuildReport: the shapes werf writes', () => {
  it('single platform without --platform: the runtime platform werf reports', () => {
    const [app] = parseBuildReport(SINGLE_PLATFORM).images;
    expect(app).toMatchObject({ name: 'app', digest: D(1), platforms: ['linux/amd64'] });
  });

  it('several platforms: TargetPlatform "" and no ConfigType; the platforms are the stage names\' suffixes', () => {
    const report = parseBuildReport(MULTI_PLATFORM);
    expect(report.images).toHaveLength(1);
    expect(report.images[0]).toMatchObject({
      repo: 'r.example.com/app',
      tag: 't2',
      digest: D(2),
      platforms: ['linux/amd64', 'linux/arm64'],
    });
    expect(report.images[0]?.stages.map((s) => s.name)).toEqual(['from (linux/arm64)', 'from (linux/amd64)']);
  });

  it('several platforms with WERF_ENABLE_REPORT_BY_PLATFORM=1: the ImagesByPlatform keys', () => {
    const [app] = parseBuildReport(MULTI_PLATFORM_BY_PLATFORM).images;
    expect(app?.platforms).toEqual(['linux/amd64', 'linux/arm64/v8']);
    expect(app?.digest).toBe(D(2)); // the list's, not a platform record's
  });

  it('a newer werf: Operations, StageCache and Runtime.WerfVersion ignored; no stages, no platforms named', () => {
    expect(parseBuildReport(NEWER)).toEqual({
      backend: 'buildah',
      images: [
        {
          name: 'app',
          repo: 'r.example.com/app',
          tag: 't3',
          digest: D(5),
          imageName: 'r.example.com/app:t3',
          final: true,
          platforms: [],
          stages: [],
        },
      ],
    });
  });
});

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
