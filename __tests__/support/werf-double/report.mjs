// werf's build report: json.MarshalIndent(report, "", "\t") of its Go structs, plus a newline, or the .env form.

// Go's encoding/json writes a map's keys sorted (struct fields keep their declared order).
const sortedKeys = (map) =>
  Object.fromEntries(
    Object.keys(map)
      .sort()
      .map((k) => [k, map[k]]),
  );

/**
 * Renders the report (`format` 'json' or 'env') of `images` ({name: record}) and `byPlatform` ({name: {platform:
 * record}}, filled only with WERF_ENABLE_REPORT_BY_PLATFORM=1). `newer` writes what newer werf versions add: the
 * werf version in Runtime, and the Operations and StageCache summaries. CreatedAt may be a BigInt (ns).
 */
export function renderReport({ images, byPlatform, newer }, format) {
  if (format === 'env') {
    const lines = Object.values(images).map(
      (r) => `WERF_${r.WerfImageName.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_DOCKER_IMAGE_NAME=${r.DockerImageName}`,
    );
    return `${lines.sort().join('\n')}\n`;
  }
  const report = {
    Runtime: { ...(newer ? { WerfVersion: newer.werfVersion } : {}), Backend: 'docker', InContainer: false },
    Images: sortedKeys(images),
    ImagesByPlatform: sortedKeys(Object.fromEntries(Object.entries(byPlatform).map(([n, m]) => [n, sortedKeys(m)]))),
  };
  if (newer) {
    const pushes = newer.pushSeconds;
    const total = pushes.reduce((a, b) => a + b, 0);
    report.Operations = {
      'image push': {
        Count: pushes.length,
        TotalTimeSeconds: total,
        WallTimeSeconds: total,
        AvgTimeSeconds: pushes.length ? total / pushes.length : 0,
        MaxTimeSeconds: Math.max(0, ...pushes),
      },
    };
    report.StageCache = { built: pushes.length };
  }
  // Nanosecond timestamps exceed a double's precision: write their digits verbatim, as Go does.
  const text = JSON.stringify(report, (_k, v) => (typeof v === 'bigint' ? `\u0000${v}\u0000` : v), '\t');
  return `${text.replace(/"\\u0000(\d+)\\u0000"/g, '$1')}\n`;
}
