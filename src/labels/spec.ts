import { type Schema, int, literal, num, obj, oneOf, opt, req, tagged } from '../config/schema';
import type { Task } from '../records/task';

/** How a price change is measured: `log` = ln(p1/p0), `simple` = p1/p0 - 1. */
export type ReturnKind = 'log' | 'simple';

/**
 * Width of the FLAT band of a three-class label. `fixed`: |return| <= threshold is FLAT.
 * `volatility`: |return| <= k * sigma_t, where sigma_t is the sample standard deviation
 * of the `volWindow` one-bar returns ending at bar t (so it is known at t).
 */
export type FlatBand =
  | { readonly kind: 'fixed'; readonly threshold: number }
  | { readonly kind: 'volatility'; readonly k: number; readonly volWindow?: number };

/**
 * What a label says about the bars after bar t, as JSON. Every kind reads `close` only.
 * `horizonBars` defaults to 1, `returns` to `log`, `volWindow` to 20.
 *
 * - `return`: the return from close_t to close_{t+h} (regression).
 * - `updown`: 1 (`UP`) when close_{t+h} > close_t, else 0 (`DOWN`) (binary).
 * - `updown-flat`: `DOWN`/`FLAT`/`UP` (0/1/2) by the return against a flat band (multiclass).
 * - `triple-barrier` (Lopez de Prado, AFML ch. 3): from close_t, the first of bars t+1..t+h
 *   whose cumulative return reaches +profitTaking * sigma_t (`UP`) or -stopLoss * sigma_t
 *   (`DOWN`); if neither is reached by bar t+h the time barrier gives `FLAT`. sigma_t is the
 *   volatility known at t (as in the `volatility` flat band). A multiple of 0 disables that
 *   barrier. Barriers are checked on closes, so a bar touches at most one of them.
 */
export type LabelSpec =
  | { readonly kind: 'return'; readonly horizonBars?: number; readonly returns?: ReturnKind }
  | { readonly kind: 'updown'; readonly horizonBars?: number }
  | { readonly kind: 'updown-flat'; readonly horizonBars?: number; readonly returns?: ReturnKind; readonly band: FlatBand }
  | {
      readonly kind: 'triple-barrier';
      readonly horizonBars: number;
      readonly profitTaking: number;
      readonly stopLoss: number;
      readonly volWindow?: number;
      readonly returns?: ReturnKind;
    };

export type LabelKind = LabelSpec['kind'];
export const LABEL_KINDS: readonly LabelKind[] = ['return', 'updown', 'updown-flat', 'triple-barrier'];

export const DEFAULT_VOL_WINDOW = 20;

export const UPDOWN_CLASSES: readonly string[] = ['DOWN', 'UP'];
export const THREE_CLASSES: readonly string[] = ['DOWN', 'FLAT', 'UP'];

/** The model task a label kind defines. */
export function labelTask(spec: LabelSpec): Task {
  if (spec.kind === 'return') return 'regression';
  if (spec.kind === 'updown') return 'binary';
  return 'multiclass';
}

/** Class names by index, for classification labels. */
export function labelClasses(spec: LabelSpec): readonly string[] | undefined {
  if (spec.kind === 'return') return undefined;
  return spec.kind === 'updown' ? UPDOWN_CLASSES : THREE_CLASSES;
}

export function horizonOf(spec: LabelSpec): number {
  return spec.horizonBars ?? 1;
}

/** Column name for the label, e.g. `label_logret_5`, `label_updown_1`, `label_tb_10_2_1`. */
export function labelName(spec: LabelSpec): string {
  const h = horizonOf(spec);
  switch (spec.kind) {
    case 'return':
      return `label_${spec.returns === 'simple' ? 'ret' : 'logret'}_${h}`;
    case 'updown':
      return `label_updown_${h}`;
    case 'updown-flat':
      return spec.band.kind === 'fixed'
        ? `label_updownflat_${h}_${spec.band.threshold}`
        : `label_updownflat_${h}_${spec.band.k}sd${spec.band.volWindow ?? DEFAULT_VOL_WINDOW}`;
    case 'triple-barrier':
      return `label_tb_${h}_${spec.profitTaking}_${spec.stopLoss}`;
  }
}

const horizon = int({ min: 1, doc: 'Bars ahead the label looks (h). Default 1.' });
const returns = oneOf(['log', 'simple'] as const, 'How a price change is measured. Default log.');
const multiple = num({ min: 0, doc: 'A multiple of the volatility sigma_t; 0 disables.' });
const volWindow = int({ min: 2, doc: `One-bar returns in the volatility estimate. Default ${DEFAULT_VOL_WINDOW}.` });

/** The label spec as a strict schema: the same definition validates JSON and documents it. */
export const labelSchema: Schema<LabelSpec> = tagged<LabelSpec>(
  'kind',
  {
    return: obj({ kind: req(literal('return')), horizonBars: opt(horizon), returns: opt(returns) }, { doc: 'The return from close_t to close_{t+h} (regression).' }),
    updown: obj({ kind: req(literal('updown')), horizonBars: opt(horizon) }, { doc: 'UP when close_{t+h} > close_t, else DOWN (binary).' }),
    'updown-flat': obj(
      {
        kind: req(literal('updown-flat')),
        horizonBars: opt(horizon),
        returns: opt(returns),
        band: req(
          tagged<FlatBand>('kind', {
            fixed: obj({ kind: req(literal('fixed')), threshold: req(num({ min: 0, doc: '|return| <= threshold is FLAT.' })) }),
            volatility: obj({ kind: req(literal('volatility')), k: req(multiple), volWindow: opt(volWindow) }),
          }),
        ),
      },
      { doc: 'DOWN / FLAT / UP by the return against a flat band (multiclass).' },
    ),
    'triple-barrier': obj(
      {
        kind: req(literal('triple-barrier')),
        horizonBars: req(horizon),
        profitTaking: req(multiple),
        stopLoss: req(multiple),
        volWindow: opt(volWindow),
        returns: opt(returns),
      },
      { doc: 'First barrier touched among +profitTaking*sigma, -stopLoss*sigma and the time barrier h.' },
    ),
  },
  'What the label says about the bars after bar t.',
);

/** Check a label spec read from JSON; throws a `ConfigError` naming the bad field. */
export function parseLabelSpec(value: unknown, where = 'label'): LabelSpec {
  return labelSchema.parse(value, where);
}
