import * as pl from 'nodejs-polars';
import { DataError, type DataIssue, UsageError } from '../errors';
import { type ClassificationMetrics, classificationMetrics, classificationReport } from '../evaluate/classification';
import { type DirectionalAccuracy, directionalAccuracy, informationCoefficient } from '../evaluate/direction';
import { regressionMetrics } from '../evaluate/regression';
import { binomialTest, directionalTests } from '../evaluate/significance';
import { formatPValue } from '../evaluate/verdict';
import { type Command, oneOf, stringFlag } from './command';
import { formatTable } from '../util/table';

const TASKS = ['regression', 'classification'] as const;
type CliTask = (typeof TASKS)[number];
/** Integer labels with at most this many distinct true values are taken as classes when --task is not given. */
const MAX_AUTO_CLASSES = 20;
/** Tolerance on a row of class probabilities summing to 1. */
const PROBA_SUM_TOLERANCE = 0.01;

export const metricsCommand: Command = {
  name: 'metrics',
  summary: 'score predictions from any CSV (y_true with y_pred and/or p_<class> columns)',
  help: `Usage: stocklab metrics --predictions P.csv [--task regression|classification] [--json]

Reads a CSV with a y_true column and a y_pred column and/or class probability columns
p_<class> (one per class, e.g. p_DOWN,p_UP), and prints every metric that applies.
The task is classification when probability columns exist, or y_true is not numeric, or y_true
and y_pred are integers with at most ${MAX_AUTO_CLASSES} distinct true values; otherwise regression.
--task overrides.
Regression: MAE, RMSE, R², MAPE (zero targets skipped), directional accuracy (sign of y_pred
vs sign of y_true, rows with y_true = 0 skipped) with binomial tests against 50% and the
majority rate, and the information coefficient (Pearson and Spearman).
Classification: accuracy, balanced accuracy, per-class precision/recall/F1, macro and
weighted averages, confusion matrix; with probabilities also log loss, Brier score and ROC AUC.
Rows with an empty y_true (forecasts of bars whose outcome is not known yet, as predict
writes them) are left out and counted. Bad files exit 3 naming the file, row and column.

  --predictions PATH             the CSV to score
  --task regression|classification`,
  options: { predictions: { type: 'string' }, task: { type: 'string' } },
  async run(flags) {
    const file = stringFlag(flags, 'predictions');
    if (!file) throw new UsageError('metrics: --predictions P.csv is required');
    const table = readPredictions(file);
    const task = oneOf(flags, 'task', TASKS) ?? detectTask(table);
    return task === 'regression' ? scoreRegression(table) : scoreClassification(table);
  },
};

interface PredictionTable {
  readonly file: string;
  /** Cell text by column name; null for empty cells. */
  readonly columns: Readonly<Record<string, readonly (string | null)[]>>;
  /** 1-based file line of each row. */
  readonly lines: readonly number[];
  readonly probaColumns: readonly string[];
  readonly hasPred: boolean;
  /** Rows left out because their y_true is empty (forecasts of bars whose outcome is not known yet). */
  readonly unlabelled: number;
}

