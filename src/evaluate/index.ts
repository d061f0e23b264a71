/** Evaluation: metrics, significance tests, the edge verdict, the deployment gate and drift checks. */
export * from './regression';
export * from './classification';
export * from './direction';
export * from './significance';
export * from './verdict';
export * from './gate';
export * from './drift';
export * from '../util/distributions';
export { averageRanks, pearson, shapeMoments } from './moments';
