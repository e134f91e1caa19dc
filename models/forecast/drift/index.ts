export { drift } from './drift.ts';
