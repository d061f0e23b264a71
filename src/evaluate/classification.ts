import { argmaxRows } from '../records/task';
import { formatTable } from '../util/table';
import { averageRanks } from './moments';
import { checkPaired } from './regression';

export interface ClassScores {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** Rows whose true class is this one (for averages: rows averaged over). */
  readonly support: number;
}

export interface ClassificationMetrics {
  readonly n: number;
  readonly classes: readonly string[];
  readonly accuracy: number;
  /** Mean recall over the classes that occur in y_true (`sklearn.metrics.balanced_accuracy_score`). */
  readonly balancedAccuracy: number;
  /**
   * Per class, in `classes` order. A class never predicted has precision 0, one never true has
   * recall 0, and F1 is 0 when precision + recall is 0 (scikit-learn's `zero_division=0`).
   */
  readonly perClass: readonly (ClassScores & { readonly class: string })[];
  /** Unweighted mean over the classes occurring in y_true or y_pred (scikit-learn's default label set). */
  readonly macro: ClassScores;
  /** Support-weighted mean over the same classes. */
  readonly weighted: ClassScores;
  /** counts[true][predicted] (rows: true class, columns: predicted class), as scikit-learn. */
  readonly confusion: readonly (readonly number[])[];
  /**
   * Mean negative log-likelihood of the true class, natural log. Probabilities are clipped to
   * [ε, 1-ε] (ε = 2.22e-16, float64 machine epsilon) and each row renormalised, as scikit-learn 1.2.
   * Present only when probabilities are given.
   */
  readonly logLoss?: number;
  /**
   * Brier score. Binary: mean (p₁ - y)² with p₁ the probability of class index 1
   * (`sklearn.metrics.brier_score_loss`). Multiclass: Brier's original definition,
   * mean over rows of Σₖ (pₖ - [y = k])² (ranges 0..2; for two classes it is twice the binary figure).
   */
  readonly brier?: number;
  /**
   * Area under the ROC curve, ties counted half (Mann-Whitney). Binary: score = probability of class
   * index 1. Multiclass: one-vs-rest, unweighted mean over classes that occur in y_true and not in
   * every row (`roc_auc_score(multi_class='ovr', average='macro')`). NaN when undefined
   * (only one class present).
   */
  readonly rocAuc?: number;
}

export interface ClassificationInput {
  /** Class names, by index. At least two. */
  readonly classes: readonly string[];
  /** Predicted class indices. Default: the arg-max of `proba` (first maximum on ties). */
  readonly yPred?: ArrayLike<number>;
  /** Class probabilities [n, classes] row-major. */
  readonly proba?: ArrayLike<number>;
}

/** Machine epsilon of float64, scikit-learn 1.2's `log_loss(eps='auto')` clip. */
const LOG_LOSS_EPS = 2.220446049250313e-16;

/** All classification metrics from true class indices, predicted indices and/or probabilities. */
export function classificationMetrics(yTrue: ArrayLike<number>, input: ClassificationInput): ClassificationMetrics {
  const { classes, proba } = input;
  const k = classes.length;
  if (k < 2) throw new RangeError(`classification needs at least two classes, got ${k}`);
  const n = yTrue.length;
  if (proba && proba.length !== n * k) throw new RangeError(`probabilities: expected ${n} x ${k} = ${n * k} values, got ${proba.length}`);
  const yPred = input.yPred ?? (proba ? argmaxRows(proba, n, k) : undefined);
  if (!yPred) throw new RangeError('classification needs predicted classes or probabilities');
  checkPaired(yTrue, yPred);
  for (let i = 0; i < n; i++) {
    for (const [name, v] of [['y_true', yTrue[i]], ['y_pred', yPred[i]]] as const) {
      if (!(Number.isInteger(v) && v >= 0 && v < k)) throw new RangeError(`${name}[${i}] = ${v} is not a class index in 0..${k - 1}`);
    }
  }

  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let correct = 0;
  for (let i = 0; i < n; i++) {
    confusion[yTrue[i]][yPred[i]]++;
    if (yTrue[i] === yPred[i]) correct++;
  }
  const perClass = classes.map((name, c) => {
    const tp = confusion[c][c];
    const support = confusion[c].reduce((a, b) => a + b, 0);
    const predicted = confusion.reduce((a, row) => a + row[c], 0);
    const precision = predicted > 0 ? tp / predicted : 0;
    const recall = support > 0 ? tp / support : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    return { class: name, precision, recall, f1, support, predicted };
  });
  const labelled = perClass.filter((c) => c.support > 0 || c.predicted > 0);
  const average = (weight: (c: (typeof perClass)[number]) => number): ClassScores => {
    const w = labelled.reduce((a, c) => a + weight(c), 0);
    const avg = (f: (c: ClassScores) => number) => labelled.reduce((a, c) => a + weight(c) * f(c), 0) / w;
    return { precision: avg((c) => c.precision), recall: avg((c) => c.recall), f1: avg((c) => c.f1), support: labelled.reduce((a, c) => a + c.support, 0) };
  };
  const present = perClass.filter((c) => c.support > 0);
  const metrics: ClassificationMetrics = {
    n,
    classes,
    accuracy: correct / n,
    balancedAccuracy: present.reduce((a, c) => a + c.recall, 0) / present.length,
    perClass: perClass.map(({ predicted: _, ...c }) => c),
    macro: average(() => 1),
    weighted: average((c) => c.support),
    confusion,
  };
  return proba ? { ...metrics, ...probabilityMetrics(yTrue, proba, k) } : metrics;
}

