import { extname } from 'node:path';
import pl from 'nodejs-polars';
import { formatTimestamp } from '../data/bars';
import { barsToFrame } from '../data/frame';
import { loadBars } from '../data/load';
import { parseDatasetConfig, loadOptionsOf } from '../dataset';
import { UsageError } from '../errors';
import { checkOutputPath, writeAtomically } from '../util/fs';
import { buildFeatures, featureColumns, presetSpec, type FeatureSpec } from '../features';
import { computeLabels, parseLabelSpec, type LabelSpec } from '../labels';
import { type Command, parseJsonText, readJsonFile, stringFlag } from './command';
import { SOURCE_HELP, SOURCE_OPTIONS, sourceFromFlags } from './source-flags';

export const featuresCommand: Command = {
  name: 'features',
  summary: 'build the feature/label table from a dataset config or a preset, as CSV or Parquet',
  help: `Usage: stocklab features --config CONFIG.json --out FILE.csv|.parquet [--json]
       stocklab features [source flags] --preset technical [--label JSON] --out FILE.csv

Writes one row per bar: date, symbol, every feature column (<indicator>_<params>, warm-up rows
empty), and, when a label is configured, the label value and the last bar it looks at
(label_end). With --config the file is a dataset config (source, start/end, features, label, ...).

${SOURCE_HELP}
  --preset NAME                  feature preset (technical, basic, ...)
  --label JSON                   a label spec, e.g. '{"kind":"updown","horizonBars":1}'
  --config PATH                  a dataset config JSON file (instead of source flags)
  --out PATH                     output file; .parquet writes Parquet, anything else CSV; an
                                 input or an existing file is refused (--force replaces the latter)`,
  options: { ...SOURCE_OPTIONS, config: { type: 'string' }, preset: { type: 'string' }, label: { type: 'string' }, out: { type: 'string' }, force: { type: 'boolean' } },
  async run(flags) {
    const out = stringFlag(flags, 'out');
    if (!out) throw new UsageError('features: --out FILE is required');
    const configPath = stringFlag(flags, 'config');
    let spec: FeatureSpec;
    let label: LabelSpec | undefined;
    let loaded;
    if (configPath) {
      const config = parseDatasetConfig(readJsonFile(configPath), configPath);
      spec = config.features;
      label = config.label;
      checkOutputPath(out, { inputs: [configPath, ...(config.source.source === 'csv' ? config.source.files : [])], force: flags.force === true, flag: '--out' });
      loaded = await loadBars(config.source, loadOptionsOf(config));
    } else {
      const preset = stringFlag(flags, 'preset');
      if (!preset) throw new UsageError('features: give --config, or --preset with source flags');
      spec = presetSpec(preset);
      const labelJson = stringFlag(flags, 'label');
      label = labelJson === undefined ? undefined : parseLabelSpec(parseJsonText(labelJson, '--label'), '--label');
      const { spec: source, options } = sourceFromFlags(flags);
      checkOutputPath(out, { inputs: source.source === 'csv' ? source.files : [], force: flags.force === true, flag: '--out' });
      loaded = await loadBars(source, options);
    }
    const { bars } = loaded;
    const columns = featureColumns(spec);
    let frame = buildFeatures(barsToFrame(bars), spec).select('symbol', ...columns);
    frame = frame.withColumns(pl.Series('date', Array.from(bars.timestamp, (t) => formatTimestamp(t, bars.interval))));
    const labelColumns: string[] = [];
    if (label) {
      const labels = computeLabels(bars, label);
      const end = Array.from(labels.endTime, (t) => (Number.isFinite(t) ? formatTimestamp(t, bars.interval) : null));
      frame = frame.withColumns(pl.Series(labels.name, Array.from(labels.value, (v) => (Number.isFinite(v) ? v : null))), pl.Series('label_end', end));
      labelColumns.push(labels.name, 'label_end');
    }
    frame = frame.select('date', 'symbol', ...columns, ...labelColumns);
    writeFrameAtomic(frame, out);
    const json = {
      out,
      rows: frame.height,
      symbols: bars.symbols.map((s) => s.symbol),
      columns: frame.columns,
      features: columns,
      label: labelColumns[0],
      nullCounts: Object.fromEntries(columns.map((c) => [c, frame.getColumn(c).nullCount()])),
    };
    const text = [`wrote ${frame.height} rows x ${frame.width} columns to ${out}`, `features: ${columns.join(', ')}`, ...(label ? [`label: ${labelColumns[0]}`] : [])].join('\n');
    return { json, text };
  },
};

function writeFrameAtomic(frame: pl.DataFrame, path: string): void {
  writeAtomically(path, (tmp) => (extname(path).toLowerCase() === '.parquet' ? frame.writeParquet(tmp) : frame.writeCSV(tmp)));
}
