import { readFileSync } from 'node:fs';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from '../errors';

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;
export type Flags = Record<string, string | boolean | string[] | undefined>;

/** What a command produces: one JSON-able object (printed alone with --json) and its human rendering. */
export interface CommandResult {
  readonly json: Record<string, unknown>;
  readonly text: string;
  /** Exit code; default 0. */
  readonly exitCode?: number;
}

export interface Command {
  readonly name: string;
  readonly summary: string;
  /** Usage text shown by --help, after the generated option list. */
  readonly help: string;
  readonly options: OptionsConfig;
  /** Positional arguments the command takes, in order (each required), with their allowed values when fixed; none when absent. */
  readonly positionals?: readonly { readonly name: string; readonly values?: readonly string[] }[];
  run(flags: Flags, positionals: string[]): Promise<CommandResult>;
}

/** Options every command accepts. */
export const COMMON_OPTIONS: OptionsConfig = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

export function parseFlags(command: Command, argv: string[]): { flags: Flags; positionals: string[] } {
  let parsed: { values: Flags; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options: { ...COMMON_OPTIONS, ...command.options }, allowPositionals: true, strict: true }) as { values: Flags; positionals: string[] };
  } catch (err) {
    throw new UsageError(`${command.name}: ${(err as Error).message}. See stocklab ${command.name} --help`);
  }
  if (parsed.values.help) return { flags: parsed.values, positionals: parsed.positionals };
  const declared = command.positionals ?? [];
  const extra = parsed.positionals[declared.length];
  if (extra !== undefined) throw new UsageError(`${command.name}: unexpected argument "${extra}". See stocklab ${command.name} --help`);
  declared.forEach((p, i) => {
    const v = parsed.positionals[i];
    if (v === undefined) throw new UsageError(`${command.name}: missing <${p.name}>. See stocklab ${command.name} --help`);
    if (p.values && !p.values.includes(v)) throw new UsageError(`${command.name}: "${v}" is not a valid <${p.name}>; expected one of ${p.values.join(', ')}`);
  });
  return { flags: parsed.values, positionals: parsed.positionals };
}

export function helpText(command: Command): string {
  const opts = Object.entries(command.options).map(([name, o]) => `  --${name}${o.type === 'string' ? ' <value>' : ''}${o.multiple ? ' (repeatable)' : ''}`);
  return [`stocklab ${command.name}: ${command.summary}`, '', command.help.trim(), '', 'Options:', ...opts, '  --json              print exactly one JSON object on stdout', '  --help              this text'].join('\n');
}

/** Parse JSON given on the command line; `where` names the flag or file in the error. */
export function parseJsonText(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${where}: not valid JSON (${(err as Error).message})`);
  }
}

/** Read a JSON file named by a flag (a config); unreadable or invalid files are usage errors. */
export function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as Error).message}`);
  }
  return parseJsonText(text, path);
}

export function stringFlag(flags: Flags, name: string): string | undefined {
  const v = flags[name];
  return typeof v === 'string' ? v : undefined;
}

/** A repeatable flag, also accepting comma-separated values. */
export function listFlag(flags: Flags, name: string): string[] | undefined {
  const v = flags[name];
  if (v === undefined || typeof v === 'boolean') return undefined;
  return (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s !== '');
}

export function numberFlag(flags: Flags, name: string, check: (n: number) => boolean = Number.isFinite): number | undefined {
  const s = stringFlag(flags, name);
  if (s === undefined) return undefined;
  const n = Number(s);
  if (s.trim() === '' || !check(n)) throw new UsageError(`--${name} "${s}" is not a valid value`);
  return n;
}

export function oneOf<T extends string>(flags: Flags, name: string, allowed: readonly T[]): T | undefined {
  const s = stringFlag(flags, name);
  if (s === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(s)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}; got "${s}"`);
  return s as T;
}

