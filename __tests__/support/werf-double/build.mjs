// `werf build` / `werf converge` of the double: werf's flags, late repo validation, and the two pushers of werf's
// Docker backend - stages to --repo through the Docker daemon (a real one when it is there: docker load + docker
// push; else emulated with skopeo and the daemon's trust knobs), then werf's own client reading them and copying to
// --final-repo (Go trust of the werf process, skopeo) - all real pushes; the deploy is emulated.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { dockerConfigDir } from './docker-config.mjs';
import { dockerCertsDir, goGet, goSystemRoots } from './go-tls.mjs';
import { contentDigest, writeOciLayout } from './oci-image.mjs';
import { pushThroughDaemon, reachableDaemon } from './docker-daemon.mjs';
import { renderReport } from './report.mjs';
import { WerfError, parseFlags, werfVersion } from './cli.mjs';
import {
  COMMON_FLAGS,
  CONVERGE_FLAGS,
  checkRepo,
  daemonInsecure,
  imagesOf,
  readWerfConfig,
  repoHost,
} from './build-config.mjs';
import { emulateDeploy } from './deploy.mjs';

// skopeo logs `level=fatal msg="..."`; werf (Go) would show the same cause, from `Get "` on when there is one.
// `goPrefix`: werf's newer Go words x509 failures "tls: failed to verify certificate: x509: ..."; dockerd 20.10 does not.
function skopeoCause(stderr, goPrefix = true) {
  const m = /msg="((?:[^"\\]|\\.)*)"/.exec(stderr);
  let msg = m ? m[1].replace(/\\(.)/g, '$1') : stderr.trim();
  const get = msg.search(/(?:Get|Head|Put|Post|Patch) "https?:\/\//);
  if (get >= 0) msg = msg.slice(get);
  // skopeo is built with an older Go; werf's Go prefixes x509 failures like this.
  if (goPrefix && msg.includes('x509:') && !msg.includes('tls: failed to verify certificate'))
    msg = msg.replace('x509:', 'tls: failed to verify certificate: x509:');
  return msg;
}

