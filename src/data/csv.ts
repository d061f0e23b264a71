import { closeSync, openSync, readSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { describeValue } from '../config/schema';
import { DataError, IssueCollector, UsageError, textExcerpt } from '../errors';
import { type BarTable, type Interval, type SymbolBars, type ValueField, isIntraday, makeBarTable } from './bars';
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
  /** Original text of cells that did not parse as finite numbers, for error messages. */
  readonly cellText: (row: number, field: ValueField) => string | undefined;
  /** The file's own header for each value field, for error messages. */
  readonly fieldNames: Readonly<Record<ValueField, string>>;
}

/** Bytes read at a time, so files larger than the longest string V8 allows still parse. */
const CHUNK_BYTES = 16 << 20;
const DAY = 86_400_000;

/** Read a Yahoo-style OHLCV CSV file. Values are parsed, not validated: pass the result to `validateBars`. */
export function readBarsCsv(path: string, options: CsvBarsOptions = {}): ParsedCsvBars {
  const unreadable = (err: unknown) => new DataError([{ code: 'unreadable', severity: 'error', source: path, message: (err as Error).message }]);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw unreadable(err);
  }
  const defaultSymbol = options.symbol ?? basename(path, extname(path)).split(/[_.]/)[0].toUpperCase();
  const parser = new BarsCsvParser(path, { ...options, symbol: defaultSymbol });
  try {
    const buf = Buffer.allocUnsafe(CHUNK_BYTES);
    const decoder = new StringDecoder('utf8');
    let first = true;
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buf, 0, CHUNK_BYTES, null);
      } catch (err) {
        throw unreadable(err);
      }
      if (n === 0) break;
      if (first) rejectBinary(buf.subarray(0, Math.min(n, 8192)), path);
      first = false;
      parser.feed(decoder.write(buf.subarray(0, n)));
    }
    parser.feed(decoder.end());
  } finally {
    closeSync(fd);
  }
  return parser.finish();
}

/** Parse CSV text; `source` names the file in messages. */
export function parseBarsCsv(text: string, source: string, options: CsvBarsOptions = {}): ParsedCsvBars {
  const parser = new BarsCsvParser(source, options);
  parser.feed(text);
  return parser.finish();
}

/** A NUL byte does not occur in text CSV; echoing such a file's "header" would print raw bytes. */
function rejectBinary(head: Buffer, source: string): void {
  if (!head.includes(0)) return;
  // Excel's "Unicode text" and PowerShell's default output are UTF-16: a NUL after every ASCII letter.
  const utf16 = (head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff);
  const excerpt = textExcerpt(head.subarray(0, 24).toString('latin1'), 24);
  const message = utf16 ? 'the file is UTF-16 text; save it as UTF-8 (or ASCII) CSV' : `not a CSV text file: it holds binary data (starts with ${excerpt})`;
  throw new DataError([{ code: utf16 ? 'utf16' : 'binary', severity: 'error', source, message }]);
}

const VALUE_ORDER: readonly ValueField[] = ['open', 'high', 'low', 'close', 'adjClose', 'volume'];

