export { expSmoothing } from './exp-smoothing.ts';
