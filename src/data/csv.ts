import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { DataError, type DataIssue } from '../errors';
import { type BarTable, type Interval, type SymbolBars, type ValueField, makeBarTable } from './bars';
import { inferInterval } from './interval';

/** Header spellings accepted for each column (compared lower-case, with spaces, '_' and '-' removed). */
const HEADER_ALIASES: Record<string, readonly string[]> = {
  date: ['date', 'datetime', 'timestamp', 'time', 'index'],
  open: ['open'],
  high: ['high'],
  low: ['low'],
  close: ['close', 'price', 'last'],
  adjClose: ['adjclose', 'adjustedclose', 'closeadj', 'adjustedprice'],
  volume: ['volume', 'vol'],
  symbol: ['symbol', 'ticker'],
};
const REQUIRED = ['date', 'open', 'high', 'low', 'close', 'volume'] as const;

export interface CsvBarsOptions {
  /** Symbol for files without a symbol column. Default: the file name up to its first `_` or `.`. */
  readonly symbol?: string;
  /** Bar interval; inferred from the timestamps when omitted. */
  readonly interval?: Interval;
}

export interface ParsedCsvBars {
  readonly bars: BarTable;
  /** 1-based line in the file of each table row. */
  readonly lineNumbers: Int32Array;
  /** Original text of cells that did not parse as numbers, for error messages. */
  readonly cellText: (row: number, field: ValueField) => string | undefined;
  /** The file's own header for each value field, for error messages. */
  readonly fieldNames: Readonly<Record<ValueField, string>>;
}

/** Read a Yahoo-style OHLCV CSV file. Values are parsed, not validated: pass the result to `validateBars`. */
export function readBarsCsv(path: string, options: CsvBarsOptions = {}): ParsedCsvBars {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new DataError([{ code: 'unreadable', severity: 'error', source: path, message: (err as Error).message }]);
  }
  const defaultSymbol = options.symbol ?? basename(path, extname(path)).split(/[_.]/)[0].toUpperCase();
  return parseBarsCsv(text, path, { ...options, symbol: defaultSymbol });
}

/** Parse CSV text; `source` names the file in messages. */
export function parseBarsCsv(text: string, source: string, options: CsvBarsOptions = {}): ParsedCsvBars {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const headerLine = lines.findIndex((l) => l.trim() !== '');
  if (headerLine < 0) throw new DataError([{ code: 'empty', severity: 'error', source, message: 'file is empty; expected a header row and bars' }]);
  const header = splitCsvLine(lines[headerLine]).map((h) => h.trim());
  const col: Partial<Record<keyof typeof HEADER_ALIASES, number>> = {};
  header.forEach((h, k) => {
    const key = h.toLowerCase().replace(/[\s_\-.]/g, '');
    for (const [name, aliases] of Object.entries(HEADER_ALIASES)) {
      if (aliases.includes(key) && col[name] === undefined) col[name] = k;
    }
  });
  const missing = REQUIRED.filter((c) => col[c] === undefined);
  if (missing.length > 0) {
    throw new DataError([
      {
        code: 'missing_column',
        severity: 'error',
        source,
        row: headerLine + 1,
        message: `missing column(s) ${missing.join(', ')}; found [${header.join(', ')}]; expected Date, Open, High, Low, Close, [Adj Close], Volume (any case)`,
      },
    ]);
  }

  const fields: ValueField[] = ['open', 'high', 'low', 'close', 'adjClose', 'volume'];
  // An adjusted-close column left entirely empty means the source has none (Stooq exports):
  // the close stands in. A partly empty one is missing data and is reported.
  const dataLines = lines.slice(headerLine + 1).filter((l) => l.trim() !== '');
  const adjCol = col.adjClose !== undefined && dataLines.some((l) => (splitCsvLine(l)[col.adjClose!] ?? '').trim() !== '') ? col.adjClose : col.close!;
  const fieldNames = Object.fromEntries(fields.map((f) => [f, header[f === 'adjClose' ? adjCol : col[f]!]])) as Record<ValueField, string>;
  const rowsBySymbol = new Map<string, { line: number; cells: string[] }[]>();
  const issues: DataIssue[] = [];
  for (let li = headerLine + 1; li < lines.length; li++) {
    if (lines[li].trim() === '') continue;
    const cells = splitCsvLine(lines[li]);
    if (cells.length < header.length) {
      issues.push({ code: 'short_row', severity: 'error', source, row: li + 1, message: `${cells.length} field(s); the header has ${header.length}` });
    }
    const symbol = col.symbol !== undefined ? (cells[col.symbol] ?? '').trim() : (options.symbol ?? 'UNKNOWN');
    let rows = rowsBySymbol.get(symbol);
    if (!rows) rowsBySymbol.set(symbol, (rows = []));
    rows.push({ line: li + 1, cells });
  }
  if (issues.length > 0) throw new DataError(issues, `${source}: malformed rows:`);

  const parts: SymbolBars[] = [];
  const lineNumbers: number[] = [];
  const badText = new Map<string, string>();
  const dateIssues: DataIssue[] = [];
  let rowIndex = 0;
  for (const [symbol, rows] of rowsBySymbol) {
    const n = rows.length;
    const ts = new Float64Array(n);
    const values: Record<ValueField, Float64Array> = {
      open: new Float64Array(n),
      high: new Float64Array(n),
      low: new Float64Array(n),
      close: new Float64Array(n),
      adjClose: new Float64Array(n),
      volume: new Float64Array(n),
    };
    rows.forEach(({ line, cells }, r) => {
      const dateText = (cells[col.date!] ?? '').trim();
      ts[r] = parseTimestamp(dateText);
      if (Number.isNaN(ts[r])) {
        dateIssues.push({
          code: 'bad_timestamp',
          severity: 'error',
          source,
          row: line,
          field: header[col.date!],
          message: `"${dateText}" is not a date; expected YYYY-MM-DD, an ISO 8601 date-time, or epoch seconds/milliseconds`,
        });
      }
      for (const f of fields) {
        const k = f === 'adjClose' ? adjCol : col[f]!;
        const cell = (cells[k] ?? '').trim();
        const v = parseNumber(cell);
        values[f][r] = v;
        if (Number.isNaN(v)) badText.set(`${rowIndex + r}:${f}`, cell);
      }
      lineNumbers.push(line);
    });
    rowIndex += n;
    parts.push({ symbol, timestamp: ts, ...values });
  }
  if (dateIssues.length > 0) throw new DataError(dateIssues, `${source}: ${dateIssues.length} unparsable date(s):`);
  const allTs = parts.flatMap((p) => Array.from(p.timestamp));
  const bars = makeBarTable(options.interval ?? inferInterval(allTs), parts);
  return { bars, lineNumbers: Int32Array.from(lineNumbers), cellText: (row, field) => badText.get(`${row}:${field}`), fieldNames };
}

