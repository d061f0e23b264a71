/**
 * Typed errors. Every error a user can cause by giving the kit bad input is a
 * `StocklabError`, so the CLI can map it to an exit code and a notebook shows
 * one readable line instead of a stack trace from deep inside a library.
 */

/** Base class; `exitCode` is what the CLI exits with (2 usage, 3 bad data). */
export class StocklabError extends Error {
  readonly exitCode: number = 1;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Wrong options, flags or config values. */
export class UsageError extends StocklabError {
  override readonly exitCode = 2;
}

/** One problem found in input data, located as precisely as the source allows. */
export interface DataIssue {
  /** Stable machine-readable code, e.g. `high_below_low`. */
  readonly code: string;
  /** Errors make data unusable unless repaired; warnings are reported and kept. */
  readonly severity: 'error' | 'warning';
  /** File (or source description) the row came from. */
  readonly source: string;
  /** 1-based line number in the file (header is line 1), or 0-based row index for in-memory sources. */
  readonly row?: number;
  readonly symbol?: string;
  readonly field?: string;
  readonly message: string;
}

export function formatIssue(issue: DataIssue): string {
  const where = [issue.source];
  if (issue.row !== undefined) where.push(`row ${issue.row}`);
  if (issue.symbol) where.push(`symbol ${issue.symbol}`);
  if (issue.field) where.push(`field "${issue.field}"`);
  return `${where.join(', ')}: ${issue.message}`;
}

/** Input data that cannot be used as it is. Carries every issue found, not just the first. */
export class DataError extends StocklabError {
  override readonly exitCode = 3;
  readonly issues: readonly DataIssue[];
  constructor(issues: readonly DataIssue[], headline?: string) {
    const shown = issues.slice(0, 10).map((i) => '  ' + formatIssue(i));
    const more = issues.length > 10 ? [`  ... and ${issues.length - 10} more`] : [];
    super([headline ?? `${issues.length} data problem(s) found:`, ...shown, ...more].join('\n'));
    this.issues = issues;
  }
}

/** A network source failed and nothing cached could stand in. */
export class SourceUnavailableError extends StocklabError {
  override readonly exitCode = 4;
}

/**
 * Text from an input file, quoted for a message: cut to `max` characters and with control
 * characters, invalid UTF-8 (U+FFFD) and lone surrogates escaped, so a binary or garbled
 * file never writes raw bytes to a terminal.
 */
export function textExcerpt(text: string, max = 40): string {
  const cut = text.length > max ? text.slice(0, max) : text;
  const escaped = cut.replace(/[\u0000-\u001f\u007f-\u009f\ufffd\ud800-\udfff"\\]/gu, (ch) => {
    if (ch === '"' || ch === '\\') return '\\' + ch;
    const code = ch.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
  return `"${escaped}"${text.length > max ? `... (${text.length} characters)` : ''}`;
}

/**
 * Issues as they are found: all counted, the first `perCode` of each code kept. A file of
 * millions of rows can carry millions of identical findings (zero volume on every forex bar);
 * kept whole they would not fit in memory, a message or a JSON answer.
 */
export class IssueCollector {
  private readonly kept: DataIssue[] = [];
  private readonly byCode = new Map<string, { total: number; last: DataIssue }>();
  errors = 0;
  warnings = 0;

  constructor(private readonly perCode = 1000) {}

  add(issue: DataIssue): void {
    let seen = this.byCode.get(issue.code);
    if (!seen) this.byCode.set(issue.code, (seen = { total: 0, last: issue }));
    const total = ++seen.total;
    seen.last = issue;
    if (issue.severity === 'error') this.errors++;
    else this.warnings++;
    if (total <= this.perCode) this.kept.push(issue);
  }

  /** The kept issues (optionally only some), then one line per code saying how many more were found. */
  list(keep: (issue: DataIssue) => boolean = () => true): DataIssue[] {
    const out = this.kept.filter(keep);
    for (const [code, { total, last }] of this.byCode) {
      if (total > this.perCode && keep(last)) {
        out.push({ code, severity: last.severity, source: last.source, symbol: last.symbol, message: `${total - this.perCode} more ${code} finding(s) like the above (${total} in all)` });
      }
    }
    return out;
  }
}
