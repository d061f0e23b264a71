import { join } from 'node:path';
import { describeBackend, initBackend } from '../backend';
import { UsageError } from '../errors';
import { type ExperimentConfig, defaultExperiment, parseExperimentConfig, runExperiment, summaryJson, summaryText } from '../experiment';
import { writeExperimentReport } from '../report';
import { projectRoot } from '../util/env';
import { type Command, type CommandResult, type Flags, readJsonFile, stringFlag } from './command';

const OPTIONS = { config: { type: 'string' }, out: { type: 'string' }, backend: { type: 'string' } } as const;

/** Run an experiment config end to end and write its HTML report and JSON summary. */
async function evaluate(config: ExperimentConfig, flags: Flags): Promise<CommandResult> {
  const backend = await initBackend({ backend: stringFlag(flags, 'backend') });
  process.stderr.write(describeBackend(backend) + '\n');
  const result = await runExperiment(config);
  const reportPath = stringFlag(flags, 'out') ?? join(projectRoot(), 'reports', result.name, 'report.html');
  const files = writeExperimentReport(result, reportPath);
  return {
    json: { ...summaryJson(result), report: files.html, summary: files.json, predictions: files.predictions },
    text: `${describeBackend(backend)}\n${summaryText(result)}\n\nreport: ${files.html}\nsummary and per-bar series: ${files.json}\npredictions: ${Object.values(files.predictions).join(', ')}`,
  };
}

/** The config named by --config, checked before anything is loaded or trained; errors name the file. */
function readConfig(flags: Flags): ExperimentConfig {
  const path = stringFlag(flags, 'config');
  if (!path) throw new UsageError('--config FILE is required');
  return parseExperimentConfig(readJsonFile(path), path);
}

const CONFIG_HELP = `An experiment config is JSON: {"name", "dataset": {source, start?, end?, adjust?, features,
label, split, scaler?, lookback?}, "models": [{"kind", "name"?, "config"?}], "backtest"?, "gate"?,
"trials"?, "seed"?}; see experiments/ for ready ones.`;

export const evaluateCommand: Command = {
  name: 'evaluate',
  summary: 'walk-forward evaluation of every model in an experiment config, with report',
  help: `Usage: stocklab evaluate --config EXPERIMENT.json [--out REPORT.html] [--backend NAME] [--json]

Refits every model (baselines included) on each fold of the config's split, pools the
out-of-sample predictions and reports metrics, a next-bar backtest with costs, significance
(binomial, deflated Sharpe, Diebold-Mariano vs naive) and the deployment gate, per fold and
overall. Writes an offline HTML report (default reports/<name>/report.html) and a JSON summary
beside it. ${CONFIG_HELP}`,
  options: OPTIONS,
  run: (flags) => evaluate(readConfig(flags), flags),
};

export const reportCommand: Command = {
  ...evaluateCommand,
  name: 'report',
  summary: 'the standalone HTML report of an experiment (same run as evaluate)',
  help: `Usage: stocklab report --config EXPERIMENT.json --out REPORT.html [--json]

Runs the experiment and writes its standalone HTML report (plotly embedded, works offline).
${CONFIG_HELP}`,
};

export const runCommand: Command = {
  name: 'run',
  summary: 'the main job: the default experiment offline (synthetic market with a planted signal)',
  help: `Usage: stocklab run [--config EXPERIMENT.json] [--out REPORT.html] [--backend NAME] [--json]

Runs the default experiment on the embedded synthetic market (seed 42, planted signal 0.3; the
best achievable directional accuracy is printed): an LSTM, gradient-boosted trees and the
baselines through walk-forward evaluation to the HTML report and a printed summary table.
STOCKLAB_FAST=1 shrinks data and epochs for CI.`,
  options: OPTIONS,
  run: (flags) => evaluate(stringFlag(flags, 'config') ? readConfig(flags) : defaultExperiment(), flags),
};
