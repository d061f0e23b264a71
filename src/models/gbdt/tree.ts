/**
 * One regression tree in XGBoost's node layout: node 0 is the root, a split node's
 * children are allocated together (left, then right), leaves have `left = -1`.
 * A row goes left when `x[feature] < threshold`, or when the value is missing and
 * `defaultLeft` is set. Leaf values are float32 and already scaled by the learning rate,
 * as in XGBoost, so a saved model predicts bit for bit what the fitted one did.
 */
export interface Tree {
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly feature: Int32Array;
  readonly threshold: Float32Array;
  readonly defaultLeft: Uint8Array;
  /** Leaf: the output (eta-scaled). Split node: unused (0). */
  readonly leafValue: Float32Array;
  /** The node's optimal weight before eta scaling (XGBoost's `base_weights`). */
  readonly baseWeight: Float32Array;
  /** Loss reduction of the split (0 at leaves). */
  readonly gain: Float32Array;
  /** Hessian sum of the rows that reached the node during fitting. */
  readonly cover: Float32Array;
}

export function nodeCount(tree: Tree): number {
  return tree.left.length;
}

/** Leaf reached by row `row` of a row-major matrix with `features` columns. */
export function leafOf(tree: Tree, x: Float32Array, row: number, features: number): number {
  let node = 0;
  const base = row * features;
  while (tree.left[node] >= 0) {
    const v = x[base + tree.feature[node]];
    node = v !== v ? (tree.defaultLeft[node] ? tree.left[node] : tree.right[node]) : v < tree.threshold[node] ? tree.left[node] : tree.right[node];
  }
  return node;
}

/** Adds each row's leaf value to `margin[row * stride + offset]`, in float32 as XGBoost's predictor sums. */
export function addTreeOutput(tree: Tree, x: Float32Array, rows: number, features: number, margin: Float64Array, stride: number, offset: number): void {
  for (let r = 0; r < rows; r++) {
    const j = r * stride + offset;
    margin[j] = Math.fround(margin[j] + tree.leafValue[leafOf(tree, x, r, features)]);
  }
}
