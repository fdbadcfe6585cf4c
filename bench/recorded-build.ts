/**
 * A recorded werf build for the whole-action benchmark: images pushed into a rig registry once, the build report werf
 * would write for them, and a REPLAYING werf (a POSIX shell script, NOT werf) that answers the calls the action makes
 * (`version`, `cr login`, `cr logout`, `build`/`converge`) by replaying that build. It pushes nothing and forks at
 * only in `cr login` (`base64`), so werf's own time in the benchmark is close to zero.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Registry } from '../__tests__/support/rig/index.js';
import { MANIFEST_ACCEPT } from '../src/registry/index.js';
import { CONFIG_TYPE, inTurns, pushBlob, pushManifest, type Descriptor } from './push.js';

/** The version the replaying werf reports (`werf version`). */
export const REPLAYED_WERF_VERSION = '2.75.3';

/** One image of the recorded build, as werf reported it and as the registry holds it. */
export interface RecordedImage {
  /** werf image name (werf.yaml) */
  name: string;
  /** final repository, `host/path` */
  repo: string;
  tag: string;
  /** manifest digest */
  digest: string;
  config: string;
  layers: string[];
}

/** A recorded build: its images, the repositories it names, and the replaying werf that reports it. */
export interface RecordedBuild {
  images: RecordedImage[];
  /** `--repo` (stages; named in the report, not pushed: the action verifies final images only) */
  stagesRepo: string;
  /** `--final-repo`, where the images are */
  finalRepo: string;
  /** the replaying werf (an executable shell script) */
  werf: string;
  /** the build report it writes, as text */
  report: string;
}

/** Shape of the build: N images, each a config + one base layer shared by all + `ownLayers` layers of its own. */
export interface BuildShape {
  images: number;
  ownLayers?: number;
  /** repository paths in the registry (default bench/stages and bench/app) */
  stagesPath?: string;
  finalPath?: string;
}

const sha3 = (text: string) => createHash('sha3-224').update(text).digest('hex');
const pad = (i: number) => String(i).padStart(2, '0');

/**
 * Pushes the build's images into `reg` (Docker schema2: a config, the shared base layer, own layers; once, before any
 * timing) and writes the replaying werf into `dir`. Tags are werf's `<sha3-224 hex>-<ms>`.
 */
export async function recordBuild(reg: Registry, dir: string, shape: BuildShape): Promise<RecordedBuild> {
  const finalPath = shape.finalPath ?? 'bench/app';
  const stagesPath = shape.stagesPath ?? 'bench/stages';
  const ownLayers = shape.ownLayers ?? 2;
  // The base layer goes in first: parallel uploads of the same blob into one repository race in Distribution.
  const base = await pushBlob(reg, finalPath, randomBytes(8192));
  const started = Date.now();
  const images = await inTurns(
    8,
    Array.from({ length: shape.images }, (_, i) => async (): Promise<RecordedImage> => {
      const name = `image-${pad(i)}`;
      const own = await Promise.all(
        Array.from({ length: ownLayers }, () => pushBlob(reg, finalPath, randomBytes(4096))),
      );
      const layers: Descriptor[] = [base, ...own];
      const config = await pushBlob(reg, finalPath, imageConfig(name, layers), CONFIG_TYPE);
      const tag = `${sha3(`${name}:${config.digest}`)}-${started + i}`;
      const digest = await pushManifest(reg, finalPath, tag, config, layers);
      return {
        name,
        repo: `${reg.host}/${finalPath}`,
        tag,
        digest,
        config: config.digest,
        layers: layers.map((l) => l.digest),
      };
    }),
  );
  const stagesRepo = `${reg.host}/${stagesPath}`;
  const finalRepo = `${reg.host}/${finalPath}`;
  const report = buildReport(images, stagesRepo, started);
  const werf = join(dir, 'werf');
  await writeFile(werf, replayingWerf(report, buildLog(images)));
  await chmod(werf, 0o755);
  return { images, stagesRepo, finalRepo, werf, report };
}

// A Docker image config like the daemon writes: platform, rootfs diff ids, history.
function imageConfig(name: string, layers: Descriptor[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['/bin/sh'] },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => `sha256:${sha3(l.digest).padEnd(64, '0')}`) },
      history: layers.map(() => ({ created_by: `werf ${name}` })),
    }),
  );
}

