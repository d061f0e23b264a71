export * from './scaler';
