import { readFileSync } from 'node:fs';
import { DataError, type DataIssue, UsageError } from '../errors';
import { scoreForecasts } from '../experiment';
import { createModel, forecast } from '../models';
import { predictionsCsv } from '../records/predictions';
import { type SampleSet, denseSamples } from '../records/samples';
import type { Task } from '../records/task';
import { checkOutputPath, writeFileAtomic } from '../util/fs';
import { formatTable } from '../util/table';
import { type Command, listFlag, oneOf, parseJsonText, stringFlag } from './command';

/** A numeric CSV table: named columns of float32 values (empty, NA, NaN and null cells are NaN). */
export interface NumericTable {
  readonly columns: readonly string[];
  readonly rows: number;
  /** Column-major values, one array per column. */
  readonly values: readonly Float32Array[];
}

const MISSING = new Set(['', 'na', 'nan', 'null', 'none']);

/** Read a numeric CSV, leaving out `skip` columns; any other non-numeric cell is a DataError naming file, line and column. */
export function readNumericCsv(path: string, skip: ReadonlySet<string> = new Set()): NumericTable {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new DataError([{ code: 'unreadable', severity: 'error', source: path, message: (err as Error).message }]);
  }
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  if (lines.length < 2) throw new DataError([{ code: 'empty', severity: 'error', source: path, message: 'expected a header row and at least one data row' }]);
  const header = lines[0].split(',').map((h) => h.trim().replace(/^"|"$/g, ''));
  const kept = header.flatMap((h, k) => (skip.has(h) ? [] : [k]));
  const columns = kept.map((k) => header[k]);
  const rows = lines.length - 1;
  const values = columns.map(() => new Float32Array(rows));
  const issues: DataIssue[] = [];
  for (let r = 0; r < rows && issues.length < 20; r++) {
    const cells = lines[r + 1].split(',');
    if (cells.length !== header.length) {
      issues.push({ code: 'field_count', severity: 'error', source: path, row: r + 2, message: `${cells.length} field(s); the header has ${header.length}` });
      continue;
    }
    for (let c = 0; c < columns.length; c++) {
      const cell = cells[kept[c]].trim().replace(/^"|"$/g, '');
      const v = MISSING.has(cell.toLowerCase()) ? Number.NaN : Number(cell);
      if (Number.isNaN(v) && !MISSING.has(cell.toLowerCase())) {
        issues.push({ code: 'not_numeric', severity: 'error', source: path, row: r + 2, field: columns[c], message: `"${cell}" is not a number (drop the column with --drop)` });
      }
      values[c][r] = v;
    }
  }
  if (issues.length > 0) throw new DataError(issues, `${path}: not a numeric table:`);
  return { columns, rows, values };
}

/** The table as a tabular sample set on `features`, with `target` as y (NaN where the table has no such column). */
export function tableSamples(table: NumericTable, features: readonly string[], target: string, source: string): SampleSet {
  const index = features.map((f) => {
    const k = table.columns.indexOf(f);
    if (k < 0) throw new DataError([{ code: 'missing_column', severity: 'error', source, field: f, message: `no column "${f}"; columns: ${table.columns.join(', ')}` }]);
    return k;
  });
  const x = new Float32Array(table.rows * features.length);
  for (let r = 0; r < table.rows; r++) for (let j = 0; j < index.length; j++) x[r * features.length + j] = table.values[index[j]][r];
  const t = table.columns.indexOf(target);
  const y = t >= 0 ? table.values[t] : new Float32Array(table.rows).fill(Number.NaN);
  return denseSamples({ x, shape: [table.rows, features.length], y, featureNames: features });
}

/** binary when every target is 0 or 1, else regression. */
function inferTask(y: Float32Array): Task {
  return y.every((v) => v === 0 || v === 1) ? 'binary' : 'regression';
}

