/**
 * Every model kind, registered on import: neural (lstm, gru, transformer), gbdt, the
 * baselines (naive, majority, logistic, buy-and-hold) and ensemble. Import from here (not
 * from registry.ts) wherever a model is created or loaded by name.
 */
import './nn';
import './gbdt';
import './baselines';
import './ensemble';

export { createModel, loadModel, modelKinds, registerModel, type ModelFactory, MODEL_META_FILE } from './registry';
