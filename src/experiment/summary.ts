import { classificationReport, type ClassificationMetrics, formatPValue } from '../evaluate';
import { type ReportSection, writeReport } from '../report/html';
import { calibrationChart, confusionChart, equityChart, foldTimeline, importanceChart, signalChart, trainingCurves } from '../plot/charts';
import type { Figure } from '../plot/figure';
import { type TableData, tableText } from '../plot/display';
import type { ExperimentResult, ModelResult } from './run';

const HEADER = ['model', 'dir. acc %', 'p (vs majority)', 'IC', 'return %', 'B&H %', 'Sharpe', 'max DD %', 'profit f.', 'trades', 'edge', 'gate'];

function row(m: ModelResult): (string | number)[] {
  const b = m.backtests[0].stats;
  const binom = m.verdict.tests.find((t) => t.name.startsWith('directional'));
  return [
    m.name,
    m.directional.accuracy * 100,
    binom ? formatPValue(binom.pValue) : '-',
    m.ic.spearman,
    b['Return [%]'],
    b['Buy & Hold Return [%]'],
    b['Sharpe Ratio'],
    b['Max. Drawdown [%]'],
    b['Profit Factor'],
    b['# Trades'],
    m.verdict.edge ? 'yes' : 'no',
    m.gate.pass ? 'PASS' : 'fail',
  ];
}

/** The summary as a table: one row per model over the pooled out-of-sample predictions, then the verdicts. */
export function summaryTable(r: ExperimentResult): TableData {
  return {
    caption: `experiment ${r.name}: ${r.symbols.join(', ')} ${r.interval}, label ${r.label.name} (${r.label.task}), ${r.features.length} features, ${r.timeline.filter((t) => t.segment === 'test').length} walk-forward fold(s), backend ${r.backend ?? 'n/a'}, ${r.seconds.toFixed(1)}s`,
    header: HEADER,
    rows: r.models.map(row),
    notes: [
      ...r.models.map((m) => `${m.name}: ${m.verdict.statement}`),
      `deployment gate (directional accuracy >= ${pct(r.models[0]?.gate.criteria[0]?.threshold)}, profit factor >= ${r.models[0]?.gate.criteria[1]?.threshold}, max drawdown <= ${r.models[0]?.gate.criteria[2]?.threshold}%): ` +
        (r.models.filter((m) => m.gate.pass).map((m) => m.name).join(', ') || 'no model passes'),
    ],
  };
}

/** The printed summary (`summaryTable` as text). */
export function summaryText(r: ExperimentResult): string {
  return tableText(summaryTable(r));
}

/** A JSON summary for --json: per model, the headline numbers, verdict and gate. */
export function summaryJson(r: ExperimentResult): Record<string, unknown> {
  return {
    name: r.name,
    backend: r.backend,
    symbols: r.symbols,
    label: r.label,
    features: r.features,
    seconds: r.seconds,
    models: r.models.map((m) => ({
      name: m.name,
      kind: m.kind,
      folds: m.folds,
      directionalAccuracy: m.directional.accuracy,
      majorityRate: m.directional.majorityRate,
      ic: m.ic,
      metrics: m.metrics,
      backtest: Object.fromEntries(m.backtests.map((b) => [b.symbol, b.stats])),
      verdict: { edge: m.verdict.edge, statement: m.verdict.statement, tests: m.verdict.tests },
      gate: m.gate,
    })),
    drift: r.drift,
  };
}

