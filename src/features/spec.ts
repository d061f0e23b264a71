import { UsageError } from '../errors';
import { FEATURE_CATALOG, type FeatureKind } from './catalog';

/** One feature: a catalog name and its parameters (omitted parameters take the catalog default). */
export interface FeatureDef {
  readonly name: string;
  readonly params?: Readonly<Record<string, number>>;
}

/**
 * A feature set as data: saved with every model and re-applied at prediction time.
 * JSON-serialisable as it is; `validateFeatureSpec` fills in every default so a saved
 * spec does not depend on defaults that may change later.
 */
export type FeatureSpec = readonly FeatureDef[];

/** Names of every feature in the catalog. */
export function featureNames(): string[] {
  return Object.keys(FEATURE_CATALOG);
}

function kindOf(name: string, where: string): FeatureKind {
  const kind = Object.prototype.hasOwnProperty.call(FEATURE_CATALOG, name) ? FEATURE_CATALOG[name] : undefined;
  if (!kind) throw new UsageError(`${where}: unknown feature "${name}"; expected one of ${featureNames().join(', ')}`);
  return kind;
}

/** The def with every parameter present, checked against the catalog. */
function resolveDef(def: unknown, at: number): { readonly name: string; readonly params: Record<string, number> } {
  const where = `feature spec entry ${at}`;
  if (typeof def !== 'object' || def === null || typeof (def as FeatureDef).name !== 'string') {
    throw new UsageError(`${where}: expected an object like {"name": "rsi", "params": {"period": 14}}, got ${JSON.stringify(def)}`);
  }
  const { name, params = {} } = def as FeatureDef;
  const kind = kindOf(name, where);
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new UsageError(`${where} (${name}): "params" must be an object of numbers, got ${JSON.stringify(params)}`);
  }
  const known = Object.keys(kind.params);
  for (const key of Object.keys(params)) {
    if (!known.includes(key)) {
      throw new UsageError(`${where} (${name}): unknown parameter "${key}"; ${known.length ? `expected ${known.join(', ')}` : 'it takes no parameters'}`);
    }
  }
  const resolved: Record<string, number> = {};
  for (const [key, p] of Object.entries(kind.params)) {
    const v = params[key] ?? p.default;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < p.min || (p.integer && !Number.isInteger(v)) || (!p.integer && v <= 0)) {
      const expected = p.integer ? `an integer >= ${p.min}` : 'a positive number';
      throw new UsageError(`${where} (${name}): parameter "${key}" must be ${expected}, got ${JSON.stringify(v)}`);
    }
    resolved[key] = v;
  }
  if (name.startsWith('macd') && resolved.fast >= resolved.slow) {
    throw new UsageError(`${where} (${name}): "fast" (${resolved.fast}) must be smaller than "slow" (${resolved.slow})`);
  }
  return { name, params: resolved };
}

function columnName(name: string, params: Readonly<Record<string, number>>): string {
  return [name, ...Object.values(params).map(String)].join('_');
}

/**
 * Check a spec (typically parsed from JSON) and return it with every parameter filled in.
 * Throws a `UsageError` naming the entry for an unknown feature or parameter, a bad value,
 * or two entries that would produce the same column.
 */
export function validateFeatureSpec(spec: unknown): FeatureDef[] {
  if (!Array.isArray(spec)) throw new UsageError(`feature spec: expected an array of {name, params} entries, got ${JSON.stringify(spec)}`);
  const seen = new Map<string, number>();
  return spec.map((def, at) => {
    const resolved = resolveDef(def, at);
    const column = columnName(resolved.name, resolved.params);
    const first = seen.get(column);
    if (first !== undefined) throw new UsageError(`feature spec entries ${first} and ${at} both produce column "${column}"`);
    seen.set(column, at);
    return resolved;
  });
}

/** The column each entry of `spec` produces, in spec order: `<name>_<params in catalog order>`. */
export function featureColumns(spec: FeatureSpec): string[] {
  return validateFeatureSpec(spec).map((d) => columnName(d.name, d.params ?? {}));
}

/** Bars per symbol before every feature of `spec` is non-null (the largest warm-up). */
export function warmupBars(spec: FeatureSpec): number {
  return validateFeatureSpec(spec).reduce((most, d) => Math.max(most, FEATURE_CATALOG[d.name].warmup(d.params ?? {})), 0);
}
