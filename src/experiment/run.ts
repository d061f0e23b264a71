import { activeBackend } from '../backend';
import { type BacktestStats, backtestStats, runBacktest, targetPositions } from '../backtest';
import { type BarTable, formatTimestamp } from '../data/bars';
import { datasetFold, prepareDataset } from '../dataset';
import {
  type ClassificationMetrics,
  type DirectionalAccuracy,
  type FeatureDrift,
  type GateResult,
  type InformationCoefficient,
  type RegressionMetrics,
  type Verdict,
  classificationMetrics,
  deploymentGate,
  dieboldMariano,
  directionalAccuracy,
  featureDrift,
  informationCoefficient,
  regressionMetrics,
  verdict,
} from '../evaluate';
import type { Model, SampleSet, Task } from '../models/model';
import { sampleColumns } from '../models/model';
import { createModel } from '../models';
import { type TimelineBar, describeSplit, splitTimeline } from '../split';
import { type ExperimentConfig, type ModelEntry, modelName, parseExperimentConfig } from './config';

/** Out-of-sample predictions of one model, pooled over folds, in fold order. */
export interface PooledPredictions {
  readonly timestamps: number[];
  readonly symbols: string[];
  /** Label value (regression target or class index). */
  readonly y: number[];
  /** Predicted value or class index. */
  readonly pred: number[];
  /** Class probabilities, row-major [n, classes] (classification). */
  readonly proba: number[];
  /** Directional score: the predicted return (regression) or P(UP) - P(DOWN) (classification). */
  readonly score: number[];
  /** The label's realised return (close at the bar to close at the label's end). */
  readonly realized: number[];
}

export interface FoldResult {
  readonly fold: number;
  readonly samples: number;
  readonly fitSeconds: number;
  readonly epochs: number;
  readonly directionalAccuracy: number;
  /** Accuracy (classification) or RMSE (regression) on the fold's test samples. */
  readonly score: number;
}

export interface SymbolBacktest {
  readonly symbol: string;
  readonly stats: BacktestStats;
  readonly x: string[];
  readonly equity: number[];
  readonly buyHold: number[];
  readonly position: number[];
  readonly returns: number[];
}

export interface ModelResult {
  readonly name: string;
  readonly kind: string;
  readonly task: Task;
  readonly classes?: readonly string[];
  readonly folds: FoldResult[];
  readonly history?: Readonly<Record<string, readonly number[]>>;
  readonly importance?: Readonly<Record<string, number>>;
  readonly predictions: PooledPredictions;
  readonly metrics: ClassificationMetrics | RegressionMetrics;
  readonly directional: DirectionalAccuracy;
  readonly ic: InformationCoefficient;
  readonly backtests: SymbolBacktest[];
  readonly verdict: Verdict;
  /** Gate on the pooled directional accuracy and the first symbol's backtest (every symbol's gate in `gates`). */
  readonly gate: GateResult;
  readonly gates: Record<string, GateResult>;
}

export interface ExperimentResult {
  readonly name: string;
  readonly config: ExperimentConfig;
  readonly backend?: string;
  readonly split: string;
  readonly timeline: TimelineBar[];
  readonly interval: BarTable['interval'];
  readonly symbols: string[];
  readonly features: readonly string[];
  readonly label: { readonly name: string; readonly task: Task; readonly classes?: readonly string[] };
  readonly models: ModelResult[];
  /** PSI/KS per feature: the last fold's training samples against its test samples. */
  readonly drift: FeatureDrift[];
  readonly seconds: number;
}

export interface RunOptions {
  /** Progress lines (default: stderr). */
  readonly log?: (line: string) => void;
  /** Use these bars instead of loading the config's source. */
  readonly bars?: BarTable;
}

/**
 * Walk-forward evaluation: every model (baselines included) is refitted on each fold's training
 * samples and predicts that fold's test samples; out-of-sample predictions are pooled and scored
 * (metrics, directional accuracy, IC), traded (next-bar backtest with costs), tested for
 * significance (binomial, deflated Sharpe, Diebold-Mariano against `naive` for regressions) and
 * put through the deployment gate.
 */
