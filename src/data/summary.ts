import type { ValidationReport } from './validate';
import { type BarTable, formatTimestamp, isIntraday } from './bars';

export interface SymbolSummary {
  readonly symbol: string;
  readonly rows: number;
  readonly start: string;
  readonly end: string;
  readonly firstClose: number;
  readonly lastClose: number;
  /** Total return of the adjusted close over the range, in percent. */
  readonly totalReturnPct: number;
  /** Standard deviation of adjusted-close log returns, annualised (252 trading days), in percent. */
  readonly annualVolatilityPct: number;
  readonly meanVolume: number;
}

export function summarizeBars(table: BarTable): SymbolSummary[] {
  const perYear = isIntraday(table.interval) ? Number.NaN : table.interval === '1d' ? 252 : table.interval === '1wk' ? 52 : 12;
  return table.symbols.map(({ symbol, start, end }) => {
    let sum = 0;
    let sumSq = 0;
    let vol = 0;
    for (let i = start + 1; i < end; i++) {
      const r = Math.log(table.adjClose[i] / table.adjClose[i - 1]);
      sum += r;
      sumSq += r * r;
    }
    for (let i = start; i < end; i++) vol += table.volume[i];
    const n = end - start - 1;
    const variance = n > 1 ? (sumSq - (sum * sum) / n) / (n - 1) : Number.NaN;
    return {
      symbol,
      rows: end - start,
      start: formatTimestamp(table.timestamp[start], table.interval),
      end: formatTimestamp(table.timestamp[end - 1], table.interval),
      firstClose: table.close[start],
      lastClose: table.close[end - 1],
      totalReturnPct: (table.adjClose[end - 1] / table.adjClose[start] - 1) * 100,
      annualVolatilityPct: Math.sqrt(variance * perYear) * 100,
      meanVolume: vol / (end - start),
    };
  });
}

/** A Markdown table of validation findings and repairs, for notebooks and reports. */
export function validationMarkdown(reports: readonly ValidationReport[], maxRows = 20): string {
  const issues = reports.flatMap((r) => r.issues);
  const repairs = reports.flatMap((r) => r.repairs);
  const lines = reports.map((r) => `- **${r.source}**: ${r.rowsIn} rows in, ${r.rowsOut} out, ${r.errorCount} error(s), ${r.warningCount} warning(s), ${r.repairs.length} repair(s)`);
  if (issues.length > 0) {
    lines.push('', '| severity | code | row | field | message |', '|---|---|---|---|---|');
    for (const i of issues.slice(0, maxRows)) lines.push(`| ${i.severity} | ${i.code} | ${i.row ?? ''} | ${i.field ?? ''} | ${i.message.replace(/\|/g, '\\|')} |`);
    if (issues.length > maxRows) lines.push(`| ... | ${issues.length - maxRows} more | | | |`);
  }
  if (repairs.length > 0) {
    lines.push('', '| repair | row | field | detail |', '|---|---|---|---|');
    for (const r of repairs.slice(0, maxRows)) lines.push(`| ${r.action} | ${r.row ?? ''} | ${r.field ?? ''} | ${r.detail} |`);
  }
  return lines.join('\n');
}

/** The per-symbol summary as a Markdown table (notebooks). */
export function summaryMarkdown(table: BarTable): string {
  const rows = summarizeBars(table).map((s) =>
    `| ${s.symbol} | ${s.rows} | ${s.start} | ${s.end} | ${s.firstClose.toFixed(2)} | ${s.lastClose.toFixed(2)} | ${s.totalReturnPct.toFixed(1)} | ${s.annualVolatilityPct.toFixed(1)} | ${Math.round(s.meanVolume)} |`,
  );
  return ['| symbol | rows | start | end | first close | last close | return % | ann. vol % | mean volume |', '|---|---:|---|---|---:|---:|---:|---:|---:|', ...rows].join('\n');
}
