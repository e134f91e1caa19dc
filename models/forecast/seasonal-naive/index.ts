export { seasonalNaive } from './seasonal-naive.ts';