export async function runExperiment(configJson: unknown, options: RunOptions = {}): Promise<ExperimentResult> {
  const started = Date.now();
  const config = parseExperimentConfig(configJson);
  const log = options.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const prepared = await prepareDataset(config.dataset, options.bars);
  const { labels, split, bars } = prepared;
  const task = labels.task;
  const rowOf = rowLookup(bars);
  const pooled = new Map<string, { entry: ModelEntry; folds: FoldResult[]; preds: PooledPredictions; history?: Record<string, readonly number[]>; importance?: Record<string, number> }>();
  for (const entry of config.models) pooled.set(modelName(entry), { entry, folds: [], preds: emptyPredictions() });

  let drift: FeatureDrift[] = [];
  for (let k = 0; k < split.folds.length; k++) {
    const fold = datasetFold(prepared, k);
    if (k === split.folds.length - 1) drift = driftOf(fold.train, fold.test);
    for (const entry of config.models) {
      const slot = pooled.get(modelName(entry))!;
      const model = createModel(entry.kind, task, entry.config ?? {});
      try {
        const fit = await model.fit(fold.train, fold.validation, { ...entry.fit, seed: config.seed ?? 42 });
        const out = await predictAll(model, fold.test);
        const realized = fold.test.timestamps ? Array.from({ length: fold.test.shape[0] }, (_, i) => labels.realizedReturn[rowOf(fold.test.symbols![i], fold.test.timestamps![i])]) : [];
        const score = directionalScore(task, labels.classes, out.pred, out.proba);
        appendPredictions(slot.preds, fold.test, out.pred, out.proba, score, realized);
        const dir = directionalAccuracy(score, realized);
        const foldScore = task === 'regression' ? regressionMetrics(fold.test.y, out.pred).rmse : classificationMetrics(fold.test.y, { classes: labels.classes!, yPred: out.pred }).accuracy;
        slot.folds.push({ fold: k, samples: fold.test.shape[0], fitSeconds: fit.seconds, epochs: fit.epochs, directionalAccuracy: dir.accuracy, score: foldScore });
        slot.history = fit.history as Record<string, readonly number[]>;
        const importance = (model as Model & { featureImportance?: (type: 'gain') => readonly { feature: string; value: number }[] }).featureImportance?.('gain');
        if (importance) slot.importance = Object.fromEntries(importance.map((f) => [f.feature, f.value]));
        log(`fold ${k + 1}/${split.folds.length} ${modelName(entry)}: fit ${fit.seconds.toFixed(1)}s, ${fit.epochs} epoch(s), directional accuracy ${(dir.accuracy * 100).toFixed(1)}%`);
      } finally {
        model.dispose?.();
      }
    }
  }

  const trials = config.trials ?? config.models.length;
  const naive = [...pooled.values()].find((p) => p.entry.kind === 'naive');
  const models: ModelResult[] = [...pooled.entries()].map(([name, slot]) => {
    const p = slot.preds;
    const metrics =
      task === 'regression' ? regressionMetrics(p.y, p.pred) : classificationMetrics(p.y, { classes: labels.classes!, yPred: p.pred, ...(p.proba.length ? { proba: p.proba } : {}) });
    const directional = directionalAccuracy(p.score, p.realized);
    const backtests = backtestBySymbol(bars, p, rowOf, config);
    const returns = backtests.flatMap((b) => b.returns.slice(1));
    const dm =
      task === 'regression' && naive && naive !== slot && naive.preds.y.length === p.y.length
        ? dieboldMariano(
            p.pred.map((v, i) => (v - p.y[i]) ** 2),
            naive.preds.pred.map((v, i) => (v - p.y[i]) ** 2),
          )
        : undefined;
    const gates = Object.fromEntries(
      backtests.map((b) => [
        b.symbol,
        deploymentGate({ directionalAccuracy: directional.accuracy, profitFactor: b.stats['Profit Factor'], maxDrawdownPct: b.stats['Max. Drawdown [%]'] }, config.gate),
      ]),
    );
    return {
      name,
      kind: slot.entry.kind,
      task,
      classes: labels.classes,
      folds: slot.folds,
      history: slot.history,
      importance: slot.importance,
      predictions: p,
      metrics,
      directional,
      ic: informationCoefficient(p.score, p.realized),
      backtests,
      verdict: verdict({ directional, returns, dieboldMariano: dm, trials }),
      gate: gates[backtests[0].symbol],
      gates,
    };
  });

  return {
    name: config.name,
    config,
    backend: activeBackend()?.name,
    split: describeSplit(split, { interval: bars.interval }),
    timeline: splitTimeline(split),
    interval: bars.interval,
    symbols: bars.symbols.map((s) => s.symbol),
    features: prepared.features.names,
    label: { name: labels.name, task, ...(labels.classes ? { classes: labels.classes } : {}) },
    models,
    drift,
    seconds: (Date.now() - started) / 1000,
  };
}