function skopeo(args, env, what, goPrefix = true) {
  const r = spawnSync('skopeo', args, { env, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw new WerfError(`${what}: ${r.error.message}`);
  if (r.status !== 0) throw new WerfError(`${what}: ${skopeoCause(r.stderr, goPrefix)}`);
  return r.stdout;
}

/** `os/architecture[/variant]` of a manifest list entry's platform. */
const platformOf = (p) => (p ? [p.os, p.architecture, p.variant].filter(Boolean).join('/') : '');

// werf's own registry client touches --repo/--final-repo first (Go trust). --skip-tls-verify-registry turns off
// verification; --insecure-registry alone does not: it lets the client fall back to plain HTTP when HTTPS fails.
// Returns whether the client then speaks verified HTTPS to the registry (skopeo's --tls-verify for its later steps).
async function werfClientPing(repo, o) {
  const host = repoHost(repo);
  try {
    await goGet(`https://${host}/v2/`, { roots: goSystemRoots(), skipVerify: o.skipVerify });
    return !o.skipVerify;
  } catch (err) {
    if (!o.insecure) throw new WerfError(`unable to fetch tags for repo "${repo}": ${err.message}`);
    // Both schemes' errors, joined as go-containerregistry's ping does; an HTTPS server answers plain HTTP with 400.
    let second;
    try {
      const res = await goGet(`http://${host}/v2/`, {});
      if (res.status === 200 || res.status === 401) return false;
      second = `GET http://${host}/v2/: unexpected status code ${res.status}`;
    } catch (err2) {
      second = err2.message;
    }
    throw new WerfError(`unable to fetch tags for repo "${repo}": ${err.message}; ${second}`);
  }
}

/** `werf build` and `werf converge`. */
export async function buildOrConverge(command, argv, out) {
  const { flags, args } = parseFlags(argv, command === 'converge' ? CONVERGE_FLAGS : COMMON_FLAGS);
  if (command === 'converge' && args.length) throw new WerfError(`unknown command "${args[0]}" for "werf converge"`);

  let reportPath = flags['build-report-path'] || '.werf-build-report.json';
  let reportFormat = 'json';
  if (flags['build-report-path']) {
    const ext = /\.[^./]*$/.exec(reportPath)?.[0] ?? '';
    if (ext === '.env') reportFormat = 'env';
    else if (ext === '') reportPath += '.json';
    else if (ext !== '.json')
      throw new WerfError(
        `invalid --build-report-path "${reportPath}": extension must be either .json or .env or unspecified`,
      );
  }

  const werfYaml = readWerfConfig(flags);
  let images = imagesOf(werfYaml);
  if (command === 'build' && args.length) {
    for (const a of args)
      if (!images.some((i) => i.name === a)) throw new WerfError(`image "${a}" not defined in werf.yaml`);
    images = images.filter((i) => args.includes(i.name));
  }

  const repo = flags.repo;
  const finalRepo = flags['final-repo'];
  if (!repo) throw new WerfError('--repo=ADDRESS param required');
  checkRepo(repo, 'stages');
  if (finalRepo) checkRepo(finalRepo, 'final');

  const insecure = flags['insecure-registry'];
  const skipVerify = flags['skip-tls-verify-registry'];
  const repoVerified = await werfClientPing(repo, { insecure, skipVerify });
  const finalVerified = finalRepo ? await werfClientPing(finalRepo, { insecure, skipVerify }) : repoVerified;

  const platforms = flags.platform.length ? flags.platform : ['linux/amd64'];
  const multi = platforms.length > 1;
  const reportByPlatform = process.env.WERF_ENABLE_REPORT_BY_PLATFORM === '1';
  const configDir = dockerConfigDir(flags['docker-config']);
  const work = mkdtempSync(join(tmpdir(), 'werf-double-'));
  try {
    const authfile = join(configDir, 'config.json');
    const auth = existsSync(authfile) ? authfile : join(work, 'empty-auth.json');
    if (auth !== authfile) writeFileSync(auth, '{"auths":{}}');
    const emptyCerts = join(work, 'no-certs');
    // The daemon does not see the werf process's env; werf's client (like skopeo, Go) honours SSL_CERT_*.
    const daemonEnv = { ...process.env };
    delete daemonEnv.SSL_CERT_FILE;
    delete daemonEnv.SSL_CERT_DIR;
    // skopeo's --tls-verify=false is werf's client on plain HTTP (after its fallback) or with --skip-tls-verify-registry.
    const werfTlsVerify = repoVerified;

    const records = {};
    const byPlatform = {};
    const pushSeconds = [];
    const daemonTls = (host) => [
      '--authfile',
      auth,
      '--src-cert-dir',
      join(dockerCertsDir(), host),
      '--dest-cert-dir',
      join(dockerCertsDir(), host),
      ...(daemonInsecure(host) ? ['--src-tls-verify=false', '--dest-tls-verify=false'] : []),
    ];
    for (const img of images) {
      const started = Date.now();
      const digest56 = contentDigest(werfYaml, img.name, platforms);
      const tag = `${digest56}-${started}`;
      out(`┌ ⛵ image ${img.name}\n`);
      const layout = writeOciLayout(join(work, img.name.replace(/[^a-zA-Z0-9_.-]/g, '_')), {
        tag,
        imageName: img.name,
        digest: digest56,
        platforms,
      });
      const host = repoHost(repo);
      const stageRef = `${repo}:${tag}`;
      const daemon = reachableDaemon();
      if (daemon) {
        // The daemon holds one platform per tag: each platform goes through it; several are then listed under the
        // stage tag by werf's own client (the list, and its images again, from the layout).
        for (const platform of platforms) {
          const ref = multi ? `${stageRef}-${platform.replace(/\//g, '-')}` : stageRef;
          pushThroughDaemon({ host: daemon, configDir, ref, imageName: img.name, digest: digest56, platform }, out);
        }
        if (multi)
          skopeo(
            ['copy', '-q', '--format', 'v2s2', '--all', '--authfile', auth, '--dest-cert-dir', emptyCerts,
              `--dest-tls-verify=${werfTlsVerify}`, layout.ref, `docker://${stageRef}`],
            process.env,
            `unable to push image ${stageRef}`,
          ); // prettier-ignore
        out(`│ Pushed ${stageRef} (through the Docker daemon at ${daemon})\n`);
      } else {
        // No daemon here: its push emulated with skopeo and the daemon's trust as the knobs describe it.
        skopeo(
          [
            'copy',
            '-q',
            '--format',
            'v2s2',
            ...(multi ? ['--all'] : []),
            '--authfile',
            auth,
            '--dest-cert-dir',
            join(dockerCertsDir(), host),
            ...(daemonInsecure(host) ? ['--dest-tls-verify=false'] : []),
            layout.ref,
            `docker://${stageRef}`,
          ],
          daemonEnv,
          `unable to push image "${stageRef}"`,
          false,
        );
        out(`│ Pushed ${stageRef} (through the Docker daemon, emulated)\n`);
      }
      const raw = skopeo(
        [
          'inspect',
          '--raw',
          '--authfile',
          auth,
          '--cert-dir',
          emptyCerts,
          `--tls-verify=${werfTlsVerify}`,
          `docker://${stageRef}`,
        ],
        process.env,
        `unable to get manifest of image ${stageRef}`,
      );
      const stageDigest = `sha256:${createHash('sha256').update(raw).digest('hex')}`;
      // Several platforms: werf builds an image per platform (tagged in --repo with a content digest of its own) and
      // joins them in a manifest list; here the list's children get those tags.
      const platformImages = {};
      if (multi) {
        const children = JSON.parse(raw).manifests ?? [];
        for (const p of platforms) {
          const child = children.find((c) => platformOf(c.platform) === p);
          const platformTag = `${contentDigest(werfYaml, img.name, [p])}-${started}`;
          skopeo(
            [
              'copy',
              '-q',
              '--preserve-digests',
              ...daemonTls(host),
              `docker://${repo}@${child.digest}`,
              `docker://${repo}:${platformTag}`,
            ],
            daemonEnv,
            `unable to push image ${repo}:${platformTag}`,
          );
          platformImages[p] = { tag: platformTag, digest: child.digest, ...layout.byPlatform[p] };
        }
      }
      let final = { repo, digest: stageDigest };
      if (finalRepo) {
        const finalRef = `${finalRepo}:${tag}`;
        const digestFile = join(work, `${tag}.final.digest`);
        skopeo(
          [
            'copy',
            '-q',
            '--all',
            '--authfile',
            auth,
            '--src-cert-dir',
            emptyCerts,
            '--dest-cert-dir',
            emptyCerts,
            `--src-tls-verify=${werfTlsVerify}`,
            `--dest-tls-verify=${finalVerified}`,
            '--digestfile',
            digestFile,
            `docker://${stageRef}`,
            `docker://${finalRef}`,
          ],
          process.env,
          `unable to copy image ${stageRef} to ${finalRef}`,
        );
        final = { repo: finalRepo, digest: readFileSync(digestFile, 'utf8').trim() };
        out(`│ Copied to final repo ${finalRef}\n`);
      }
      const seconds = ((Date.now() - started) / 1000).toFixed(2);
      pushSeconds.push(Number(seconds));
      out(
        `│      name: ${final.repo}:${tag}\n│    digest: ${final.digest}\n└ ⛵ image ${img.name} (${seconds} seconds)\n`,
      );
      const createdAtNs = BigInt(started) * 1000000n;
      const stageName = img.configType === 'dockerfile' ? 'dockerfile' : 'from';
      const stage = (name, stageTag, digest, imageId, size) => ({
        Name: name,
        DockerImageName: `${repo}:${stageTag}`,
        DockerTag: stageTag,
        DockerImageID: imageId,
        DockerImageDigest: digest,
        CreatedAt: createdAtNs,
        Size: size,
        SourceType: '',
        BaseImagePulled: false,
        Rebuilt: true,
        BuildTime: seconds,
        Commit: '',
      });
      const record = (fields) => ({
        WerfImageName: img.name,
        ConfigType: fields.configType,
        DockerRepo: fields.repo,
        DockerTag: fields.tag,
        DockerImageID: fields.imageId,
        DockerImageDigest: fields.digest,
        DockerImageName: `${fields.repo}:${fields.tag}`,
        TargetPlatform: fields.platform,
        Rebuilt: true,
        Final: true,
        Size: fields.size,
        BuildTime: seconds,
        Commit: '',
        Stages: fields.stages,
      });
      if (!multi) {
        // One platform: the one asked for, else the runtime's (the double builds linux/amd64).
        records[img.name] = record({
          configType: img.configType,
          repo: final.repo,
          tag,
          imageId: layout.imageId,
          digest: final.digest,
          platform: platforms[0],
          size: layout.size,
          stages: [stage(stageName, tag, stageDigest, layout.imageId, layout.size)],
        });
        if (reportByPlatform) byPlatform[img.name] = { [platforms[0]]: records[img.name] };
      } else {
        // The manifest list: TargetPlatform "" and no ConfigType (werf leaves it unset), each platform's stages
        // named with the platform.
        records[img.name] = record({
          configType: '',
          repo: final.repo,
          tag,
          imageId: layout.imageId,
          digest: final.digest,
          platform: '',
          size: layout.size,
          stages: platforms.map((p) => {
            const pi = platformImages[p];
            return stage(`${stageName} (${p})`, pi.tag, pi.digest, pi.imageId, pi.size);
          }),
        });
        if (reportByPlatform)
          byPlatform[img.name] = Object.fromEntries(
            platforms.map((p) => {
              const pi = platformImages[p];
              const stages = [stage(stageName, pi.tag, pi.digest, pi.imageId, pi.size)];
              const fields = { configType: img.configType, repo, tag: pi.tag, imageId: pi.imageId, digest: pi.digest };
              return [p, record({ ...fields, platform: p, size: pi.size, stages })];
            }),
          );
      }
    }
    if (flags['save-build-report']) {
      const newer = process.env.WERF_DOUBLE_NEWER_REPORT === '1' ? { werfVersion: werfVersion(), pushSeconds } : null;
      const report = renderReport({ images: records, byPlatform, newer }, reportFormat);
      writeFileSync(resolve(reportPath), report, { mode: 0o644 });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  if (command === 'converge') emulateDeploy(flags, werfYaml, out);
}
