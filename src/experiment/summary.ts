import { formatPValue } from '../evaluate';
import { type TableData, tableText } from '../util/table';
import type { ExperimentResult, ModelResult } from './run';

/** Columns of the summary table: pooled forecasts and the equal-weight portfolio of every symbol. */
export const SUMMARY_HEADER = ['model', 'input', 'dir. acc %', 'p (vs majority)', 'IC', 'return %', 'B&H %', 'Sharpe', 'max DD %', 'profit f.', 'trades', 'edge', 'gate'];

export function summaryRow(m: ModelResult): (string | number)[] {
  const b = m.portfolio.stats;
  const binom = m.verdict.tests.find((t) => t.name.startsWith('directional'));
  return [
    m.baseline ? `${m.name} (baseline)` : m.name,
    m.input,
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

/** The summary as a table: one row per model over the pooled out-of-sample predictions, then the verdicts and the gate. */
export function summaryTable(r: ExperimentResult): TableData {
  return {
    caption: `experiment ${r.name}: ${symbolList(r.symbols)} ${r.interval}, label ${r.label.name} (${r.label.task}), ${r.features.length} features, ${r.timeline.filter((t) => t.segment === 'test').length} walk-forward fold(s), backend ${r.backend ?? 'n/a'}, ${r.seconds.toFixed(1)}s`,
    header: SUMMARY_HEADER,
    rows: r.models.map(summaryRow),
    notes: [
      ...(r.bestAccuracy !== undefined
        ? [`best achievable directional accuracy (planted signal, Bayes-optimal forecast): ${(r.bestAccuracy * 100).toFixed(2)}%; each model's gap to it: ${r.models.map((m) => `${m.name} ${((r.bestAccuracy! - m.directional.accuracy) * 100).toFixed(2)}`).join(', ')} points`]
        : []),
      ...r.models.map((m) => `${m.name}: ${m.verdict.statement}`),
      `deployment gate, ${r.models[0]?.gate.mode ?? 'relative'} (${(r.models[0]?.gate.criteria ?? []).map((c) => `${c.name} ${c.rule} ${c.threshold}`).join(', ')}): ` +
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
    ...(r.bestAccuracy !== undefined ? { bestAccuracy: r.bestAccuracy } : {}),
    models: r.models.map((m) => ({
      name: m.name,
      kind: m.kind,
      folds: m.folds,
      directionalAccuracy: m.directional.accuracy,
      majorityRate: m.directional.majorityRate,
      ic: m.ic,
      metrics: m.metrics,
      input: m.input,
      baseline: m.baseline,
      portfolio: m.portfolio.stats,
      backtest: Object.fromEntries(m.backtests.map((b) => [b.symbol, b.stats])),
      verdict: { edge: m.verdict.edge, statement: m.verdict.statement, tests: m.verdict.tests },
      gate: m.gate,
      gates: m.gates,
    })),
    drift: r.drift,
  };
}

function symbolList(symbols: readonly string[]): string {
  return symbols.length <= 8 ? symbols.join(', ') : `${symbols.length} symbols (${symbols.slice(0, 5).join(', ')}, ...)`;
}