async function predictAll(model: Model, set: SampleSet): Promise<{ pred: Float32Array; proba?: Float32Array }> {
  const pred = await model.predict(set);
  const proba = model.task !== 'regression' && model.predictProba ? await model.predictProba(set) : undefined;
  return { pred, proba };
}

/** A signed score whose sign is the forecast direction. */
function directionalScore(task: Task, classes: readonly string[] | undefined, pred: Float32Array, proba?: Float32Array): Float64Array {
  const n = pred.length;
  if (task === 'regression') return Float64Array.from(pred);
  const k = classes!.length;
  const up = classes!.indexOf('UP');
  const down = classes!.indexOf('DOWN');
  if (!proba || up < 0) {
    // Without probabilities the predicted class is the forecast: UP +1, DOWN -1, anything else 0.
    return Float64Array.from(pred, (c) => (c === up ? 1 : c === down ? -1 : 0));
  }
  return Float64Array.from({ length: n }, (_, i) => proba[i * k + up] - (down >= 0 ? proba[i * k + down] : 1 - proba[i * k + up]));
}

function emptyPredictions(): PooledPredictions {
  return { timestamps: [], symbols: [], y: [], pred: [], proba: [], score: [], realized: [] };
}

function appendPredictions(into: PooledPredictions, set: SampleSet, pred: Float32Array, proba: Float32Array | undefined, score: Float64Array, realized: number[]): void {
  for (let i = 0; i < set.shape[0]; i++) {
    into.timestamps.push(set.timestamps![i]);
    into.symbols.push(set.symbols![i]);
    into.y.push(set.y[i]);
    into.pred.push(pred[i]);
    into.score.push(score[i]);
    into.realized.push(realized[i]);
  }
  if (proba) into.proba.push(...proba);
}

/** (symbol, timestamp) -> bar row. */
function rowLookup(bars: BarTable): (symbol: string, t: number) => number {
  const maps = new Map(bars.symbols.map((s) => [s.symbol, new Map(Array.from(bars.timestamp.subarray(s.start, s.end), (t, i) => [t, s.start + i]))]));
  return (symbol, t) => {
    const row = maps.get(symbol)?.get(t);
    if (row === undefined) throw new RangeError(`no bar for ${symbol} at ${new Date(t).toISOString()}`);
    return row;
  };
}

/** Trade each symbol over its out-of-sample span: position from the score at each predicted bar, flat elsewhere. */
function backtestBySymbol(bars: BarTable, p: PooledPredictions, rowOf: (s: string, t: number) => number, config: ExperimentConfig): SymbolBacktest[] {
  const spec = config.backtest ?? {};
  return bars.symbols
    .filter((s) => p.symbols.includes(s.symbol))
    .map((s) => {
      const rows = p.symbols.flatMap((sym, i) => (sym === s.symbol ? [i] : []));
      const barRows = rows.map((i) => rowOf(s.symbol, p.timestamps[i]));
      const first = Math.min(...barRows);
      const last = Math.min(s.end - 1, Math.max(...barRows) + 1);
      const scores = new Float64Array(last - first + 1).fill(Number.NaN);
      rows.forEach((i, k) => (scores[barRows[k] - first] = p.score[i]));
      const positions = targetPositions(scores, { longAbove: spec.longAbove ?? 0, shortBelow: spec.shortBelow });
      const slice = (c: Float64Array) => c.subarray(first, last + 1);
      const result = runBacktest(
        { close: slice(bars.close), open: slice(bars.open), timestamps: slice(bars.timestamp), positions },
        { execution: spec.execution, commissionBps: spec.commissionBps, slippageBps: spec.slippageBps },
      );
      const close0 = bars.close[first];
      const eq0 = result.equity[0];
      return {
        symbol: s.symbol,
        stats: backtestStats(result),
        x: Array.from(result.timestamps, (t) => formatTimestamp(t, bars.interval)),
        equity: Array.from(result.equity),
        buyHold: Array.from(slice(bars.close), (c) => (eq0 * c) / close0),
        position: Array.from(result.position),
        returns: Array.from(result.returns),
      };
    });
}

function driftOf(train: SampleSet, recent: SampleSet): FeatureDrift[] {
  const a = sampleColumns(train);
  const b = sampleColumns(recent);
  return featureDrift(Object.fromEntries(train.featureNames.map((n, j) => [n, a[j]])), Object.fromEntries(recent.featureNames.map((n, j) => [n, b[j]])));
}

