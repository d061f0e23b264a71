/** A plain-text table: numbers right-aligned with up to 4 decimals, strings left-aligned. */
export function formatTable(header: readonly string[], rows: readonly (readonly (string | number | undefined)[])[]): string {
  const cells = rows.map((r) => r.map((v) => (typeof v === 'number' ? formatNumber(v) : (v ?? ''))));
  const widths = header.map((h, k) => Math.max(h.length, ...cells.map((r) => r[k].length)));
  const line = (r: readonly string[], isNum: (k: number) => boolean) => r.map((c, k) => (isNum(k) ? c.padStart(widths[k]) : c.padEnd(widths[k]))).join('  ');
  const numeric = (k: number) => rows.length > 0 && rows.every((r) => typeof r[k] === 'number');
  return [line(header, numeric), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map((r) => line(r, numeric))].join('\n');
}

export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 1e6 ? v.toExponential(3) : v.toFixed(4);
}

/** A table as header + rows, with an optional caption above and notes below. */
export interface TableData {
  readonly caption?: string;
  readonly header: readonly string[];
  readonly rows: readonly (readonly (string | number | undefined)[])[];
  readonly notes?: readonly string[];
}

/** The table as aligned plain text (what scripts print, and the notebook's text/plain copy). */
export function tableText(table: TableData): string {
  return [...(table.caption ? [table.caption] : []), formatTable(table.header, table.rows), ...(table.notes?.length ? ['', ...table.notes] : [])].join('\n');
}

/** The table as an HTML table whose cells never wrap (a wide table scrolls instead). */
