// werf's build report: json.MarshalIndent(report, "", "\t") with Go field names, or the .env form.

/** Renders the report for the images' records (`format` 'json' or 'env'). CreatedAt may be a BigInt (ns). */
export function renderReport(records, format) {
  if (format === 'env') {
    const lines = Object.values(records).map(
      (r) => `WERF_${r.WerfImageName.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_DOCKER_IMAGE_NAME=${r.DockerImageName}`,
    );
    return `${lines.sort().join('\n')}\n`;
  }
  const report = { Runtime: { Backend: 'docker', InContainer: false }, Images: records, ImagesByPlatform: {} };
  // Nanosecond timestamps exceed a double's precision: write their digits verbatim, as Go does.
  const text = JSON.stringify(report, (_k, v) => (typeof v === 'bigint' ? `\u0000${v}\u0000` : v), '\t');
  return text.replace(/"\\u0000(\d+)\\u0000"/g, '$1');
}