/** Split one CSV line, honouring double-quoted fields. */
function splitCsvLine(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A number, or NaN for empty, `null`, `NaN` and anything else that is not plainly numeric. */
function parseNumber(cell: string): number {
  const s = cell.replace(/_/g, '');
  return NUMBER.test(s) ? Number(s) : Number.NaN;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/**
 * Epoch ms (UTC) of a date cell, or NaN. Accepts YYYY-MM-DD, YYYYMMDD, ISO 8601
 * date-times (no offset means UTC), M/D/YYYY, DD-Mon-YY(YY), and epoch seconds
 * or milliseconds (values above 1e11 are taken as milliseconds).
 */
export function parseTimestamp(text: string): number {
  let m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text) ?? /^(\d{4})(\d{2})(\d{2})$/.exec(text);
  if (m) return utcDate(+m[1], +m[2], +m[3]);
  if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(text)) {
    const iso = text.replace(' ', 'T');
    const withZone = /(Z|[+-]\d{2}:?\d{2})$/.test(iso) ? iso : iso + 'Z';
    const t = Date.parse(withZone);
    return Number.isFinite(t) ? t : Number.NaN;
  }
  m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(text);
  if (m) return utcDate(+m[3], +m[1], +m[2]);
  m = /^(\d{1,2})-([A-Za-z]{3})-(\d{2}|\d{4})$/.exec(text);
  if (m) {
    const month = MONTHS.indexOf(m[2].toLowerCase()) + 1;
    const y = m[3].length === 2 ? (+m[3] < 70 ? 2000 : 1900) + +m[3] : +m[3];
    return month > 0 ? utcDate(y, month, +m[1]) : Number.NaN;
  }
  if (NUMBER.test(text)) {
    const v = Number(text);
    return v > 1e11 ? v : v * 1000;
  }
  return Number.NaN;
}

function utcDate(y: number, m: number, d: number): number {
  const t = Date.UTC(y, m - 1, d);
  const back = new Date(t);
  // Reject dates like 2021-02-30 that Date.UTC would roll over.
  return back.getUTCFullYear() === y && back.getUTCMonth() === m - 1 && back.getUTCDate() === d ? t : Number.NaN;
}
