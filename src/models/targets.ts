import { DataError } from '../errors';
import { type SampleSet, sampleCount } from '../records/samples';
import { type Task, checkTargets } from '../records/task';

/** Class count of a classification set: its class names, else the largest label + 1 (at least 2). */
export function classesOf(task: Task, s: SampleSet): number {
  if (task === 'regression') return 1;
  if (task === 'binary') return 2;
  if (s.classes && s.classes.length >= 2) return s.classes.length;
  let max = 1;
  for (let i = 0; i < s.y.length; i++) max = Math.max(max, s.y[i]);
  return max + 1;
}

/** Rejects a set whose targets the task cannot learn from, naming the first bad rows. */
export function checkSetTargets(task: Task, s: SampleSet, source: string, classes = classesOf(task, s)): void {
  if (s.y.length !== sampleCount(s)) {
    throw new DataError([{ code: 'target_length', severity: 'error', source, message: `${s.y.length} targets for ${sampleCount(s)} samples` }]);
  }
  checkTargets(task, s.y, classes, source);
}