/** A Float64Array that grows by doubling, so a column of millions of rows is never a boxed array. */
class F64Column {
  data = new Float64Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  values(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

interface SymbolRows {
  readonly lines: F64Column;
  /** Epoch ms of the instant the cell names. */
  readonly utc: F64Column;
  /** The cell's own wall-clock reading as if it were UTC: its calendar date in the exchange's time. */
  readonly local: F64Column;
  readonly values: Record<ValueField, F64Column>;
  /** Original text of cells that did not parse as finite numbers, keyed by row * 8 + field index. */
  readonly badText: Map<number, string>;
}

/**
 * One pass over the lines of a CSV file, fed in pieces of any size: each row goes straight
 * into per-symbol typed columns, so memory stays near the size of the numbers, not the text.
 */
class BarsCsvParser {
  private carry = '';
  private lineNo = 0;
  private header: string[] | undefined;
  private col: Partial<Record<keyof typeof HEADER_ALIASES, number>> = {};
  private adjSeen = false;
  private readonly bySymbol = new Map<string, SymbolRows>();
  private readonly malformed = new IssueCollector();
  private readonly badDates = new IssueCollector();

  constructor(
    private readonly source: string,
    private readonly options: CsvBarsOptions,
  ) {}

  feed(text: string): void {
    let from = 0;
    const all = this.carry + text;
    for (let nl = all.indexOf('\n'); nl >= 0; nl = all.indexOf('\n', from)) {
      this.line(all.slice(from, all.charCodeAt(nl - 1) === 13 && nl > from ? nl - 1 : nl));
      from = nl + 1;
    }
    this.carry = all.slice(from);
  }

  finish(): ParsedCsvBars {
    if (this.carry !== '') this.line(this.carry.endsWith('\r') ? this.carry.slice(0, -1) : this.carry);
    this.carry = '';
    const source = this.source;
    if (!this.header) throw new DataError([{ code: 'empty', severity: 'error', source, message: 'file is empty; expected a header row and bars' }]);
    if (this.malformed.errors > 0) throw new DataError(this.malformed.list(), `${source}: ${this.malformed.errors} malformed row(s):`);
    if (this.badDates.errors > 0) throw new DataError(this.badDates.list(), `${source}: ${this.badDates.errors} unparsable date(s):`);

    const header = this.header;
    const col = this.col;
    // An adjusted-close column left entirely empty means the source has none (Stooq exports):
    // the close stands in. A partly empty one is missing data and is reported.
    const adjFromClose = col.adjClose === undefined || !this.adjSeen;
    const fieldNames = Object.fromEntries(VALUE_ORDER.map((f) => [f, header[f === 'adjClose' && adjFromClose ? col.close! : col[f]!]])) as Record<ValueField, string>;
    const groups = [...this.bySymbol.values()];
    const local = concatColumns(groups.map((g) => g.local.values()));
    const interval = this.options.interval ?? inferInterval(local);
    const daily = !isIntraday(interval);
    const parts: SymbolBars[] = [];
    const badText = new Map<number, string>();
    let offset = 0;
    [...this.bySymbol].forEach(([symbol, g]) => {
      const n = g.lines.length;
      // Daily bars are dated by the calendar day written in the file, whatever its UTC offset:
      // 2005-02-25T00:00:00+09:00 is the session of 25 February, not the 24th in UTC.
      const ts = daily ? g.local.values().map((t) => Math.floor(t / DAY) * DAY) : g.utc.values();
      const close = g.values.close.values();
      for (const [key, text] of g.badText) badText.set(offset * 8 + key, text);
      parts.push({
        symbol,
        timestamp: ts,
        open: g.values.open.values(),
        high: g.values.high.values(),
        low: g.values.low.values(),
        close,
        adjClose: adjFromClose ? close : g.values.adjClose.values(),
        volume: g.values.volume.values(),
      });
      offset += n;
    });
    const bars = makeBarTable(interval, parts);
    const lineNumbers = Int32Array.from(concatColumns(groups.map((g) => g.lines.values())));
    const cellText = (row: number, field: ValueField) => badText.get(row * 8 + VALUE_ORDER.indexOf(field === 'adjClose' && adjFromClose ? 'close' : field));
    return { bars, lineNumbers, cellText, fieldNames };
  }

  private line(raw: string): void {
    this.lineNo++;
    if (!this.header) {
      const text = this.lineNo === 1 ? raw.replace(/^\uFEFF/, '') : raw;
      if (text.trim() !== '') this.readHeader(text);
      return;
    }
    if (raw.trim() === '') return;
    const cells = splitCsvLine(raw);
    const header = this.header;
    const col = this.col;
    const source = this.source;
    if (cells.length < header.length) {
      this.malformed.add({ code: 'short_row', severity: 'error', source, row: this.lineNo, message: `${cells.length} field(s); the header has ${header.length}` });
      return;
    }
    const symbol = col.symbol !== undefined ? cells[col.symbol].trim() : (this.options.symbol ?? 'UNKNOWN');
    if (symbol === '') {
      this.malformed.add({ code: 'missing_symbol', severity: 'error', source, row: this.lineNo, field: header[col.symbol!], message: 'the symbol cell is empty' });
      return;
    }
    let g = this.bySymbol.get(symbol);
    if (!g) {
      const values = Object.fromEntries(VALUE_ORDER.map((f) => [f, new F64Column()])) as Record<ValueField, F64Column>;
      g = { lines: new F64Column(), utc: new F64Column(), local: new F64Column(), values, badText: new Map() };
      this.bySymbol.set(symbol, g);
    }
    const row = g.lines.length;
    g.lines.push(this.lineNo);
    const dateText = cells[col.date!].trim();
    const iso = isoDateTime(dateText);
    const t = iso ? iso.wallMs - iso.offsetMs : parseTimestamp(dateText);
    if (Number.isNaN(t)) {
      this.badDates.add({
        code: 'bad_timestamp',
        severity: 'error',
        source,
        row: this.lineNo,
        field: header[col.date!],
        message: `${textExcerpt(dateText)} is not a date; expected YYYY-MM-DD, an ISO 8601 date-time, or epoch seconds/milliseconds`,
      });
    }
    g.utc.push(t);
    g.local.push(iso ? iso.wallMs : t);
    for (let k = 0; k < VALUE_ORDER.length; k++) {
      const f = VALUE_ORDER[k];
      const c = f === 'adjClose' ? (col.adjClose ?? col.close!) : col[f]!;
      const cell = cells[c].trim();
      if (f === 'adjClose' && col.adjClose !== undefined && cell !== '') this.adjSeen = true;
      const v = parseNumber(cell);
      g.values[f].push(v);
      if (!Number.isFinite(v)) g.badText.set(row * 8 + k, cell);
    }
  }

  private readHeader(text: string): void {
    const header = splitCsvLine(text).map((h) => h.trim());
    header.forEach((h, k) => {
      const key = h.toLowerCase().replace(/[\s_\-.]/g, '');
      for (const [name, aliases] of Object.entries(HEADER_ALIASES)) {
        if (aliases.includes(key) && this.col[name] === undefined) this.col[name] = k;
      }
    });
    const missing = REQUIRED.filter((c) => this.col[c] === undefined);
    if (missing.length > 0) {
      const shown = header.slice(0, 12).map((h) => textExcerpt(h, 24));
      const found = `[${shown.join(', ')}${header.length > 12 ? `, ... ${header.length - 12} more` : ''}]`;
      const separator = header.length === 1 ? [';', '\t', '|'].find((c) => text.includes(c)) : undefined;
      const hint = separator ? `; the header looks ${separator === '\t' ? 'tab' : `"${separator}"`}-separated, and columns must be separated by commas` : '';
      throw new DataError([
        {
          code: 'missing_column',
          severity: 'error',
          source: this.source,
          row: this.lineNo,
          message: `missing column(s) ${missing.join(', ')}; found ${found}; expected Date, Open, High, Low, Close, [Adj Close], Volume (any case)${hint}`,
        },
      ]);
    }
    this.header = header;
  }
}

function concatColumns(parts: readonly Float64Array[]): Float64Array {
  if (parts.length === 1) return parts[0];
  const out = new Float64Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
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
  const s = cell.includes('_') ? cell.replace(/_/g, '') : cell;
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
  const iso = isoDateTime(text);
  if (iso) return iso.wallMs - iso.offsetMs;
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
    const ms = Math.abs(v) > 1e11 ? v : v * 1000;
    // Beyond the range of Date (about 275,000 years either side of 1970) a number is no time.
    return Math.abs(ms) <= 8.64e15 ? ms : Number.NaN;
  }
  return Number.NaN;
}

const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|([+-])(\d{2})(?::?(\d{2}))?)?$/;

