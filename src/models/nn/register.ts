import { registerModel } from '../registry';
import { recurrentModelFactory, transformerModelFactory } from './neural-model';

// Importing this module makes the neural kinds known to createModel/loadModel.
registerModel('lstm', recurrentModelFactory('lstm'));
registerModel('gru', recurrentModelFactory('gru'));
registerModel('transformer', transformerModelFactory);