function probabilityMetrics(yTrue: ArrayLike<number>, proba: ArrayLike<number>, k: number): { logLoss: number; brier: number; rocAuc: number } {
  const n = yTrue.length;
  let logLoss = 0;
  let brier = 0;
  for (let i = 0; i < n; i++) {
    let rowSum = 0;
    for (let c = 0; c < k; c++) rowSum += clip(proba[i * k + c]);
    logLoss -= Math.log(clip(proba[i * k + yTrue[i]]) / rowSum);
    if (k === 2) brier += (proba[i * 2 + 1] - (yTrue[i] === 1 ? 1 : 0)) ** 2;
    else for (let c = 0; c < k; c++) brier += (proba[i * k + c] - (yTrue[i] === c ? 1 : 0)) ** 2;
  }
  const column = (c: number) => Float64Array.from({ length: n }, (_, i) => proba[i * k + c]);
  const isClass = (c: number) => Uint8Array.from({ length: n }, (_, i) => (yTrue[i] === c ? 1 : 0));
  let rocAuc: number;
  if (k === 2) rocAuc = binaryRocAuc(isClass(1), column(1));
  else {
    const aucs = Array.from({ length: k }, (_, c) => binaryRocAuc(isClass(c), column(c))).filter((a) => !Number.isNaN(a));
    rocAuc = aucs.length > 0 ? aucs.reduce((a, b) => a + b, 0) / aucs.length : Number.NaN;
  }
  return { logLoss: logLoss / n, brier: brier / n, rocAuc };
}

function clip(p: number): number {
  return Math.min(Math.max(p, LOG_LOSS_EPS), 1 - LOG_LOSS_EPS);
}

/** ROC AUC of `score` for the positives in `positive` (0/1), via the Mann-Whitney U statistic; NaN if one side is empty. */
export function binaryRocAuc(positive: ArrayLike<number>, score: ArrayLike<number>): number {
  checkPaired(positive, score);
  const ranks = averageRanks(score);
  let nPos = 0;
  let rankSum = 0;
  for (let i = 0; i < positive.length; i++) {
    if (positive[i]) {
      nPos++;
      rankSum += ranks[i];
    }
  }
  const nNeg = positive.length - nPos;
  if (nPos === 0 || nNeg === 0) return Number.NaN;
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/** scikit-learn-style `classification_report` plus the confusion matrix, as plain text. */
export function classificationReport(m: ClassificationMetrics): string {
  const row = (name: string, s: ClassScores) => [name, s.precision, s.recall, s.f1, s.support];
  const scores = formatTable(
    ['class', 'precision', 'recall', 'f1-score', 'support'],
    [
      ...m.perClass.map((c) => row(c.class, c)),
      ['accuracy', undefined, undefined, m.accuracy, m.n],
      row('macro avg', m.macro),
      row('weighted avg', m.weighted),
    ],
  );
  const confusion = formatTable(
    ['true \\ predicted', ...m.classes],
    m.confusion.map((r, c) => [m.classes[c], ...r]),
  );
  return `${scores}\n\nconfusion matrix (rows: true class, columns: predicted)\n${confusion}`;
}
