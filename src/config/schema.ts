import { UsageError } from '../errors';

/**
 * One declarative validator for every config object in the kit (experiment, dataset, source,
 * features, label, split, scaler, model, fit, backtest, gate). A schema both checks a JSON value
 * (unknown keys and wrong types are errors naming the path, with a did-you-mean) and describes
 * itself as JSON Schema, so the schema file editors use can never drift from what runs.
 */

/** A config value that does not fit its schema. `path` is e.g. `models[0].config.epochs`. */
export class ConfigError extends UsageError {
  constructor(
    readonly path: string,
    readonly problem: string,
    /** The file or flag the config came from, when known. */
    readonly source?: string,
  ) {
    super([source, path, problem].filter((s) => s).join(': '));
  }

  /** The same error, located in a file. */
  in(source: string): ConfigError {
    return new ConfigError(this.path, this.problem, source);
  }
}

export type JsonSchema = Record<string, unknown>;

export interface Schema<T> {
  /** Check `value` (found at `path`) and return it with defaults filled in. Throws `ConfigError`. */
  parse(value: unknown, path: string): T;
  /** The same constraints as JSON Schema (draft 2020-12). */
  json(): JsonSchema;
  /** Short human description of what is expected, used in error messages. */
  readonly expected: string;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 60 ? v.slice(0, 57) + '...' : v)}`;
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : `non-finite ${v}`;
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (v === null) return 'null';
  if (typeof v === 'object') return 'an object';
  return String(v);
}

function fail(path: string, expected: string, got: unknown): never {
  throw new ConfigError(path, `expected ${expected}, got ${describeValue(got)}`);
}

function withDoc(schema: JsonSchema, doc?: string): JsonSchema {
  return doc ? { ...schema, description: doc } : schema;
}

export interface NumberRule {
  readonly integer?: boolean;
  readonly min?: number;
  readonly max?: number;
  /** Bounds excluded, e.g. a learning rate > 0. */
  readonly exclusiveMin?: boolean;
  readonly exclusiveMax?: boolean;
  readonly doc?: string;
}

/** A finite number (JSON has no NaN or Infinity) within the given bounds. */
export function num(rule: NumberRule = {}): Schema<number> {
  const parts = [rule.integer ? 'an integer' : 'a number'];
  if (rule.min !== undefined) parts.push(`${rule.exclusiveMin ? '>' : '>='} ${rule.min}`);
  if (rule.max !== undefined) parts.push(`${rule.min !== undefined ? 'and ' : ''}${rule.exclusiveMax ? '<' : '<='} ${rule.max}`);
  const expected = parts.join(' ');
  return {
    expected,
    parse(v, path) {
      if (typeof v !== 'number' || !Number.isFinite(v)) fail(path, expected, v);
      if (rule.integer && !Number.isInteger(v)) fail(path, expected, v);
      if (rule.min !== undefined && (rule.exclusiveMin ? v <= rule.min : v < rule.min)) fail(path, expected, v);
      if (rule.max !== undefined && (rule.exclusiveMax ? v >= rule.max : v > rule.max)) fail(path, expected, v);
      return v;
    },
    json() {
      const s: JsonSchema = { type: rule.integer ? 'integer' : 'number' };
      if (rule.min !== undefined) s[rule.exclusiveMin ? 'exclusiveMinimum' : 'minimum'] = rule.min;
      if (rule.max !== undefined) s[rule.exclusiveMax ? 'exclusiveMaximum' : 'maximum'] = rule.max;
      return withDoc(s, rule.doc);
    },
  };
}

export const int = (rule: Omit<NumberRule, 'integer'> = {}): Schema<number> => num({ ...rule, integer: true });

export interface StringRule {
  readonly pattern?: RegExp;
  /** What the pattern means, for messages ("letters, digits, '.', '_' or '-'"). */
  readonly patternDoc?: string;
  /** Extra check returning a problem, e.g. an unparseable date. */
  readonly check?: (s: string) => string | undefined;
  readonly doc?: string;
}

export function str(rule: StringRule = {}): Schema<string> {
  const expected = rule.patternDoc ? `a string of ${rule.patternDoc}` : 'a string';
  return {
    expected,
    parse(v, path) {
      if (typeof v !== 'string') fail(path, expected, v);
      if (rule.pattern && !rule.pattern.test(v)) fail(path, expected, v);
      const problem = rule.check?.(v);
      if (problem) throw new ConfigError(path, problem);
      return v;
    },
    json: () => withDoc({ type: 'string', ...(rule.pattern ? { pattern: rule.pattern.source } : {}) }, rule.doc),
  };
}

export function bool(doc?: string): Schema<boolean> {
  return {
    expected: 'true or false',
    parse(v, path) {
      if (typeof v !== 'boolean') fail(path, 'true or false', v);
      return v;
    },
    json: () => withDoc({ type: 'boolean' }, doc),
  };
}

/** One of a fixed set of strings (or numbers). */
export function oneOf<const T extends string | number>(values: readonly T[], doc?: string): Schema<T> {
  const expected = `one of ${values.map((v) => JSON.stringify(v)).join(', ')}`;
  return {
    expected,
    parse(v, path) {
      if (!(values as readonly unknown[]).includes(v)) {
        const hint = typeof v === 'string' ? didYouMean(v, values.map(String)) : '';
        throw new ConfigError(path, `expected ${expected}, got ${describeValue(v)}${hint}`);
      }
      return v as T;
    },
    json: () => withDoc({ enum: [...values] }, doc),
  };
}

export interface ArrayRule {
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly doc?: string;
}

export function arr<T>(item: Schema<T>, rule: ArrayRule = {}): Schema<T[]> {
  const size =
    rule.minItems !== undefined && rule.minItems === rule.maxItems
      ? ` of exactly ${rule.minItems}`
      : rule.minItems
        ? ` of at least ${rule.minItems}`
        : rule.maxItems !== undefined
          ? ` of at most ${rule.maxItems}`
          : '';
  const expected = `an array${size} (each ${item.expected})`;
  return {
    expected,
    parse(v, path) {
      if (!Array.isArray(v)) fail(path, expected, v);
      if (rule.minItems !== undefined && v.length < rule.minItems) fail(path, expected, v);
      if (rule.maxItems !== undefined && v.length > rule.maxItems) fail(path, expected, v);
      return v.map((x, i) => item.parse(x, `${path}[${i}]`));
    },
    json: () =>
      withDoc(
        { type: 'array', items: item.json(), ...(rule.minItems !== undefined ? { minItems: rule.minItems } : {}), ...(rule.maxItems !== undefined ? { maxItems: rule.maxItems } : {}) },
        rule.doc,
      ),
  };
}

/** A field of an object schema: its value schema, whether it may be left out, and its default. */
export interface Field<T> {
  readonly schema: Schema<T>;
  readonly optional: boolean;
  readonly default?: T;
  readonly doc?: string;
}

export const req = <T>(schema: Schema<T>, doc?: string): Field<T> => ({ schema, optional: false, doc });
/** An optional field; with `fallback` the parsed object always holds a value. */
export const opt = <T>(schema: Schema<T>, fallback?: T, doc?: string): Field<T> => ({ schema, optional: true, default: fallback, doc });

type Fields = Record<string, Field<unknown>>;
type Required<F extends Fields> = { [K in keyof F as F[K]['optional'] extends false ? K : F[K]['default'] extends undefined ? never : K]: Infer<F[K]['schema']> };
type Optional<F extends Fields> = { [K in keyof F as F[K]['optional'] extends false ? never : F[K]['default'] extends undefined ? K : never]?: Infer<F[K]['schema']> };
export type ObjectOf<F extends Fields> = Required<F> & Optional<F>;

export interface ObjectRule<T> {
  readonly doc?: string;
  /** Cross-field check after every field passed; return a problem or nothing. */
  readonly check?: (value: T) => { readonly field?: string; readonly problem: string } | undefined;
}

export interface ObjectSchema<T> extends Schema<T> {
  readonly fields: Fields;
}

/**
 * A JSON object with exactly these keys. Unknown keys are errors with a did-you-mean, so a typo
 * can never quietly fall back to a default.
 */
export function obj<F extends Fields>(fields: F, rule: ObjectRule<ObjectOf<F>> = {}): ObjectSchema<ObjectOf<F>> {
  const names = Object.keys(fields);
  const expected = 'an object';
  return {
    fields,
    expected,
    parse(v, path) {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, names.length ? `an object with keys ${names.join(', ')}` : 'an object', v);
      const given = v as Record<string, unknown>;
      for (const key of Object.keys(given)) {
        if (!(key in fields)) throw new ConfigError(join(path, key), `unknown key${didYouMean(key, names)}; known keys: ${names.join(', ') || '(none)'}`);
      }
      const out: Record<string, unknown> = {};
      for (const [key, field] of Object.entries(fields)) {
        const value = given[key];
        if (value === undefined) {
          if (!field.optional) throw new ConfigError(join(path, key), `is required (${field.schema.expected})`);
          if (field.default !== undefined) out[key] = field.default;
          continue;
        }
        out[key] = field.schema.parse(value, join(path, key));
      }
      const problem = rule.check?.(out as ObjectOf<F>);
      if (problem) throw new ConfigError(problem.field ? join(path, problem.field) : path, problem.problem);
      return out as ObjectOf<F>;
    },
    json() {
      const properties: Record<string, JsonSchema> = {};
      for (const [key, field] of Object.entries(fields)) {
        const s = field.schema.json();
        properties[key] = withDoc(field.default !== undefined ? { ...s, default: field.default } : s, field.doc ?? (s.description as string | undefined));
      }
      const required = names.filter((k) => !fields[k].optional);
      return withDoc({ type: 'object', properties, ...(required.length ? { required } : {}), additionalProperties: false }, rule.doc);
    },
  };
}

/**
 * Objects told apart by one string key (`kind`, `source`, `type`): each variant is an object
 * schema that includes that key. An unknown tag names the known ones.
 */
export function tagged<T>(tag: string, variants: Record<string, ObjectSchema<unknown>>, doc?: string): Schema<T> {
  const tags = Object.keys(variants);
  const expected = `an object with "${tag}" one of ${tags.join(', ')}`;
  return {
    expected,
    parse(v, path) {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, expected, v);
      const t = (v as Record<string, unknown>)[tag];
      if (typeof t !== 'string' || !(t in variants)) {
        const hint = typeof t === 'string' ? didYouMean(t, tags) : '';
        throw new ConfigError(join(path, tag), `expected one of ${tags.map((x) => JSON.stringify(x)).join(', ')}, got ${describeValue(t)}${hint}`);
      }
      return variants[t].parse(v, path) as T;
    },
    json: () => withDoc({ oneOf: tags.map((t) => variants[t].json()) }, doc),
  };
}

/** A variant's tag field: exactly this string. */
export function literal<const T extends string>(value: T): Schema<T> {
  return {
    expected: JSON.stringify(value),
    parse(v, path) {
      if (v !== value) fail(path, JSON.stringify(value), v);
      return value;
    },
    json: () => ({ const: value }),
  };
}

/** The first alternative whose JSON type matches (e.g. a preset name or a feature list). */
export function either<A, B>(a: Schema<A>, aIs: (v: unknown) => boolean, b: Schema<B>, doc?: string): Schema<A | B> {
  return {
    expected: `${a.expected} or ${b.expected}`,
    parse: (v, path) => (aIs(v) ? a.parse(v, path) : b.parse(v, path)),
    json: () => withDoc({ anyOf: [a.json(), b.json()] }, doc),
  };
}

/** Any JSON object whose values all fit one schema (e.g. per-feature settings). */
export function record<T>(value: Schema<T>, doc?: string): Schema<Record<string, T>> {
  return {
    expected: `an object of ${value.expected}`,
    parse(v, path) {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, 'an object', v);
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, value.parse(x, join(path, k))]));
    },
    json: () => withDoc({ type: 'object', additionalProperties: value.json() }, doc),
  };
}

/** A schema whose parse is written by hand (e.g. dispatching on a registry), with its JSON Schema. */
export function custom<T>(expected: string, parse: (v: unknown, path: string) => T, json: () => JsonSchema): Schema<T> {
  return { expected, parse, json };
}

export function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** ` (did you mean "x"?)` when a known name is a small edit away, else ''. */
export function didYouMean(given: string, known: readonly string[]): string {
  const g = given.toLowerCase();
  // A shortened or extended name ("horizon" for "horizonBars") is as likely a slip as a typo.
  const stem = given.length >= 3 ? known.find((k) => k.toLowerCase().startsWith(g) || g.startsWith(k.toLowerCase())) : undefined;
  if (stem) return ` (did you mean "${stem}"?)`;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(given.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  const limit = Math.max(2, Math.floor(given.length / 3));
  return best !== undefined && bestDistance <= limit ? ` (did you mean "${best}"?)` : '';
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}