/**
 * werf's build report for the recorded images (contract: indented with tabs, Go field names, final images in the
 * final repository, their stages in --repo; a single-platform build reports the runtime's platform).
 */
export function buildReport(images: RecordedImage[], stagesRepo: string, started: number): string {
  const records = Object.fromEntries(
    images.map((img, i) => [
      img.name,
      {
        WerfImageName: img.name,
        ConfigType: 'dockerfile',
        DockerRepo: img.repo,
        DockerTag: img.tag,
        DockerImageID: img.config,
        DockerImageDigest: img.digest,
        DockerImageName: `${img.repo}:${img.tag}`,
        TargetPlatform: 'linux/amd64',
        Rebuilt: true,
        Final: true,
        Size: 16384,
        BuildTime: '0.00',
        Commit: '',
        Stages: [
          {
            Name: 'dockerfile',
            DockerImageName: `${stagesRepo}:${img.tag}`,
            DockerTag: img.tag,
            DockerImageID: img.config,
            DockerImageDigest: img.digest,
            CreatedAt: `@ns${started + i}000000@`,
            Size: 16384,
            SourceType: '',
            BaseImagePulled: false,
            Rebuilt: true,
            BuildTime: '0.00',
            Commit: '',
          },
        ],
      },
    ]),
  );
  const text = JSON.stringify(
    { Runtime: { Backend: 'docker', InContainer: false }, Images: records, ImagesByPlatform: {} },
    null,
    '\t',
  );
  // Nanosecond timestamps are JSON numbers beyond a double's precision: written as digits, as Go does.
  return `${text.replace(/"@ns(\d+)@"/g, '$1')}\n`;
}

// What werf prints per image (shortened): the log the action streams.
function buildLog(images: RecordedImage[]): string {
  return images
    .map(
      (i) =>
        `┌ ⛵ image ${i.name}\n│      name: ${i.repo}:${i.tag}\n│    digest: ${i.digest}\n└ ⛵ image ${i.name} (0.00 seconds)`,
    )
    .join('\n');
}

/**
 * The replaying werf: a `/bin/sh` script with the report and the log inside (printf is a shell builtin, so replaying
 * forks nothing). It keeps the contract where the action sees it: `werf version`; `cr login` (cobra's errors for a
 * missing --username or password, the password read from stdin as it is, the entry stored in --docker-config's
 * config.json: the benchmark logs into one registry, so the file holds that entry only) without checking the
 * credentials over the network; `cr logout` erasing it; `build`/`converge` writing the report to
 * --build-report-path (`.json`) with --save-build-report. Anything else is werf's `unknown command`/`unknown flag`.
 */
export function replayingWerf(report: string, log: string): string {
  for (const [what, text] of [
    ['report', report],
    ['log', log],
  ]) {
    if (text!.includes("'")) throw new Error(`the recorded ${what} holds a single quote: it cannot be replayed as is`);
  }
  return `#!/bin/sh
# REPLAYING werf for the benchmark (NOT werf; written by bench/recorded-build.ts): answers the action's calls by
# replaying one recorded build and pushes nothing.
case "$1" in
version) printf '%s\\n' 'v${REPLAYED_WERF_VERSION}' ;;
cr)
  sub=$2
  shift 2
  user= password= stdin= host=index.docker.io
  config=\${WERF_DOCKER_CONFIG:-\${DOCKER_CONFIG:-$HOME/.docker}}
  while [ $# -gt 0 ]; do
    case "$1" in
    -u | --username) user=$2; shift ;;
    --username=*) user=\${1#*=} ;;
    -p | --password) password=$2; shift ;;
    --password=*) password=\${1#*=} ;;
    --password-stdin) stdin=1 ;;
    --docker-config) config=$2; shift ;;
    --docker-config=*) config=\${1#*=} ;;
    --insecure-registry | --log-*) ;;
    -*) printf 'Error: unknown flag: %s\\n' "$1" >&2; exit 1 ;;
    *) host=$1 ;;
    esac
    shift
  done
  case "$sub" in
  login)
    [ -n "$user" ] || { echo 'Error: provide --username' >&2; exit 1; }
    if [ -n "$stdin" ]; then
      [ -z "$password" ] || { echo 'Error: --password and --password-stdin could not be used at the same time' >&2; exit 1; }
      IFS= read -r password || true
    fi
    [ -n "$password" ] || { echo 'Error: provide --password or --password-stdin' >&2; exit 1; }
    umask 077
    [ -d "$config" ] || mkdir -p "$config"
    auth=$(printf '%s:%s' "$user" "$password" | base64 -w0)
    printf '{"auths":{"%s":{"auth":"%s"}}}\\n' "$host" "$auth" >"$config/config.json"
    echo 'Successful login' ;;
  logout)
    [ ! -f "$config/config.json" ] || printf '{"auths":{}}\\n' >"$config/config.json"
    echo 'Successful logout' ;;
  *) printf 'Error: unknown command "%s" for "werf cr"\\n' "$sub" >&2; exit 1 ;;
  esac ;;
build | converge)
  save= report= previous=
  for arg; do
    case "$previous" in --build-report-path) report=$arg ;; esac
    case "$arg" in
    --save-build-report) save=1 ;;
    --build-report-path=*) report=\${arg#*=} ;;
    esac
    previous=$arg
  done
  case "$report" in
  *.json) ;;
  *) echo 'Error: the replaying werf writes a .json --build-report-path only' >&2; exit 1 ;;
  esac
  printf '%s\\n' '${log}'
  [ -z "$save" ] || printf '%s' '${report}' >"$report" ;;
*) printf 'Error: unknown command "%s" for "werf"\\n' "$1" >&2; exit 1 ;;
esac
`;
}

