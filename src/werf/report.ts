import { ActionError } from '../errors.js';

/** One stage of an image as werf stored it in `--repo`. */
export interface ReportStage {
  name: string;
  imageName: string;
  tag: string;
  digest: string;
  imageId: string;
  rebuilt: boolean;
}

/** One image of werf's build report, in the words the verification stage uses. */
export interface ReportImage {
  /** werf's image name from werf.yaml */
  name: string;
  /** the repository it was pushed to (`--final-repo` for a final image when set, else `--repo`) */
  repo: string;
  tag: string;
  /** manifest (or index, for several platforms) digest; '' from werf versions that did not report it */
  digest: string;
  /** `repo:tag` */
  imageName: string;
  /** false for `final: false` images (intermediate, only in `--repo`) */
  final: boolean;
  /**
   * e.g. ['linux/amd64']: a single-platform image's TargetPlatform; for a manifest list (TargetPlatform "") its
   * ImagesByPlatform keys or the platforms its stage names end with; [] when the report does not say (the registry
   * does)
   */
  platforms: string[];
  stages: ReportStage[];
}

/** werf's build report, parsed: the images (werf writes them sorted by name), and the build backend when named. */
export interface BuildReport {
  images: ReportImage[];
  /** `docker` (the daemon pushes stages) or `buildah`; undefined from werf versions without `Runtime` */
  backend?: string;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string => (typeof v === 'string' ? v : '');
const PLATFORM = '[a-z0-9]+/[a-z0-9_]+(?:/[a-z0-9]+)?';
const PLATFORM_RE = new RegExp(`^${PLATFORM}$`);
// A stage of a manifest list's platform image: `from (linux/arm64)`.
const STAGE_OF_PLATFORM_RE = new RegExp(`^.+ \\((${PLATFORM})\\)$`);

/**
 * Parses werf's build report (`--save-build-report`, JSON with Go field names) tolerantly: unknown keys (newer
 * versions add `Operations`, `StageCache`, ...) are ignored and fields that older werf versions did not write
 * (`DockerImageDigest`, `Final`, `Stages`, `Runtime`, `ImagesByPlatform`) get safe defaults. Throws an ActionError
 * when the text is not a JSON object.
 */
export function parseBuildReport(json: string): BuildReport {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (err) {
    throw new ActionError("werf's build report is not JSON: is the werf version too old or too new for this action?", {
      details: (err as Error).message,
    });
  }
  if (!isObject(raw)) throw new ActionError("werf's build report is not a JSON object: is the werf version supported?");
  const byPlatform = isObject(raw.ImagesByPlatform) ? raw.ImagesByPlatform : {};
  const images = Object.entries(isObject(raw.Images) ? raw.Images : {})
    .filter((entry): entry is [string, Json] => isObject(entry[1]))
    .map(([key, record]) => reportImage(key, record, byPlatform[key]));
  const backend = isObject(raw.Runtime) ? text(raw.Runtime.Backend) : '';
  return backend ? { images, backend } : { images };
}

function reportImage(key: string, r: Json, platformRecords: unknown): ReportImage {
  let repo = text(r.DockerRepo);
  let tag = text(r.DockerTag);
  const imageName = text(r.DockerImageName) || (repo && tag ? `${repo}:${tag}` : '');
  if ((!repo || !tag) && imageName) {
    // Older reports: only the full name. The tag follows the last ':' after the last '/' (a port is not a tag).
    const colon = imageName.lastIndexOf(':');
    if (colon > imageName.lastIndexOf('/')) {
      repo ||= imageName.slice(0, colon);
      tag ||= imageName.slice(colon + 1);
    }
  }
  return {
    name: text(r.WerfImageName) || key,
    repo,
    tag,
    digest: text(r.DockerImageDigest),
    imageName,
    // werf before `final: false` existed wrote only final images.
    final: r.Final !== false,
    platforms: platformsOf(r, platformRecords),
    stages: Array.isArray(r.Stages) ? r.Stages.filter(isObject).map(reportStage) : [],
  };
}

// A single-platform record names its platform (the runtime's when no --platform was given). A manifest list's record
// has TargetPlatform "": its platforms are the keys of its ImagesByPlatform entry (only with
// WERF_ENABLE_REPORT_BY_PLATFORM=1), else the suffixes of its stage names.
function platformsOf(r: Json, platformRecords: unknown): string[] {
  const target = text(r.TargetPlatform);
  if (target) return [target];
  const named = isObject(platformRecords) ? Object.keys(platformRecords).filter((p) => PLATFORM_RE.test(p)) : [];
  const fromStages = Array.isArray(r.Stages)
    ? r.Stages.filter(isObject).map((s) => STAGE_OF_PLATFORM_RE.exec(text(s.Name))?.[1] ?? '')
    : [];
  return [...new Set(named.length > 0 ? named : fromStages.filter((p) => p !== ''))].sort();
}

function reportStage(s: Json): ReportStage {
  return {
    name: text(s.Name),
    imageName: text(s.DockerImageName),
    tag: text(s.DockerTag),
    digest: text(s.DockerImageDigest),
    imageId: text(s.DockerImageID),
    rebuilt: s.Rebuilt === true,
  };
}
