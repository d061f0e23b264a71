import { type TableData, formatNumber, tableText } from '../util/table';

export type { TableData };

/**
 * Display helpers that work everywhere: rich output in a tslab notebook, plain text on stdout
 * in scripts, ts-node and plain Node (where tslab's own `display` throws "Not ready").
 */

export function tableHtml(table: TableData): string {
  const numeric = table.header.map((_, k) => table.rows.length > 0 && table.rows.every((r) => typeof r[k] === 'number'));
  const cell = (tag: 'th' | 'td', v: string | number | undefined, k: number) =>
    `<${tag} style="white-space:nowrap;text-align:${numeric[k] ? 'right' : 'left'};padding:2px 8px">${escapeHtml(typeof v === 'number' ? formatNumber(v) : (v ?? ''))}</${tag}>`;
  return (
    (table.caption ? `<p style="margin:0 0 4px 0"><b>${escapeHtml(table.caption)}</b></p>` : '') +
    `<div style="overflow-x:auto"><table style="border-collapse:collapse;font-variant-numeric:tabular-nums">` +
    `<thead><tr>${table.header.map((h, k) => cell('th', h, k)).join('')}</tr></thead>` +
    `<tbody>${table.rows.map((r) => `<tr>${table.header.map((_, k) => cell('td', r[k], k)).join('')}</tr>`).join('')}</tbody></table></div>` +
    (table.notes ?? []).map((n) => `<p style="margin:4px 0">${escapeHtml(n)}</p>`).join('')
  );
}

/** Show a table: an HTML table in a notebook, aligned text elsewhere. */
export function showTable(table: TableData): void {
  show({ 'text/html': tableHtml(table), 'text/plain': tableText(table) }, tableText(table));
}

/** Show Markdown (tables included): rendered in a notebook, printed as is elsewhere. */
export function showMarkdown(markdown: string): void {
  show({ 'text/markdown': markdown, 'text/plain': markdown }, markdown);
}

function show(data: Record<string, string>, text: string): void {
  const write = notebookWriter();
  if (write) write({ data, metadata: {}, transient: {} }, false);
  else process.stdout.write(text + '\n');
}

/**
 * A stand-in for tslab's `display` outside a kernel (the script runner installs it as the
 * `tslab` module), so cells that use tslab's API directly also run as scripts.
 */
export const textDisplay = {
  markdown: (s: string) => showMarkdown(s),
  html: (s: string) => process.stdout.write(`[html output, ${s.length} characters, not shown outside a notebook]\n`),
  text: (s: string) => process.stdout.write(s + '\n'),
  svg: (s: string) => process.stdout.write(`[svg image, ${s.length} characters, not shown outside a notebook]\n`),
  png: (b: Uint8Array) => process.stdout.write(`[png image, ${b.length} bytes, not shown outside a notebook]\n`),
  jpeg: (b: Uint8Array) => process.stdout.write(`[jpeg image, ${b.length} bytes, not shown outside a notebook]\n`),
  gif: (b: Uint8Array) => process.stdout.write(`[gif image, ${b.length} bytes, not shown outside a notebook]\n`),
  pdf: (b: Uint8Array) => process.stdout.write(`[pdf, ${b.length} bytes, not shown outside a notebook]\n`),
  javascript: (s: string) => process.stdout.write(`[javascript output, ${s.length} characters, not run outside a notebook]\n`),
  latex: (s: string) => process.stdout.write(s + '\n'),
  raw: (mime: string, data: unknown) => process.stdout.write(`[${mime} output, not shown outside a notebook]\n${typeof data === 'string' && mime.startsWith('text/') ? data + '\n' : ''}`),
};

export type DisplayWriter = (msg: Record<string, unknown>, update: boolean) => void;

/** tslab's display channel when running inside its kernel, else undefined. */
export function notebookWriter(): DisplayWriter | undefined {
  try {
    // Looked up lazily: tslab is a dev dependency and only present inside its kernel.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const jupyter = require('tslab/dist/jupyter') as { lastWriteDisplayData: DisplayWriter | null };
    return jupyter.lastWriteDisplayData ?? undefined;
  } catch {
    return undefined;
  }
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
