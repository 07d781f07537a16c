// The plain-text tables of the listing commands (`runs`, `backups`): columns aligned, two spaces
// apart, the last column left ragged; times as `2026-12-03 21:53:14Z`.

export function alignColumns(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) => r.map((c, i) => (i < r.length - 1 ? c.padEnd(widths[i] ?? 0) : c)).join('  '))
    .join('\n')
    .concat('\n');
}

export const shortTime = (iso: string | undefined): string =>
  iso === undefined ? '-' : iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
