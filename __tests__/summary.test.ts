import { describe, expect, test } from '@jest/globals';
import { renderDaemon, renderSummary } from '../src/summary.js';
import type { DaemonReport } from '../src/daemon/index.js';

const digest = `sha256:${'ab'.repeat(32)}`;
const images = {
  backend: {
    image: `r.example.com/shop:${'c'.repeat(56)}-1700000000000`,
    digest,
    ref: `r.example.com/shop@${digest}`,
    platforms: ['linux/amd64'],
  },
};

describe('renderSummary', () => {
  test('a shipped run: the images with short digest and platforms, the pull check, each stage with its time', () => {
    const md = renderSummary({
      command: 'converge',
      images,
      verified: true,
      problems: [],
      pullCheck: {
        mode: 'cluster',
        verdict: 'pullable',
        results: [{ image: 'backend', node: 'node-1', ok: true, reason: 'the node pulled it', remediation: '' }],
      },
      stages: [
        { stage: 'install werf', seconds: 1.234, ok: true },
        { stage: 'node pull check', seconds: 3, ok: true },
      ],
    });
    expect(md).toContain('## werf converge\n\n✅ Shipped.');
    expect(md).toContain(
      `| backend | \`${images.backend.image}\` | \`sha256:abababababab\` | linux/amd64 | ✅ verified |`,
    );
    expect(md).toContain('### Can the nodes pull it? (cluster: pullable)');
    expect(md).toContain('| backend | node-1 | ✅ pullable | the node pulled it |  |');
    expect(md).toContain('| install werf | 1.2 s | ✅ |');
  });

  test('the registry mode says whose credentials it sent, one line per registry, escaped', () => {
    const md = renderSummary({
      command: 'build',
      problems: [],
      stages: [],
      pullCheck: {
        mode: 'registry',
        verdict: 'pullable',
        results: [
          {
            image: 'app',
            ok: true,
            reason:
              "pulled with the login's credentials in place of secret regcred (linux/amd64, node-trust: system, the login's credentials in place of secret regcred)",
            remediation: '',
          },
        ],
        credentials: [
          "r.example.com: the login's credentials stood in for secret regcred, which the check did not read: <no kubeconfig>.",
        ],
      },
    });
    expect(md).toContain(
      "### Can the nodes pull it? (registry: pullable)\n\nCredentials sent to r.example.com: the login's credentials stood in for secret regcred, which the check did not read: &lt;no kubeconfig&gt;.\n\n| image |",
    );
  });

  test('a failed run: the failure line first, escaped for markdown; problems listed; a failed stage marked', () => {
    const md = renderSummary({
      command: 'build',
      images,
      verified: false,
      problems: ['Image backend: the layer blob sha256:1 is missing from r.example.com/shop'],
      stages: [{ stage: 'verify manifests', seconds: 0.5, ok: false }],
      failure: 'werf build failed: <x509> | see above',
    });
    expect(md).toContain('❌ werf build failed: &lt;x509&gt; \\| see above');
    expect(md).toContain('❌ not verified');
    expect(md).toContain('### Problems\n\n- Image backend: the layer blob sha256:1 is missing from r.example.com/shop');
    expect(md).toContain('| verify manifests | 0.5 s | ❌ |');
    expect(md).not.toContain('Can the nodes pull it?');
  });

  test('which werf ran and how it was checked; a local `dev` build is said to be of unknown version', () => {
    const tuf = renderSummary({
      command: 'converge',
      problems: [],
      stages: [],
      werf: {
        path: '/opt/hostedtoolcache/werf/2.75.3/x64/werf',
        version: '2.75.3',
        provenance: 'verified through TUF from https://tuf.werf.io (root pinned at version 12)',
      },
    });
    expect(tuf).toContain(
      '✅ Shipped.\n\nwerf 2.75.3: verified through TUF from https://tuf.werf.io (root pinned at version 12).\n',
    );
    const dev = renderSummary({
      command: 'build',
      problems: [],
      stages: [],
      werf: { path: '/w/werf', version: 'dev', provenance: 'werf-path /w/werf (a local build)' },
    });
    expect(dev).toContain('werf of unknown version (`werf version` says `dev`): werf-path /w/werf (a local build).');
    expect(renderSummary({ command: 'build', problems: [], stages: [] })).not.toMatch(/^werf /m);
  });

  test('each image with its own verdict: verified, not in the registry, or could not be checked and why', () => {
    const three = {
      backend: images.backend,
      frontend: { ...images.backend, image: 'r.example.com/shop:f' },
      worker: { ...images.backend, image: 'r.example.com/shop:w' },
    };
    const md = renderSummary({
      command: 'build',
      images: three,
      verified: false,
      problems: [
        'Image frontend (r.example.com/shop:f): not in the registry as werf reported: the layer blob sha256:1 is missing',
        'Image worker (r.example.com/shop:w): could not be checked (registry busy): HEAD … answered 503',
      ],
      checks: {
        backend: { verdict: 'verified' },
        frontend: { verdict: 'not-in-registry', label: 'frontend', detail: 'the layer blob sha256:1 is missing' },
        worker: { verdict: 'unchecked', reason: 'registry busy', label: 'worker', detail: 'HEAD … answered 503' },
      },
      stages: [],
      failure: '1 of 3 images is not in the registry as werf reported, and 1 could not be checked (registry busy).',
    });
    expect(md).toMatch(/\| backend \| .* \| ✅ verified \|/);
    expect(md).toMatch(/\| frontend \| .* \| ❌ not in the registry as werf reported \|/);
    expect(md).toMatch(/\| worker \| .* \| ⚠️ could not be checked \(registry busy\) \|/);
    expect(md).toContain(
      '- Image worker (r.example.com/shop:w): could not be checked (registry busy): HEAD … answered 503',
    );
  });

  test('verification not run: "not checked"; no images, no images table', () => {
    expect(renderSummary({ command: 'build', images, problems: [], stages: [] })).toContain('| not checked |');
    expect(renderSummary({ command: 'build', problems: [], stages: [] })).not.toContain('### Images');
  });

  test("names from werf's report, the cluster and error texts cannot add markup, links, cells or lines", () => {
    const hostile = 'x` <img src=//e.example/t.png> ![i](//e.example/p) [l](javascript:x) | y\n# h **b** @team';
    const md = renderSummary({
      command: 'converge',
      images: {
        [hostile]: {
          image: `r.example.com/shop:\`\`${hostile}`,
          digest: `sha256:\`${hostile}`,
          ref: 'r.example.com/shop@sha256:1',
          platforms: [hostile],
        },
      },
      verified: false,
      problems: [hostile],
      pullCheck: {
        mode: 'cluster',
        verdict: 'not-pullable',
        results: [{ image: hostile, node: hostile, ok: false, reason: hostile, remediation: hostile }],
      },
      stages: [{ stage: hostile, seconds: 1, ok: false }],
      failure: hostile,
    });
    const escaped =
      'x\\` &lt;img src=//e.example/t.png&gt; \\!\\[i\\](//e.example/p) \\[l\\](javascript:x) \\| y<br># h \\*\\*b\\*\\* @team';
    expect(md).toContain(`❌ ${escaped}\n`);
    expect(md).toContain(`- ${escaped}\n`);
    expect(md).toContain(`| ${escaped} | ${escaped} | ❌ not pulled | ${escaped} | ${escaped} |`);
    expect(md).toContain(`| ${escaped} | 1.0 s | ❌ |`);
    // In a code span, fenced with more backticks than the text holds; the `|` escaped for the table.
    expect(md).toContain(
      `| ${escaped} | \`\`\`r.example.com/shop:\`\`x\` <img src=//e.example/t.png> ![i](//e.example/p) [l](javascript:x) \\| y # h **b** @team\`\`\` | \`\`sha256:\`x\` <img src\`\` | ${escaped} | ❌ not verified |`,
    );
    // Raw text only in the two code spans: no other <img, and no heading but ours.
    expect(md.split('<img')).toHaveLength(3);
    expect(md.split('\n').filter((l) => l.startsWith('#'))).toEqual([
      '## werf converge',
      '### Images',
      '### Problems',
      '### Can the nodes pull it? (cluster: not-pullable)',
      '### Stages',
    ]);
  });

  test('what the Docker daemon stage did: the entry configure added for the job, to be undone in post', () => {
    const configured: DaemonReport = {
      state: 'checked',
      address: 'unix:///var/run/docker.sock',
      treatments: {
        'r.example.com:5000': { insecure: true, because: 'its insecure-registries lists r.example.com:5000' },
      },
      plan: {
        fine: [
          {
            host: 'r.example.com:5000',
            because: 'insecure for the daemon: its insecure-registries lists r.example.com:5000',
          },
        ],
        problems: [],
        insecureToAdd: [],
      },
      configured: {
        file: '/etc/docker/daemon.json',
        entries: [{ host: 'r.example.com:5000', outcome: 'extended', reloadMs: 12 }],
      },
    };
    const md = renderSummary({ command: 'build', problems: [], stages: [], daemon: configured });
    expect(md).toContain(
      [
        '### Docker daemon',
        '',
        'Checked at `unix:///var/run/docker.sock` before the build:',
        '',
        '- ✅ `r.example.com:5000`: insecure for the daemon: its insecure-registries lists r.example.com:5000.',
        '- Added `r.example.com:5000` to insecure-registries in `/etc/docker/daemon.json` for this job and reloaded the daemon; the post step takes it out again.',
        '',
      ].join('\n'),
    );
    const entry = (outcome: 'shared' | 'unchanged') =>
      renderDaemon({ ...configured, configured: { file: '/d.json', entries: [{ host: 'h:1', outcome }] } }).at(-1);
    expect(entry('shared')).toBe(
      '- Shares the entry `h:1` in insecure-registries of `/d.json` with another job on this runner; it stays until the last job that needs it is done.',
    );
    expect(entry('unchanged')).toBe(
      "- `/d.json` lists `h:1` in insecure-registries already (the runner's own entry): nothing written, never taken out.",
    );
  });

  test('the Docker daemon stage skipped and why, or not reachable and why; no section when the run stopped before it', () => {
    expect(renderDaemon({ state: 'skipped', reason: 'off' })).toEqual(['Not looked at (docker-daemon: off).']);
    expect(renderDaemon({ state: 'skipped', reason: 'buildah' })).toEqual([
      'Not used: werf builds with Buildah (WERF_BUILDAH_MODE), no Docker daemon pushes the stages.',
    ]);
    expect(
      renderDaemon({ state: 'unreachable', address: 'unix:///run/x|y.sock', reason: 'connect ENOENT <socket>' }),
    ).toEqual(['Could not be checked at `unix:///run/x\\|y.sock`: connect ENOENT &lt;socket&gt;.']);
    expect(renderSummary({ command: 'build', problems: [], stages: [] })).not.toContain('Docker daemon');
  });
});
