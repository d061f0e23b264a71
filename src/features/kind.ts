import type pl from 'nodejs-polars';
import type { FeaturePlan } from './plan';

/** A feature's parameter values by name. */
export type FeatureParams = Readonly<Record<string, number>>;

export interface ParamDef {
  readonly default: number;
  /** Smallest accepted value. */
  readonly min: number;
  readonly integer: boolean;
}

export interface FeatureKind {
  /** Parameters in column-name order, with defaults. */
  readonly params: Readonly<Record<string, ParamDef>>;
  /** The formula, in words (the README's feature table is built from these). */
  readonly formula: string;
  /** Leading null bars per symbol. */
  warmup(p: FeatureParams): number;
  /** The warm-up in words, in terms of the parameters. */
  readonly warmupText: string;
  /** The column before warm-up masking, reading shared intermediates from `plan`. */
  expr(p: FeatureParams, plan: FeaturePlan): pl.Expr;
  /**
   * Set when the feature reads other symbols' bars (at the same timestamp, never later): its
   * value for a symbol then depends on which symbols share the table.
   */
  readonly crossSection?: true;
}