function readPredictions(file: string): PredictionTable {
  const fail = (message: string, extra: Partial<DataIssue> = {}): never => {
    throw new DataError([{ code: 'bad_predictions', severity: 'error', source: file, message, ...extra }]);
  };
  let df: pl.DataFrame;
  try {
    df = pl.readCSV(file, { inferSchemaLength: 0 });
  } catch (err) {
    return fail(`cannot read as CSV: ${(err as Error).message}`);
  }
  const names = df.columns.map((c) => c.trim());
  const probaColumns = names.filter((c) => c.startsWith('p_') && c.length > 2);
  const hasPred = names.includes('y_pred');
  if (!names.includes('y_true')) fail(`no y_true column; found [${names.join(', ')}]`, { row: 1 });
  if (!hasPred && probaColumns.length === 0) fail(`needs a y_pred column or p_<class> probability columns; found [${names.join(', ')}]`, { row: 1 });
  const raw = df.columns.map((c) => df.getColumn(c).toArray() as (string | null)[]);
  // Blank lines come back as all-null rows: skip them but keep file line numbers right.
  const present = raw[0].map((_, i) => i).filter((i) => raw.some((col) => col[i] !== null && col[i]!.trim() !== ''));
  if (present.length === 0) fail('no data rows');
  const yTrue = raw[names.indexOf('y_true')];
  const keep = present.filter((i) => yTrue[i] !== null && yTrue[i]!.trim() !== '');
  if (keep.length === 0) fail(`all ${present.length} row(s) have an empty y_true: nothing to score (forecasts of bars whose outcome is not known yet)`);
  const columns = Object.fromEntries(names.map((name, k) => [name, keep.map((i) => (raw[k][i] === null ? null : raw[k][i]!.trim()))]));
  return { file, columns, lines: keep.map((i) => i + 2), probaColumns, hasPred, unlabelled: present.length - keep.length };
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(inf|nan)$/i;

function isNumeric(cell: string | null): boolean {
  return cell !== null && NUMBER.test(cell);
}

function detectTask(t: PredictionTable): CliTask {
  if (t.probaColumns.length > 0) return 'classification';
  const yTrue = t.columns.y_true.filter((c) => c !== null);
  if (!yTrue.every(isNumeric)) return 'classification';
  const integer = (c: string | null) => c === null || (isNumeric(c) && Number.isInteger(Number(c)));
  const labels = yTrue.every(integer) && new Set(yTrue.map(Number)).size <= MAX_AUTO_CLASSES;
  return labels && t.columns.y_pred.every((c) => integer(c) || !isNumeric(c)) ? 'classification' : 'regression';
}

/** Parse a column as finite numbers, collecting an issue per bad cell. */
function numbers(t: PredictionTable, column: string, issues: DataIssue[]): Float64Array {
  const out = new Float64Array(t.lines.length);
  t.columns[column].forEach((cell, i) => {
    const v = isNumeric(cell) ? Number(cell) : Number.NaN;
    if (!Number.isFinite(v)) {
      issues.push({ code: 'not_a_number', severity: 'error', source: t.file, row: t.lines[i], field: column, message: cell === null ? 'empty; expected a number' : `"${cell}" is not a finite number` });
    }
    out[i] = v;
  });
  return out;
}

function throwIfAny(issues: DataIssue[], file: string): void {
  if (issues.length > 0) throw new DataError(issues, `${file}: ${issues.length} bad value(s):`);
}

function scoreRegression(t: PredictionTable) {
  if (!t.hasPred) throw new DataError([{ code: 'bad_predictions', severity: 'error', source: t.file, row: 1, field: 'y_pred', message: 'regression needs a y_pred column' }]);
  const issues: DataIssue[] = [];
  const yTrue = numbers(t, 'y_true', issues);
  const yPred = numbers(t, 'y_pred', issues);
  throwIfAny(issues, t.file);
  const regression = regressionMetrics(yTrue, yPred);
  const direction = directionalAccuracy(yPred, yTrue);
  const tests = direction.n > 0 ? directionalTests(direction) : undefined;
  const ic = yTrue.length >= 3 ? informationCoefficient(yPred, yTrue) : undefined;
  const json = {
    file: t.file,
    task: 'regression',
    rows: yTrue.length,
    unlabelled: t.unlabelled,
    regression,
    directional: { ...direction, pValueVsHalf: tests?.vsHalf.pValue, pValueVsMajority: tests?.vsMajority.pValue },
    informationCoefficient: ic,
  };
  const text = [
    `${t.file}: regression, ${yTrue.length} rows${unlabelledNote(t)}`,
    formatTable(
      ['metric', 'value'],
      [
        ['MAE', regression.mae],
        ['RMSE', regression.rmse],
        ['R²', regression.r2],
        [`MAPE (${regression.mapeSkipped} zero target(s) skipped)`, regression.mape],
        ...directionRows(direction, tests),
        ['IC Pearson', ic?.pearson],
        ['IC Pearson p-value', pValueText(ic?.pearsonPValue)],
        ['IC Spearman', ic?.spearman],
        ['IC Spearman p-value', pValueText(ic?.spearmanPValue)],
      ],
    ),
  ].join('\n');
  return { json, text };
}

function directionRows(d: DirectionalAccuracy, tests: ReturnType<typeof directionalTests> | undefined): (string | number | undefined)[][] {
  return [
    [`directional accuracy (${d.n} rows, ${d.zeroRealised} with y_true = 0 skipped)`, d.accuracy],
    ['  p-value vs 50% (one-sided binomial)', pValueText(tests?.vsHalf.pValue)],
    [`  p-value vs majority rate ${(d.majorityRate * 100).toFixed(2)}%`, pValueText(tests?.vsMajority.pValue)],
  ];
}

function scoreClassification(t: PredictionTable) {
  const issues: DataIssue[] = [];
  const fromProba = t.probaColumns.map((c) => c.slice(2));
  const labelCells = [...t.columns.y_true, ...(t.hasPred ? t.columns.y_pred : [])].filter((c): c is string => c !== null);
  const classes = sortClasses(fromProba.length > 0 ? fromProba : [...new Set(labelCells)]);
  if (classes.length < 2) {
    throw new DataError([{ code: 'one_class', severity: 'error', source: t.file, field: 'y_true', message: `only one class (${classes.join('')}) found; classification needs at least two` }]);
  }
  const indexOf = classIndexer(classes);
  const labels = (column: string) =>
    Int32Array.from(t.columns[column], (cell, i) => {
      const k = cell === null ? -1 : indexOf(cell);
      if (k < 0) {
        issues.push({ code: 'unknown_class', severity: 'error', source: t.file, row: t.lines[i], field: column, message: `${cell === null ? 'empty' : `"${cell}"`}; expected one of ${classes.join(', ')}` });
      }
      return k;
    });
  const yTrue = labels('y_true');
  const yPred = t.hasPred ? labels('y_pred') : undefined;
  let proba: Float64Array | undefined;
  if (fromProba.length > 0) {
    const k = classes.length;
    const cols = classes.map((c) => numbers(t, `p_${c}`, issues));
    proba = new Float64Array(yTrue.length * k);
    for (let i = 0; i < yTrue.length; i++) {
      let s = 0;
      for (let c = 0; c < k; c++) {
        const p = cols[c][i];
        proba[i * k + c] = p;
        s += p;
        if (p < 0 || p > 1) issues.push({ code: 'bad_probability', severity: 'error', source: t.file, row: t.lines[i], field: `p_${classes[c]}`, message: `${p} is outside [0, 1]` });
      }
      if (Number.isFinite(s) && Math.abs(s - 1) > PROBA_SUM_TOLERANCE) {
        issues.push({ code: 'bad_probability', severity: 'error', source: t.file, row: t.lines[i], field: t.probaColumns.join('+'), message: `probabilities sum to ${s}, expected 1` });
      }
    }
  }
  throwIfAny(issues, t.file);
  const m = classificationMetrics(yTrue, { classes, yPred, proba });
  const majority = Math.max(...m.perClass.map((c) => c.support)) / m.n;
  const correct = Math.round(m.accuracy * m.n);
  const vsMajority = majority < 1 ? binomialTest(correct, m.n, majority) : undefined;
  const json = { file: t.file, task: 'classification', rows: m.n, unlabelled: t.unlabelled, classification: { ...m, majorityRate: majority, pValueVsMajority: vsMajority?.pValue } };
  const text = [
    `${t.file}: classification (${classes.length} classes), ${m.n} rows${unlabelledNote(t)}`,
    formatTable(['metric', 'value'], summaryRows(m, majority, vsMajority?.pValue)),
    '',
    classificationReport(m),
  ].join('\n');
  return { json, text };
}

function summaryRows(m: ClassificationMetrics, majority: number, pValue: number | undefined): (string | number | undefined)[][] {
  return [
    ['accuracy', m.accuracy],
    [`  p-value vs majority class rate ${(majority * 100).toFixed(2)}%`, pValueText(pValue)],
    ['balanced accuracy', m.balancedAccuracy],
    ...(m.logLoss !== undefined ? [['log loss', m.logLoss], [m.classes.length === 2 ? 'Brier score' : 'Brier score (multiclass sum)', m.brier], [m.classes.length === 2 ? 'ROC AUC' : 'ROC AUC (one-vs-rest macro)', m.rocAuc]] : []),
  ];
}

function pValueText(p: number | undefined): string {
  return p === undefined ? '' : formatPValue(p);
}

/** Numeric labels sort numerically, others by code point (as numpy.unique), so class 1 is the positive one in binary tasks. */
function sortClasses(names: readonly string[]): string[] {
  const unique = [...new Set(names)];
  return unique.every(isNumeric) ? unique.sort((a, b) => Number(a) - Number(b)) : unique.sort();
}

/** Label text to class index; numeric labels match numerically ("1.0" is class "1"). */
function classIndexer(classes: readonly string[]): (label: string) => number {
  return (label) => {
    const exact = classes.indexOf(label);
    if (exact >= 0 || !isNumeric(label)) return exact;
    return classes.findIndex((c) => isNumeric(c) && Number(c) === Number(label));
  };
}

function unlabelledNote(t: PredictionTable): string {
  return t.unlabelled > 0 ? ` (${t.unlabelled} row(s) with an empty y_true left out)` : '';
}
