import { experimentSchema, parseExperimentConfig } from '../experiment';
import { UsageError } from '../errors';
import { modelName } from '../experiment';
import { type Command, readJsonFile, stringFlag } from './command';

/** The experiment JSON Schema document, generated from the same definitions that validate configs. */
export function experimentJsonSchema(): Record<string, unknown> {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://stocklab.dev/schema/experiment.schema.json',
    title: 'stocklab experiment',
    ...experimentSchema.json(),
  };
}

export const validateCommand: Command = {
  name: 'validate',
  summary: 'check an experiment config without running it (or print its JSON Schema)',
  help: `Usage: stocklab validate --config EXPERIMENT.json [--json]
       stocklab validate --schema

Checks every key and value of the config against the same schema evaluate and train use:
unknown keys (with a did-you-mean), wrong types and out-of-range values are reported with
their path, e.g. models[0].config.epochs, and exit 2. Nothing is loaded or trained.
--schema prints the JSON Schema (committed as schema/experiment.schema.json; point an
experiment's "$schema" at it for completion and checking in editors).`,
  options: { config: { type: 'string' }, schema: { type: 'boolean' } },
  async run(flags) {
    if (flags.schema) {
      const schema = experimentJsonSchema();
      return { json: { schema }, text: JSON.stringify(schema, null, 2) };
    }
    const path = stringFlag(flags, 'config');
    if (!path) throw new UsageError('validate: --config FILE (or --schema) is required');
    const config = parseExperimentConfig(readJsonFile(path), path);
    const models = config.models.map((m) => `${modelName(m)} (${m.kind})`);
    return { json: { config: path, valid: true, name: config.name, models }, text: `${path}: valid experiment "${config.name}" with ${models.length} model(s): ${models.join(', ')}` };
  },
};
