import { UsageError } from '../../errors';
import type { Booster } from './booster';
import type { Objective } from './params';
import type { Tree } from './tree';

/** XGBoost's marker for "no parent" in its JSON trees. */
const NO_PARENT = 2147483647;
const OBJECTIVES: readonly Objective[] = ['reg:squarederror', 'binary:logistic', 'multi:softprob'];

/**
 * The booster in XGBoost's JSON model format (as `Booster.save_model('m.json')` writes it in
 * XGBoost 1.7), so Python's `xgboost.Booster(model_file=...)` loads it and predicts the same.
 * Float fields are Float32Arrays: write the object with `xgboostJsonText`, which keeps them
 * floats in the text (XGBoost's parser rejects `0` where it expects a float).
 */
export function toXgboostJson(booster: Booster, featureNames: readonly string[], bestIteration?: number): Record<string, unknown> {
  const numClass = booster.objective === 'multi:softprob' ? booster.outputs : 0;
  const objective: Record<string, unknown> =
    booster.objective === 'multi:softprob'
      ? { name: booster.objective, softmax_multiclass_param: { num_class: String(numClass) } }
      : { name: booster.objective, reg_loss_param: { scale_pos_weight: '1' } };
  const rounds = booster.trees.length / booster.outputs;
  return {
    learner: {
      attributes: bestIteration === undefined ? {} : { best_iteration: String(bestIteration), best_ntree_limit: String(rounds) },
      feature_names: [...featureNames],
      feature_types: [],
      gradient_booster: {
        model: {
          gbtree_model_param: { num_parallel_tree: '1', num_trees: String(booster.trees.length), size_leaf_vector: '0' },
          tree_info: booster.trees.map((_, i) => i % booster.outputs),
          trees: booster.trees.map((t, i) => treeJson(t, i, booster.features)),
        },
        name: 'gbtree',
      },
      learner_model_param: {
        base_score: String(booster.baseScore),
        boost_from_average: '1',
        num_class: String(numClass),
        num_feature: String(booster.features),
        num_target: '1',
      },
      objective,
    },
    version: [1, 7, 4],
  };
}

function treeJson(t: Tree, id: number, features: number): Record<string, unknown> {
  const n = t.left.length;
  const parents = new Array<number>(n).fill(NO_PARENT);
  for (let i = 0; i < n; i++) {
    if (t.left[i] >= 0) {
      parents[t.left[i]] = i;
      parents[t.right[i]] = i;
    }
  }
  const isLeaf = (i: number) => t.left[i] < 0;
  const map = <T>(f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));
  return {
    base_weights: Float32Array.from(map((i) => (isLeaf(i) ? t.leafValue[i] : t.baseWeight[i]))),
    categories: [],
    categories_nodes: [],
    categories_segments: [],
    categories_sizes: [],
    default_left: map((i) => t.defaultLeft[i]),
    id,
    left_children: Array.from(t.left),
    loss_changes: t.gain,
    parents,
    right_children: Array.from(t.right),
    split_conditions: Float32Array.from(map((i) => (isLeaf(i) ? t.leafValue[i] : t.threshold[i]))),
    split_indices: map((i) => (isLeaf(i) ? 0 : t.feature[i])),
    split_type: map(() => 0),
    sum_hessian: t.cover,
    tree_param: { num_deleted: '0', num_feature: String(features), num_nodes: String(n), size_leaf_vector: '0' },
  };
}

const FLOAT = '\u0000f:';

/** JSON text of `toXgboostJson`'s object, every Float32Array element written as a float literal. */
export function xgboostJsonText(model: Record<string, unknown>): string {
  const text = JSON.stringify(model, (_key, v: unknown) => (v instanceof Float32Array ? Array.from(v, (x) => FLOAT + (Number.isInteger(x) ? x.toFixed(1) : String(x))) : v));
  return text.replace(/"\\u0000f:([^"]*)"/g, '$1');
}

interface XgbTreeJson {
  left_children: number[];
  right_children: number[];
  split_indices: number[];
  split_conditions: ArrayLike<number>;
  default_left: ArrayLike<number | boolean>;
  base_weights?: ArrayLike<number>;
  loss_changes?: ArrayLike<number>;
  sum_hessian?: ArrayLike<number>;
  categories_nodes?: number[];
}

/** A booster from XGBoost's JSON model (as written by XGBoost 1.6+ `save_model` or `toXgboostJson`). */
export function fromXgboostJson(json: unknown, source = 'XGBoost model'): { booster: Booster; featureNames: string[] } {
  const learner = (json as { learner?: Record<string, any> })?.learner;
  const fail = (what: string): never => {
    throw new UsageError(`${source}: not an XGBoost JSON model we can read: ${what}`);
  };
  if (!learner) return fail('no "learner" object');
  const objective = learner.objective?.name as Objective;
  if (!OBJECTIVES.includes(objective)) fail(`objective "${String(learner.objective?.name)}" (supported: ${OBJECTIVES.join(', ')})`);
  const gb = learner.gradient_booster;
  if (gb?.name !== 'gbtree') fail(`booster "${String(gb?.name)}" (only gbtree)`);
  const params = learner.learner_model_param ?? {};
  const features = Number(params.num_feature);
  const numClass = Number(params.num_class ?? 0);
  const outputs = objective === 'multi:softprob' ? numClass : 1;
  const treeInfo: number[] = gb.model.tree_info;
  const trees = (gb.model.trees as XgbTreeJson[]).map((t, i) => {
    if (t.categories_nodes && t.categories_nodes.length > 0) fail('categorical splits');
    if (treeInfo[i] !== i % outputs) fail('trees are not in round-major class order');
    return treeFromJson(t);
  });
  const featureNames: string[] = learner.feature_names?.length === features ? learner.feature_names : Array.from({ length: features }, (_, i) => `f${i}`);
  return { booster: { objective, outputs, baseScore: Number(params.base_score), features, trees }, featureNames };
}

function treeFromJson(t: XgbTreeJson): Tree {
  const n = t.left_children.length;
  const leaf = (i: number) => t.left_children[i] < 0;
  const pick = (f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));
  return {
    left: Int32Array.from(t.left_children),
    right: Int32Array.from(t.right_children),
    feature: Int32Array.from(pick((i) => (leaf(i) ? 0 : t.split_indices[i]))),
    threshold: Float32Array.from(pick((i) => (leaf(i) ? 0 : t.split_conditions[i]))),
    defaultLeft: Uint8Array.from(Array.from(t.default_left, (d) => (d ? 1 : 0))),
    leafValue: Float32Array.from(pick((i) => (leaf(i) ? t.split_conditions[i] : 0))),
    baseWeight: Float32Array.from(t.base_weights ?? new Array<number>(n).fill(0)),
    gain: Float32Array.from(t.loss_changes ?? new Array<number>(n).fill(0)),
    cover: Float32Array.from(t.sum_hessian ?? new Array<number>(n).fill(0)),
  };
}
