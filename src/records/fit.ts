/** What fitting a model produced: the record every kind returns and artifacts save. */
export interface FitResult {
  /** Per-epoch (or per-round) metrics, e.g. `{ loss: [...], val_loss: [...] }`. */
  readonly history: Readonly<Record<string, readonly number[]>>;
  /** Epochs or rounds actually run. */
  readonly epochs: number;
  /** Epoch/round whose weights were kept (early stopping restores the best). */
  readonly bestEpoch?: number;
  /** Wall-clock seconds spent fitting. */
  readonly seconds: number;
}
