import { type Predictions, makePredictions } from '../records/predictions';
import type { SampleSet } from '../records/samples';
import type { Model } from './model';

/**
 * A fitted model's forecasts of a sample set as a `Predictions` record: predicted values or
 * classes, class probabilities for classifiers, and each sample's label, time, symbol and bar
 * row as the set carries them. `realized` gives each sample's realised return where known.
 */
export async function forecast(model: Model, set: SampleSet, options: { readonly classes?: readonly string[]; readonly realized?: ArrayLike<number> } = {}): Promise<Predictions> {
  return makePredictions({
    task: model.task,
    classes: options.classes ?? set.classes,
    yPred: await model.predict(set),
    ...(model.task !== 'regression' ? { proba: await model.predictProba(set) } : {}),
    yTrue: set.y,
    timestamps: set.timestamps,
    symbols: set.symbols,
    barRows: set.barRows,
    realized: options.realized,
  });
}
