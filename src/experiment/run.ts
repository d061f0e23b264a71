import { activeBackend } from '../backend';
import { type BacktestStats, type PortfolioBacktest, backtestStats, portfolioBacktest, runBacktest, targetPositions } from '../backtest';
import { type BarTable, barsPerYear, formatTimestamp } from '../data/bars';
import { type DatasetFold, type PreparedDataset, datasetFold, prepareDataset } from '../dataset';
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
import { type FitResult, createModel, forecast, modelFactory } from '../models';
import { type Predictions, concatPredictions } from '../records/predictions';
import { type SampleSet, sampleColumns, sampleCount } from '../records/samples';
import type { Task } from '../records/task';
import { horizonOf } from '../labels';
import { type TimelineBar, describeSplit, splitTimeline } from '../split';
import { type BacktestSpec, type ExperimentConfig, type ModelEntry, modelName, parseExperimentConfig } from './config';

/** One model's fit on one fold and its out-of-sample forecasts. */
export interface FoldForecast {
  readonly fold: number;
  readonly fit: FitResult;
  readonly predictions: Predictions;
  readonly importance?: Readonly<Record<string, number>>;
  /** What the model read of each sample, e.g. `lags 0,1,2 x 5 features`. */
  readonly input: string;
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

export interface ForecastScores {
  readonly metrics: ClassificationMetrics | RegressionMetrics;
  readonly directional: DirectionalAccuracy;
  readonly ic: InformationCoefficient;
}

export interface SymbolBacktest {
  readonly symbol: string;
  readonly tradeReturns: readonly number[];
  readonly stats: BacktestStats;
  readonly timestamps: Float64Array;
  readonly x: string[];
  readonly equity: Float64Array;
  readonly buyHold: Float64Array;
  readonly position: Float64Array;
  readonly returns: Float64Array;
}

export interface ForecastBacktest {
  readonly symbols: SymbolBacktest[];
  /** Equal-weight portfolio of every symbol: the pooled view the verdict and gate use. */
  readonly portfolio: PortfolioBacktest;
}

export interface ModelResult {
  readonly name: string;
  readonly kind: string;
  readonly task: Task;
  readonly baseline: boolean;
  readonly input: string;
  readonly classes?: readonly string[];
  readonly folds: FoldResult[];
  readonly history?: Readonly<Record<string, readonly number[]>>;
  readonly importance?: Readonly<Record<string, number>>;
  readonly predictions: Predictions;
  readonly metrics: ClassificationMetrics | RegressionMetrics;
  readonly directional: DirectionalAccuracy;
  readonly ic: InformationCoefficient;
  readonly backtests: SymbolBacktest[];
  readonly portfolio: PortfolioBacktest;
  readonly verdict: Verdict;
  /** Gate on the pooled directional accuracy and the portfolio backtest. */
  readonly gate: GateResult;
  /** Gate per symbol, on that symbol's directional accuracy and backtest. */
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
  /** The model every other is compared with, when the experiment has one. */
  readonly baseline?: string;
  /**
   * Best achievable directional accuracy of next-bar forecasts, when the bars come from the
   * synthetic source with a planted signal (the Bayes-optimal forecast's expected hit rate).
   */
  readonly bestAccuracy?: number;
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
 * Stage 1: fit a fresh model of `entry` on the fold's training samples and forecast its test
 * samples. Nothing of the test samples reaches `fit`.
 */
export async function fitAndPredictFold(entry: ModelEntry, prepared: PreparedDataset, fold: DatasetFold, seed: number): Promise<FoldForecast> {
  const { labels } = prepared;
  const model = createModel(entry.kind, labels.task, entry.config ?? {});
  try {
    const fit = await model.fit(fold.train, fold.validation, { ...entry.fit, seed });
    const test = fold.test;
    const predictions = await forecast(model, test, { classes: labels.classes, realized: test.barRows && Float64Array.from(test.barRows, (r) => labels.realizedReturn[r]) });
    const importance = model.importance();
    return { fold: fold.index, fit, predictions, ...(importance ? { importance } : {}), input: model.inputDescription() };
  } finally {
    model.dispose();
  }
}

/** Stage 2: metrics, directional accuracy and information coefficient of forecasts. */
export function scoreForecasts(p: Predictions): ForecastScores {
  const metrics =
    p.task === 'regression'
      ? regressionMetrics(p.yTrue, p.yPred)
      : classificationMetrics(p.yTrue, { classes: p.classes ?? [], yPred: p.yPred, ...(p.proba ? { proba: p.proba } : {}) });
  return { metrics, directional: directionalAccuracy(p.score, p.realized), ic: informationCoefficient(p.score, p.realized) };
}

/**
 * Stage 3: trade each symbol over its out-of-sample span (position from the score at each
 * forecast bar, flat elsewhere), then pool the symbols into an equal-weight portfolio.
 * Forecasts are placed by their bar rows: one sort, no lookups.
 */
export function backtestForecasts(bars: BarTable, p: Predictions, spec: BacktestSpec = {}): ForecastBacktest {
  const order = Int32Array.from({ length: p.barRows.length }, (_, i) => i).sort((i, j) => p.barRows[i] - p.barRows[j]);
  const perYear = barsPerYear(bars.interval);
  const symbols: SymbolBacktest[] = [];
  let k = 0;
  for (const s of bars.symbols) {
    const begin = k;
    while (k < order.length && p.barRows[order[k]] < s.end) k++;
    if (k === begin) continue;
    const first = p.barRows[order[begin]];
    const last = Math.min(s.end - 1, p.barRows[order[k - 1]] + 1);
    const scores = new Float64Array(last - first + 1).fill(Number.NaN);
    for (let i = begin; i < k; i++) scores[p.barRows[order[i]] - first] = p.score[order[i]];
    const positions = targetPositions(scores, { longAbove: spec.longAbove ?? 0, shortBelow: spec.shortBelow });
    const slice = (c: Float64Array) => c.subarray(first, last + 1);
    const result = runBacktest(
      { close: slice(bars.close), open: slice(bars.open), timestamps: slice(bars.timestamp), positions },
      { execution: spec.execution, commissionBps: spec.commissionBps, slippageBps: spec.slippageBps },
    );
    const close = slice(bars.close);
    const eq0 = result.equity[0];
    symbols.push({
      symbol: s.symbol,
      tradeReturns: result.trades.map((t) => t.return),
      stats: backtestStats(result, { barsPerYear: perYear }),
      timestamps: Float64Array.from(result.timestamps),
      x: Array.from(result.timestamps, (t) => formatTimestamp(t, bars.interval)),
      equity: Float64Array.from(result.equity),
      buyHold: Float64Array.from(close, (c) => (eq0 * c) / close[0]),
      position: Float64Array.from(result.position),
      returns: Float64Array.from(result.returns),
    });
  }
  const portfolio = portfolioBacktest(
    symbols.map((b) => ({ timestamps: b.timestamps, returns: b.returns, tradeReturns: b.tradeReturns, buyHold: Float64Array.from(b.buyHold, (e, i) => (i === 0 ? 0 : e / b.buyHold[i - 1] - 1)) })),
    perYear,
  );
  return { symbols, portfolio };
}

/** Directional accuracy of each symbol's forecasts, in one pass over the record. */
function directionalBySymbol(p: Predictions): Map<string, DirectionalAccuracy> {
  const rows = new Map<string, number[]>();
  for (let i = 0; i < p.symbols.length; i++) {
    const list = rows.get(p.symbols[i]);
    if (list) list.push(i);
    else rows.set(p.symbols[i], [i]);
  }
  return new Map(
    [...rows].map(([symbol, idx]) => [
      symbol,
      directionalAccuracy(
        Float64Array.from(idx, (i) => p.score[i]),
        Float64Array.from(idx, (i) => p.realized[i]),
      ),
    ]),
  );
}

/**
 * Stage 4: the verdict (binomial vs majority, deflated Sharpe of the portfolio, Diebold-Mariano
 * against the named baseline for regressions) and the gates, pooled and per symbol.
 */
export function judgeForecasts(
  p: Predictions,
  scores: ForecastScores,
  backtest: ForecastBacktest,
  options: { readonly config: ExperimentConfig; readonly trials: number; readonly horizonBars: number; readonly baseline?: Predictions },
): { verdict: Verdict; gate: GateResult; gates: Record<string, GateResult> } {
  const b = options.baseline;
  const h = options.horizonBars;
  const groups = p.symbols;
  const dm =
    p.task === 'regression' && b && b !== p
      ? dieboldMariano(
          Float64Array.from(p.yPred, (v, i) => (v - p.yTrue[i]) ** 2),
          Float64Array.from(b.yPred, (v, i) => (v - b.yTrue[i]) ** 2),
          { horizon: h, groups },
        )
      : undefined;
  const portfolio = backtest.portfolio;
  const judged = verdict({
    directional: scores.directional,
    forecasts: { predicted: p.score, realised: p.realized, groups },
    horizonBars: h,
    returns: portfolio.returns.subarray(1),
    buyHoldReturns: portfolio.buyHoldReturns.subarray(1),
    dieboldMariano: dm,
    trials: options.trials,
    mode: options.config.gate?.mode,
  });
  const gateOf = (directional: DirectionalAccuracy, stats: { 'Return [%]': number; 'Buy & Hold Return [%]': number; 'Profit Factor': number; 'Max. Drawdown [%]': number }) =>
    deploymentGate(
      {
        directionalAccuracy: directional.accuracy,
        majorityRate: directional.majorityRate,
        returnPct: stats['Return [%]'],
        buyHoldReturnPct: stats['Buy & Hold Return [%]'],
        profitFactor: stats['Profit Factor'],
        maxDrawdownPct: stats['Max. Drawdown [%]'],
      },
      options.config.gate,
    );
  const gate = gateOf(scores.directional, portfolio.stats);
  const bySymbol = directionalBySymbol(p);
  const gates = Object.fromEntries(backtest.symbols.map((s) => [s.symbol, gateOf(bySymbol.get(s.symbol)!, s.stats)]));
  return { verdict: judged, gate, gates };
}

/** The model every other is compared with: the named one, else the first baseline-tagged model. */
export function baselineName(config: ExperimentConfig): string | undefined {
  if (config.baseline) return config.baseline;
  const first = config.models.find((m) => modelFactory(m.kind).tags.baseline);
  return first && modelName(first);
}

/**
 * Walk-forward evaluation as a chain of the public stages above: every model (baselines
 * included) is refitted on each fold's training samples and forecasts that fold's test samples
 * (`fitAndPredictFold`); forecasts are pooled over folds, scored (`scoreForecasts`), traded per
 * symbol and as a portfolio (`backtestForecasts`) and judged (`judgeForecasts`).
 */
export async function runExperiment(configJson: unknown, options: RunOptions = {}): Promise<ExperimentResult> {
  const started = Date.now();
  const config = parseExperimentConfig(configJson);
  const log = options.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const prepared = await prepareDataset(config.dataset, options.bars);
  const { labels, split, bars } = prepared;
  const seed = config.seed ?? 42;
  const forecasts = new Map<string, FoldForecast[]>(config.models.map((e) => [modelName(e), []]));
  const folds = new Map<string, FoldResult[]>(config.models.map((e) => [modelName(e), []]));

  let drift: FeatureDrift[] = [];
  for (let k = 0; k < split.folds.length; k++) {
    const fold = datasetFold(prepared, k);
    if (k === split.folds.length - 1) drift = driftOf(fold.train, fold.test);
    for (const entry of config.models) {
      const name = modelName(entry);
      // A fit at the seeds' sizes takes minutes: say what is running before it starts.
      log(`fold ${k + 1}/${split.folds.length} ${name}: fitting on ${sampleCount(fold.train)} training samples${fold.validation ? ` (${sampleCount(fold.validation)} validation)` : ''}, then ${sampleCount(fold.test)} test`);
      const f = await fitAndPredictFold(entry, prepared, fold, seed);
      forecasts.get(name)!.push(f);
      const s = scoreForecasts(f.predictions);
      const foldScore = 'rmse' in s.metrics ? s.metrics.rmse : s.metrics.accuracy;
      folds.get(name)!.push({ fold: k, samples: sampleCount(fold.test), fitSeconds: f.fit.seconds, epochs: f.fit.epochs, directionalAccuracy: s.directional.accuracy, score: foldScore });
      log(`fold ${k + 1}/${split.folds.length} ${name}: fit ${f.fit.seconds.toFixed(1)}s, ${f.fit.epochs} epoch(s), directional accuracy ${(s.directional.accuracy * 100).toFixed(1)}%`);
    }
  }

  const pooled = new Map([...forecasts].map(([name, fs]) => [name, concatPredictions(fs.map((f) => f.predictions))]));
  const baseline = baselineName(config);
  const trials = config.trials ?? config.models.length;
  const models: ModelResult[] = config.models.map((entry) => {
    const name = modelName(entry);
    const fs = forecasts.get(name)!;
    const last = fs[fs.length - 1];
    const p = pooled.get(name)!;
    const scores = scoreForecasts(p);
    const backtest = backtestForecasts(bars, p, config.backtest);
    const judged = judgeForecasts(p, scores, backtest, { config, trials, horizonBars: horizonOf(prepared.config.label), baseline: baseline === undefined ? undefined : pooled.get(baseline) });
    return {
      name,
      kind: entry.kind,
      task: labels.task,
      baseline: modelFactory(entry.kind).tags.baseline,
      input: last.input,
      classes: labels.classes,
      folds: folds.get(name)!,
      history: last.fit.history,
      importance: last.importance,
      predictions: p,
      ...scores,
      backtests: backtest.symbols,
      portfolio: backtest.portfolio,
      ...judged,
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
    label: { name: labels.name, task: labels.task, ...(labels.classes ? { classes: labels.classes } : {}) },
    ...(baseline ? { baseline } : {}),
    ...(prepared.signal && prepared.signal.strength > 0 ? { bestAccuracy: prepared.signal.bestAccuracy } : {}),
    models,
    drift,
    seconds: (Date.now() - started) / 1000,
  };
}

function driftOf(train: SampleSet, recent: SampleSet): FeatureDrift[] {
  const a = sampleColumns(train);
  const b = sampleColumns(recent);
  const names = train.features.names;
  return featureDrift(Object.fromEntries(names.map((n, j) => [n, a[j]])), Object.fromEntries(names.map((n, j) => [n, b[j]])));
}