/**
 * An ISO date-time split into its wall-clock reading (as if UTC) and its stated offset
 * (`+09:00`, `-0500`, `+09`; none or `Z` means UTC). The wall-clock reading's date is the
 * calendar day written in the cell: the exchange's day for daily bars.
 */
function isoDateTime(text: string): { wallMs: number; offsetMs: number } | undefined {
  if (text.length <= 10) return undefined;
  const m = ISO_DATE_TIME.exec(text);
  if (!m) return undefined;
  const day = utcDate(+m[1], +m[2], +m[3]);
  const wallMs = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}Z`);
  if (!Number.isFinite(day) || !Number.isFinite(wallMs)) return { wallMs: Number.NaN, offsetMs: 0 };
  const minutes = m[6] === undefined ? 0 : Number(m[7]) * 60 + Number(m[8] ?? 0);
  return { wallMs, offsetMs: (m[6] === '-' ? -minutes : minutes) * 60_000 };
}

/**
 * A date option (a range's start or end, from a flag or a config) as epoch ms: an ISO date
 * (UTC midnight) or ISO date-time (no offset means UTC). Anything else is a `UsageError`
 * naming `where`, so a year alone or a number is never read as something unintended.
 */
export function parseDateOption(value: unknown, where: string): number {
  const t = typeof value === 'string' ? parseIsoDate(value) : Number.NaN;
  if (!Number.isFinite(t)) throw new UsageError(`${where} must be an ISO date (YYYY-MM-DD) or date-time; got ${describeValue(value)}`);
  return t;
}

/** Epoch ms of an ISO date (UTC midnight) or ISO date-time (no offset means UTC); NaN for anything else. */
export function parseIsoDate(text: string): number {
  return /^\d{4}-\d{2}-\d{2}$/.test(text) || isoDateTime(text) !== undefined ? parseTimestamp(text) : Number.NaN;
}

function utcDate(y: number, m: number, d: number): number {
  const t = Date.UTC(y, m - 1, d);
  const back = new Date(t);
  // Reject dates like 2021-02-30 that Date.UTC would roll over.
  return back.getUTCFullYear() === y && back.getUTCMonth() === m - 1 && back.getUTCDate() === d ? t : Number.NaN;
}