/**
 * The action's inputs the benchmark runs with: the recorded build's repositories, the registry's credentials and CA,
 * `command: build`, `verify-manifests: true`, `verify-pull: off`, the replaying werf as `werf-path`.
 */
export function benchInputs(build: RecordedBuild, reg: Registry): Record<string, string> {
  return {
    repo: build.stagesRepo,
    'final-repo': build.finalRepo,
    username: reg.username,
    password: reg.password,
    'ca-cert': reg.ca!.certPem,
    command: 'build',
    'verify-pull': 'off',
    'verify-manifests': 'true',
    'werf-path': build.werf,
  };
}

/** One HTTP request of the floor: what the action must ask the registry at the least. */
export interface FloorRequest {
  method: 'GET' | 'HEAD';
  path: string;
  accept?: string;
}

/**
 * The fewest requests that do what the action promises for this build with `verify-manifests: true`, Basic auth and
 * `verify-pull: off`: one authorized GET /v2/ (the credential check before the build; Basic needs no challenge
 * round trip when sent up front), and per image a GET of its manifest (digest and body) and of its config (exists,
 * and names the platform), and one HEAD per distinct layer per repository.
 */
export function floorRequests(build: RecordedBuild): FloorRequest[] {
  const requests: FloorRequest[] = [{ method: 'GET', path: '/v2/' }];
  const headed = new Set<string>();
  for (const img of build.images) {
    const path = img.repo.slice(img.repo.indexOf('/') + 1);
    requests.push({ method: 'GET', path: `/v2/${path}/manifests/${img.tag}`, accept: MANIFEST_ACCEPT });
    requests.push({ method: 'GET', path: `/v2/${path}/blobs/${img.config}` });
    for (const layer of img.layers) {
      if (headed.has(`${path}@${layer}`)) continue;
      headed.add(`${path}@${layer}`);
      requests.push({ method: 'HEAD', path: `/v2/${path}/blobs/${layer}` });
    }
  }
  return requests;
}

/**
 * A curl config (`curl --parallel -K FILE`) for the floor's requests to `url`: the CA file, Basic credentials (in
 * the file, not in argv), each answer's status and HTTP version on one line of stdout.
 */
export function curlConfig(
  requests: FloorRequest[],
  o: { url: string; caFile: string; user: string; password: string },
): string {
  const q = (s: string) => JSON.stringify(s);
  const common = [
    `cacert = ${q(o.caFile)}`,
    `user = ${q(`${o.user}:${o.password}`)}`,
    'output = "/dev/null"',
    'write-out = "%{http_code} %{http_version}\\n"',
    'silent',
  ];
  return `${requests
    .map((r) =>
      [
        `url = ${q(o.url + r.path)}`,
        ...(r.method === 'HEAD' ? ['head'] : []),
        ...(r.accept ? [`header = ${q(`Accept: ${r.accept}`)}`] : []),
        ...common,
      ].join('\n'),
    )
    .join('\nnext\n')}\n`;
}
