import { StocklabError } from '../errors';
import { type Command, helpText, parseFlags } from './command';
import { dataCommand } from './data';
import { featuresCommand } from './features';
import { metricsCommand } from './metrics';
import { benchCommand } from './bench';
import { fitTableCommand } from './fit-table';
import { predictCommand, trainCommand } from './train';
import { evaluateCommand, reportCommand, runCommand } from './evaluate';
import { validateCommand } from './validate';
import { scriptCommand } from './script';

const COMMANDS: readonly Command[] = [runCommand, dataCommand, featuresCommand, trainCommand, predictCommand, evaluateCommand, reportCommand, metricsCommand, fitTableCommand, validateCommand, benchCommand, scriptCommand];

const USAGE = `stocklab: stock-price prediction experiments

Usage: stocklab <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`).join('\n')}

Every command accepts --help, and --json to print exactly one JSON object on stdout
(progress and logs go to stderr). Exit codes: 0 ok, 2 bad usage, 3 bad input data,
4 data source unavailable, 1 anything else.`;

/** Run the CLI; resolves to the process exit code. Never throws. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const json = rest.includes('--json');
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE + '\n');
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) return fail(json, 2, `unknown command "${name}"\n\n${USAGE}`);
  try {
    const { flags, positionals } = parseFlags(command, rest);
    if (flags.help) {
      process.stdout.write(helpText(command) + '\n');
      return 0;
    }
    const result = await command.run(flags, positionals);
    process.stdout.write((json ? JSON.stringify({ command: command.name, ok: true, ...result.json }) : result.text) + '\n');
    return result.exitCode ?? 0;
  } catch (err) {
    if (err instanceof StocklabError) return fail(json, err.exitCode, err.message, err);
    return fail(json, 1, (err as Error).stack ?? String(err));
  }
}

function fail(json: boolean, code: number, message: string, err?: StocklabError): number {
  process.stderr.write(`stocklab: ${message}\n`);
  if (json) {
    const issues = err && 'issues' in err ? (err as { issues: unknown }).issues : undefined;
    process.stdout.write(JSON.stringify({ ok: false, exitCode: code, error: message, issues }) + '\n');
  }
  return code;
}
