import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { classificationReport, type ClassificationMetrics, formatPValue } from '../evaluate';
import { type ExperimentResult, type ModelResult, SUMMARY_HEADER, summaryJson, summaryRow, summaryText } from '../experiment';
import { calibrationChart, confusionChart, equityChart, foldTimeline, importanceChart, signalChart, trainingCurves } from '../plot/charts';
import type { Figure } from '../plot/figure';
import { predictionsCsv } from '../records/predictions';
import { upClass } from '../records/task';
import { writeFileAtomic, writeJsonAtomic } from '../util/fs';
import { type ReportSection, writeReport } from './html';

/** The files an experiment's report consists of. */
export interface ReportFiles {
  readonly html: string;
  /** Summary plus per-bar equity (portfolio and per symbol) of every model. */
  readonly json: string;
  /** Per model, its pooled out-of-sample forecasts in the one predictions CSV layout. */
  readonly predictions: Readonly<Record<string, string>>;
}

/**
 * Write the standalone HTML report, `report.json` (the summary plus every per-bar series a
 * figure is drawn from) and one predictions CSV per model, so any figure can be recomputed
 * without the HTML.
 */
export function writeExperimentReport(r: ExperimentResult, htmlPath: string): ReportFiles {
  const dir = dirname(htmlPath);
  mkdirSync(dir, { recursive: true });
  const predictions: Record<string, string> = {};
  for (const m of r.models) {
    const file = join(dir, `predictions-${m.name}.csv`);
    writeFileAtomic(file, predictionsCsv(m.predictions, r.interval));
    predictions[m.name] = file;
  }
  const json = htmlPath.replace(/\.html?$/i, '') + '.json';
  writeJsonAtomic(json, { ...summaryJson(r), series: r.models.map(seriesOf), predictions });
  writeReport(htmlPath, `stocklab experiment ${r.name}`, sections(r));
  return { html: htmlPath, json, predictions };
}

function seriesOf(m: ModelResult) {
  const iso = (t: Float64Array) => Array.from(t, (x) => new Date(x).toISOString());
  return {
    model: m.name,
    portfolio: { time: iso(m.portfolio.timestamps), returns: Array.from(m.portfolio.returns), equity: Array.from(m.portfolio.equity), buyHold: Array.from(m.portfolio.buyHoldEquity) },
    symbols: m.backtests.map((b) => ({ symbol: b.symbol, time: b.x, position: Array.from(b.position), returns: Array.from(b.returns), equity: Array.from(b.equity), buyHold: Array.from(b.buyHold) })),
  };
}

function sections(r: ExperimentResult): ReportSection[] {
  return [
    {
      title: 'Summary',
      paragraphs: [summaryText(r).split('\n')[0], ...r.models.map((m) => `${m.name}: ${m.verdict.statement}`)],
      tables: [{ header: SUMMARY_HEADER, rows: r.models.map(summaryRow) }],
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
}

function modelSection(m: ModelResult): ReportSection {
  const pf = m.portfolio;
  const x = Array.from(pf.timestamps, (t) => new Date(t).toISOString());
  const figures: Figure[] = [equityChart(x, Array.from(pf.equity), Array.from(pf.buyHoldEquity), `${m.name}: equity vs buy and hold (equal-weight portfolio of ${pf.stats.Symbols} symbol(s), out of sample)`)];
  const p = m.predictions;
  if (m.task !== 'regression' && m.classes && p.proba) {
    const cm = (m.metrics as ClassificationMetrics).confusion;
    figures.push(confusionChart(cm, m.classes, `${m.name}: confusion matrix`));
    const k = m.classes.length;
    const up = upClass(k, m.classes);
    figures.push(
      calibrationChart(
        Array.from({ length: p.yPred.length }, (_, i) => p.proba![i * k + up]),
        Array.from(p.yTrue, (y) => (y === up ? 1 : 0)),
        10,
        `${m.name}: calibration of P(${m.classes[up]})`,
      ),
    );
  }
  if (m.history && Object.keys(m.history).length > 0 && Object.values(m.history)[0].length > 1) figures.push(trainingCurves(m.history, `${m.name}: training curves (last fold)`));
  if (m.importance) figures.push(importanceChart(m.importance, `${m.name}: feature importance (last fold)`));
  const b = m.backtests[0];
  const n = b.x.length;
  const from = Math.max(0, n - 250);
  const scaled = Array.from(b.buyHold.subarray(from));
  figures.push(signalChart(b.x.slice(from), { open: scaled, high: scaled, low: scaled, close: scaled }, Array.from(b.position.subarray(from)), `${m.name}: positions over the last ${n - from} bars of ${b.symbol} (price scaled to equity)`));
  return {
    title: `${m.name} (${m.kind}${m.baseline ? ', baseline' : ''}; reads ${m.input})`,
    paragraphs: [m.verdict.statement, ...m.verdict.tests.map((t) => `${t.name}: ${t.detail}; p = ${formatPValue(t.pValue)}, adjusted ${formatPValue(t.adjustedPValue)}`)],
    tables: [
      { caption: 'Portfolio (equal weight)', header: ['statistic', 'value'], rows: Object.entries(pf.stats).map(([k, v]) => [k, v]) },
      { caption: 'Backtest statistics per symbol', header: ['statistic', ...m.backtests.map((s) => s.symbol)], rows: Object.keys(b.stats).map((k) => [k, ...m.backtests.map((s) => statCell(s.stats[k as keyof typeof s.stats]))]) },
      { caption: 'Deployment gate (pooled)', header: ['criterion', 'value', 'rule', 'pass'], rows: m.gate.criteria.map((c) => [c.name, c.value, `${c.rule} ${c.threshold}`, c.pass ? 'PASS' : 'fail']) },
      { caption: 'Deployment gate per symbol', header: ['symbol', 'pass', ...m.gate.criteria.map((c) => c.name)], rows: Object.entries(m.gates).map(([s, g]) => [s, g.pass ? 'PASS' : 'fail', ...g.criteria.map((c) => c.value)]) },
      { caption: 'Per fold', header: ['fold', 'samples', 'fit s', 'epochs', 'dir. acc %', m.task === 'regression' ? 'RMSE' : 'accuracy'], rows: m.folds.map((f) => [f.fold, f.samples, f.fitSeconds, f.epochs, f.directionalAccuracy * 100, f.score]) },
      ...(m.task !== 'regression' ? [{ caption: 'Classification report', header: ['report'], rows: classificationReport(m.metrics as ClassificationMetrics).split('\n').map((l) => [l]) }] : []),
    ],
    figures,
  };
}

function statCell(v: unknown): string | number {
  return typeof v === 'number' || typeof v === 'string' ? v : String(v);
}