export const fitTableCommand: Command = {
  name: 'fit-table',
  summary: 'fit any registered model on a numeric CSV table and predict another',
  help: `Usage: stocklab fit-table --train T.csv --test V.csv --target COL [--model gbdt] [--params JSON] [--out preds.csv]

Fits the model on every column of the training table except the target (and --drop
columns), predicts the test table, prints the fit time and, when the test table has the
target column, its metrics (rmse/mae, or accuracy/log loss). --task defaults to binary when
every training target is 0 or 1, else regression. Cells that are empty, NA or NaN are
missing values. --out writes one row per test row: prediction and class probabilities.

  --train PATH       training table (CSV with a header)
  --test PATH        table to predict
  --target COL       target column
  --model KIND       a registered model kind (default gbdt)
  --params JSON      model config, e.g. '{"maxDepth":4,"nEstimators":200}'
  --task TASK        regression, binary or multiclass
  --drop COLS        columns that are not features (comma-separated, repeatable)
  --out PATH         predictions CSV (the layout stocklab metrics reads); refused if it exists unless --force`,
  options: {
    train: { type: 'string' },
    test: { type: 'string' },
    target: { type: 'string' },
    model: { type: 'string' },
    params: { type: 'string' },
    task: { type: 'string' },
    drop: { type: 'string', multiple: true },
    out: { type: 'string' },
    force: { type: 'boolean' },
  },
  async run(flags) {
    const trainPath = stringFlag(flags, 'train');
    const testPath = stringFlag(flags, 'test');
    const target = stringFlag(flags, 'target');
    if (!trainPath || !testPath || !target) throw new UsageError('fit-table: --train, --test and --target are required. See stocklab fit-table --help');
    const kind = stringFlag(flags, 'model') ?? 'gbdt';
    const paramsText = stringFlag(flags, 'params');
    const params = paramsText === undefined ? {} : parseJsonText(paramsText, '--params');
    const out = stringFlag(flags, 'out');
    if (out) checkOutputPath(out, { inputs: [trainPath, testPath], force: flags.force === true, flag: '--out' });
    const dropped = new Set(listFlag(flags, 'drop') ?? []);
    const train = readNumericCsv(trainPath, dropped);
    const test = readNumericCsv(testPath, dropped);
    if (!train.columns.includes(target)) throw new UsageError(`fit-table: ${trainPath} has no target column "${target}"; columns: ${train.columns.join(', ')}`);
    const features = train.columns.filter((c) => c !== target);
    const trainSet = tableSamples(train, features, target, trainPath);
    const task = oneOf(flags, 'task', ['regression', 'binary', 'multiclass'] as const) ?? inferTask(trainSet.y);
    const classes = task === 'regression' ? undefined : classNames(task, trainSet.y);
    const testSet = { ...tableSamples(test, features, target, testPath), ...(classes ? { classes } : {}) };
    const model = createModel(kind, task, params as Record<string, unknown>);
    const started = performance.now();
    await model.fit(classes ? { ...trainSet, classes } : trainSet);
    const fitSeconds = (performance.now() - started) / 1000;
    const p = await forecast(model, testSet);
    model.dispose();
    const metrics = test.columns.includes(target) ? headline(scoreForecasts(p).metrics) : undefined;
    if (out) writeFileAtomic(out, predictionsCsv(p));
    const json = { model: kind, task, params: model.config(), features, trainRows: train.rows, testRows: test.rows, fitSeconds, metrics, out };
    const text = [
      `${kind} (${task}) fitted on ${train.rows} rows x ${features.length} features in ${fitSeconds.toFixed(3)} s`,
      ...(metrics ? [formatTable(['metric', 'value'], Object.entries(metrics))] : [`${testPath} has no "${target}" column: no metrics`]),
      ...(out ? [`wrote ${out}`] : []),
    ].join('\n');
    return { json, text };
  },
};

/** Class names of a table's integer targets: "0", "1", ... up to the largest seen (at least two). */
function classNames(task: Task, y: Float32Array): string[] {
  let max = 1;
  for (const v of y) if (Number.isInteger(v) && v > max) max = v;
  return Array.from({ length: task === 'binary' ? 2 : max + 1 }, (_, i) => String(i));
}

function headline(m: ReturnType<typeof scoreForecasts>['metrics']): Record<string, number> {
  if ('rmse' in m) return { rmse: m.rmse, mae: m.mae, r2: m.r2 };
  return { accuracy: m.accuracy, balancedAccuracy: m.balancedAccuracy, ...(m.logLoss !== undefined ? { logloss: m.logLoss } : {}) };
}
