import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fitTableCommand } from '../src/cli/fit-table';
import { DataError, UsageError } from '../src/errors';
import { Rng } from '../src/util/random';

const dir = mkdtempSync(join(tmpdir(), 'fit-table-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function table(path: string, rows: number, seed: number, withTarget = true): string {
  const rng = new Rng(seed);
  const lines = [withTarget ? 'date,a,b,y' : 'date,a,b'];
  for (let r = 0; r < rows; r++) {
    const a = rng.normal();
    const b = rng.normal();
    const y = a + 0.2 * rng.normal() > 0 ? 1 : 0;
    lines.push([`2024-01-${(r % 28) + 1}`, r % 10 === 0 ? '' : a.toFixed(4), b.toFixed(4), ...(withTarget ? [y] : [])].join(','));
  }
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

describe('stocklab fit-table', () => {
  it('fits a model on a table, reports metrics and writes predictions', async () => {
    const train = table(join(dir, 'train.csv'), 400, 1);
    const test = table(join(dir, 'test.csv'), 200, 2);
    const out = join(dir, 'preds.csv');
    const r = await fitTableCommand.run({ train, test, target: 'y', drop: ['date'], params: '{"nEstimators":30,"maxDepth":3}', out }, []);
    assert.equal(r.json.task, 'binary');
    assert.deepEqual(r.json.features, ['a', 'b']);
    assert.ok((r.json.fitSeconds as number) > 0);
    const metrics = r.json.metrics as Record<string, number>;
    assert.ok(metrics.accuracy > 0.8 && metrics.logloss < 0.5, JSON.stringify(metrics));
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    assert.equal(lines[0], 'time,symbol,y_true,y_pred,score,realized,p_0,p_1');
    assert.equal(lines.length, 201);
    assert.match(r.text, /fitted on 400 rows x 2 features/);
    const noTarget = table(join(dir, 'unlabelled.csv'), 20, 3, false);
    const r2 = await fitTableCommand.run({ train, test: noTarget, target: 'y', drop: ['date'], model: 'logistic', task: 'binary' }, []);
    assert.equal(r2.json.metrics, undefined);
  });

  it('names file, line and column of a bad cell, and rejects bad flags', async () => {
    const train = table(join(dir, 'train2.csv'), 50, 1);
    await assert.rejects(fitTableCommand.run({ train, test: train, target: 'y' }, []), (err: unknown) => {
      assert.ok(err instanceof DataError);
      assert.equal(err.issues[0].source, train);
      assert.equal(err.issues[0].row, 2);
      assert.equal(err.issues[0].field, 'date');
      return true;
    });
    await assert.rejects(fitTableCommand.run({ train, test: train, target: 'y', drop: ['date'], model: 'nope' }, []), UsageError);
    await assert.rejects(fitTableCommand.run({ train, test: train, target: 'y', drop: ['date'], params: '{bad' }, []), /--params: not valid JSON/);
  });
});
