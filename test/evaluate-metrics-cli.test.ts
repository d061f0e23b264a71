import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { metricsCommand } from '../src/cli/metrics';
import { DataError, UsageError } from '../src/errors';

const dir = mkdtempSync(join(tmpdir(), 'stocklab-metrics-'));
let count = 0;
function csv(text: string): string {
  const path = join(dir, `p${count++}.csv`);
  writeFileSync(path, text);
  return path;
}

async function run(flags: Record<string, string>) {
  return (await metricsCommand.run(flags, [])).json as Record<string, any>;
}

async function dataError(path: string, expect: { row?: number; field?: string; message: RegExp }): Promise<void> {
  await assert.rejects(run({ predictions: path }), (err: unknown) => {
    assert.ok(err instanceof DataError, String(err));
    assert.equal(err.exitCode, 3);
    const issue = err.issues[0];
    assert.equal(issue.source, path);
    if (expect.row !== undefined) assert.equal(issue.row, expect.row);
    if (expect.field !== undefined) assert.equal(issue.field, expect.field);
    assert.match(issue.message, expect.message);
    return true;
  });
}

describe('stocklab metrics: task detection', () => {
  it('float targets are regression, integer labels classification, --task overrides', async () => {
    assert.equal((await run({ predictions: csv('y_true,y_pred\n0.01,0.02\n-0.02,0.01\n0.03,0.01\n') })).task, 'regression');
    const cls = await run({ predictions: csv('y_true,y_pred\n1,1\n0,1\n1,0\n0,0\n\n1,1\n') });
    assert.equal(cls.task, 'classification');
    assert.deepEqual(cls.classification.classes, ['0', '1']);
    assert.equal(cls.rows, 5, 'the blank line is skipped');
    assert.equal((await run({ predictions: csv('y_true,y_pred\n1,2\n2,2\n3,4\n'), task: 'regression' })).task, 'regression');
  });

  it('numeric labels match probability columns numerically (y_true 1.0 is class p_1)', async () => {
    const out = await run({ predictions: csv('y_true,p_0,p_1\n1.0,0.2,0.8\n0,0.6,0.4\n1,0.3,0.7\n') });
    assert.equal(out.classification.accuracy, 1);
    assert.equal(out.classification.rocAuc, 1);
  });
});

describe('stocklab metrics: bad files exit 3 naming file, row and column', () => {
  it('missing columns', async () => {
    await dataError(csv('truth,y_pred\n1,2\n'), { row: 1, message: /no y_true column/ });
    await dataError(csv('y_true,other\n1,2\n'), { row: 1, message: /y_pred column or p_<class>/ });
  });

  it('a value that is not a number', async () => {
    await dataError(csv('y_true,y_pred\n0.1,0.2\n0.3,0.1\n-0.2,abc\n'), { row: 4, field: 'y_pred', message: /"abc" is not a finite number/ });
    await dataError(csv('y_true,y_pred\n0.1,0.2\n0.3,\n'), { row: 3, field: 'y_pred', message: /empty/ });
  });

  it('rows without an outcome yet (empty y_true) are left out and counted, never scored', async () => {
    const out = await run({ predictions: csv('y_true,y_pred\n0.1,0.2\n-0.1,-0.3\n,0.1\n') });
    assert.equal(out.rows, 2);
    assert.equal(out.unlabelled, 1);
    await dataError(csv('y_true,y_pred\n,0.2\n,0.1\n'), { message: /all 2 row\(s\) have an empty y_true/ });
  });

  it('an unknown class label and probabilities that do not sum to 1', async () => {
    await dataError(csv('y_true,p_DOWN,p_UP\nUP,0.4,0.6\nSIDEWAYS,0.5,0.5\n'), { row: 3, field: 'y_true', message: /"SIDEWAYS"; expected one of DOWN, UP/ });
    await dataError(csv('y_true,p_DOWN,p_UP\nUP,0.4,0.6\nDOWN,0.5,0.7\n'), { row: 3, message: /sum to 1.2/ });
    await dataError(csv('y_true,p_DOWN,p_UP\nUP,-0.1,1.1\nDOWN,0.5,0.5\n'), { row: 2, field: 'p_DOWN', message: /outside \[0, 1\]/ });
  });

  it('unreadable or empty files; a missing flag is a usage error', async () => {
    await dataError(join(dir, 'absent.csv'), { message: /cannot read/ });
    await dataError(csv('y_true,y_pred\n'), { message: /no data rows/ });
    await assert.rejects(run({}), UsageError);
  });
});