/** The standalone HTML report of an experiment (plotly embedded, works offline). */
export function writeExperimentReport(r: ExperimentResult, path: string): void {
  const sections: ReportSection[] = [
    {
      title: 'Summary',
      paragraphs: [summaryText(r).split('\n')[0], ...r.models.map((m) => `${m.name}: ${m.verdict.statement}`)],
      tables: [{ header: HEADER, rows: r.models.map(row) }],
      figures: [foldTimeline(r.timeline, r.interval, 'Walk-forward folds')],
    },
    ...r.models.map((m) => modelSection(m)),
    {
      title: 'Drift (last fold: training vs test samples)',
      tables: [{ header: ['feature', 'PSI', 'KS', 'KS p-value'], rows: r.drift.map((d) => [d.feature, d.psi, d.ks, d.ksPValue]) }],
      paragraphs: ['PSI above 0.25 is usually read as a significant shift, 0.1-0.25 as moderate.'],
    },
    { title: 'Split', paragraphs: [], tables: [{ header: ['split'], rows: r.split.split('\n').map((l) => [l]) }] },
  ];
  writeReport(path, `stocklab experiment ${r.name}`, sections);
}

function modelSection(m: ModelResult): ReportSection {
  const b = m.backtests[0];
  const figures: Figure[] = [equityChart(b.x, b.equity, b.buyHold, `${m.name}: equity vs buy and hold (${b.symbol}, out of sample)`)];
  if (m.task !== 'regression' && m.classes) {
    const cm = (m.metrics as ClassificationMetrics).confusion;
    figures.push(confusionChart(cm, m.classes, `${m.name}: confusion matrix`));
    const up = m.classes.indexOf('UP');
    if (up >= 0 && m.predictions.proba.length > 0) {
      const k = m.classes.length;
      const p = m.predictions.y.map((_, i) => m.predictions.proba[i * k + up]);
      figures.push(calibrationChart(p, m.predictions.y.map((y) => (y === up ? 1 : 0)), 10, `${m.name}: calibration of P(UP)`));
    }
  }
  if (m.history && Object.keys(m.history).length > 0 && Object.values(m.history)[0].length > 1) figures.push(trainingCurves(m.history, `${m.name}: training curves (last fold)`));
  if (m.importance) figures.push(importanceChart(m.importance, `${m.name}: feature importance (gain)`));
  const n = b.x.length;
  const from = Math.max(0, n - 250);
  figures.push(
    signalChart(
      b.x.slice(from),
      { open: b.buyHold.slice(from), high: b.buyHold.slice(from), low: b.buyHold.slice(from), close: b.buyHold.slice(from) },
      b.position.slice(from),
      `${m.name}: positions over the last ${n - from} bars (price scaled to equity)`,
    ),
  );
  return {
    title: `${m.name} (${m.kind})`,
    paragraphs: [m.verdict.statement, ...m.verdict.tests.map((t) => `${t.name}: ${t.detail}; p = ${formatPValue(t.pValue)}, adjusted ${formatPValue(t.adjustedPValue)}`)],
    tables: [
      { caption: 'Backtest statistics', header: ['statistic', ...m.backtests.map((x) => x.symbol)], rows: Object.keys(b.stats).map((k) => [k, ...m.backtests.map((x) => statCell(x.stats[k as keyof typeof x.stats]))]) },
      { caption: 'Deployment gate', header: ['criterion', 'value', 'rule', 'pass'], rows: m.gate.criteria.map((c) => [c.name, c.value, `${c.rule} ${c.threshold}`, c.pass ? 'PASS' : 'fail']) },
      { caption: 'Per fold', header: ['fold', 'samples', 'fit s', 'epochs', 'dir. acc %', m.task === 'regression' ? 'RMSE' : 'accuracy'], rows: m.folds.map((f) => [f.fold, f.samples, f.fitSeconds, f.epochs, f.directionalAccuracy * 100, f.score]) },
      ...(m.task !== 'regression' ? [{ caption: 'Classification report', header: ['report'], rows: classificationReport(m.metrics as ClassificationMetrics).split('\n').map((l) => [l]) }] : []),
    ],
    figures,
  };
}

function statCell(v: unknown): string | number {
  return typeof v === 'number' || typeof v === 'string' ? v : String(v);
}

function pct(v: number | undefined): string {
  return v === undefined ? '?' : `${(v * 100).toFixed(0)}%`;
}
