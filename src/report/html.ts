import { type Figure, figureDiv, plotlyScript } from '../plot/figure';
import { writeFileAtomic } from '../util/fs';

/** A report section: a heading, optional Markdown-ish paragraphs / preformatted tables, and figures. */
export interface ReportSection {
  readonly title: string;
  /** Paragraphs of plain text (escaped). */
  readonly paragraphs?: readonly string[];
  /** Tables as header + rows. */
  readonly tables?: readonly { readonly caption?: string; readonly header: readonly string[]; readonly rows: readonly (readonly (string | number)[])[] }[];
  readonly figures?: readonly Figure[];
}

/**
 * A standalone HTML report that works offline: plotly.js is embedded once (no CDN),
 * every figure is drawn into its own div. Written atomically.
 */
export function renderReport(title: string, sections: readonly ReportSection[]): string {
  const body = sections
    .map((s) => {
      const paras = (s.paragraphs ?? []).map((p) => `<p>${escapeHtml(p)}</p>`).join('\n');
      const tables = (s.tables ?? [])
        .map(
          (t) =>
            `<table>${t.caption ? `<caption>${escapeHtml(t.caption)}</caption>` : ''}<thead><tr>${t.header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead>` +
            `<tbody>${t.rows.map((r) => `<tr>${r.map((c) => `<td class="${typeof c === 'number' ? 'num' : ''}">${escapeHtml(formatCell(c))}</td>`).join('')}</tr>`).join('')}</tbody></table>`,
        )
        .join('\n');
      const figs = (s.figures ?? []).map((f) => figureDiv(f)).join('\n');
      return `<section><h2>${escapeHtml(s.title)}</h2>\n${paras}\n${tables}\n${figs}</section>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:14px}th,td{border:1px solid #ccc;padding:4px 8px}
td.num{text-align:right;font-variant-numeric:tabular-nums}caption{text-align:left;font-weight:600;padding:4px 0}
section{margin-bottom:2.5em}
</style>
<script>${plotlyScript()}</script>
</head><body><h1>${escapeHtml(title)}</h1>
${body}
</body></html>
`;
}

export function writeReport(path: string, title: string, sections: readonly ReportSection[]): void {
  writeFileAtomic(path, renderReport(title, sections));
}

function formatCell(c: string | number): string {
  if (typeof c === 'string') return c;
  if (!Number.isFinite(c)) return String(c);
  return Number.isInteger(c) ? String(c) : Math.abs(c) >= 1e5 ? c.toExponential(3) : c.toFixed(4);
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
