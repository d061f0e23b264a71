import { join } from 'node:path';
import { formatIssue } from '../errors';
import { loadBars } from '../data/load';
import { summarizeBars } from '../data/summary';
import { writeBarsCsv } from '../data/write';
import { dataDir } from '../util/env';
import { checkOutputPath } from '../util/fs';
import { type Command, stringFlag } from './command';
import { SOURCE_HELP, SOURCE_OPTIONS, sourceFromFlags } from './source-flags';
import { formatTable } from '../util/table';

export const dataCommand: Command = {
  name: 'data',
  summary: 'load, validate and summarise bars from any source, and write them to data/',
  help: `Usage: stocklab data [source flags] [--out PATH] [--force] [--json]

Loads bars, validates every row (exit 3 naming file, row and field when data is bad,
unless --repair is given), prints a per-symbol summary and the validation findings,
and writes the bars as CSV (default data/<symbols>_<interval>.csv in the project,
or under STOCKLAB_DATA_DIR).

An input file is never overwritten, whatever the flags (exit 2 naming both paths: pick
another --out). An existing output file is replaced only with --force.

${SOURCE_HELP}
  --out PATH                     where to write the bars (CSV)
  --force                        replace the output file if it exists`,
  options: { ...SOURCE_OPTIONS, out: { type: 'string' }, force: { type: 'boolean' } },
  async run(flags) {
    const { spec, options } = sourceFromFlags(flags);
    const guard = { inputs: spec.source === 'csv' ? spec.files : [], force: flags.force === true, flag: '--out' };
    const chosen = stringFlag(flags, 'out');
    // Checked before loading too, so a wrong --out fails at once, not after a download.
    if (chosen !== undefined) checkOutputPath(chosen, guard);
    const loaded = await loadBars(spec, options);
    const { bars } = loaded;
    const names = bars.symbols.map((s) => s.symbol);
    const out = chosen ?? join(dataDir(), `${names.join('-').replace(/[^A-Za-z0-9.^=-]/g, '_')}_${bars.interval}.csv`);
    checkOutputPath(out, guard);
    writeBarsCsv(bars, out);
    const summaries = summarizeBars(bars);
    const issues = loaded.reports.flatMap((r) => r.issues);
    const repairs = loaded.reports.flatMap((r) => r.repairs);
    const json = {
      source: spec.source,
      symbol: names.join(','),
      symbols: summaries,
      interval: bars.interval,
      rows: bars.timestamp.length,
      start: summaries.map((s) => s.start).sort()[0],
      end: summaries.map((s) => s.end).sort().at(-1),
      validation: {
        errors: loaded.reports.reduce((a, r) => a + r.errorCount, 0),
        warnings: loaded.reports.reduce((a, r) => a + r.warningCount, 0),
        issues,
        repairs,
      },
      cache: loaded.cache,
      signal: loaded.signal && { strength: loaded.signal.strength, bestAccuracy: loaded.signal.bestAccuracy },
      notes: loaded.notes,
      out,
    };
    const text = [
      formatTable(
        ['symbol', 'rows', 'start', 'end', 'first close', 'last close', 'return %', 'ann. vol %'],
        summaries.map((s) => [s.symbol, s.rows, s.start, s.end, s.firstClose, s.lastClose, s.totalReturnPct, s.annualVolatilityPct]),
      ),
      `validation: ${json.validation.errors} error(s), ${json.validation.warnings} warning(s), ${repairs.length} repair(s)`,
      ...issues.slice(0, 20).map((i) => `  ${i.severity}: ${formatIssue(i)}`),
      ...(issues.length > 20 ? [`  ... ${issues.length - 20} more (see --json)`] : []),
      ...repairs.slice(0, 20).map((r) => `  repair: ${r.action} ${r.source} row ${r.row ?? '-'} ${r.field ?? ''} ${r.detail}`),
      ...(loaded.signal ? [`planted signal ${loaded.signal.strength}: best achievable directional accuracy ${(loaded.signal.bestAccuracy * 100).toFixed(2)}%`] : []),
      ...loaded.notes,
      `wrote ${out}`,
    ].join('\n');
    return { json, text };
  },
};
