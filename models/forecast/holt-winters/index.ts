export {
  type HoltWintersOptions,
  type HoltWintersOptionsInput,
  type HoltWintersParams,
  holtWinters,
  holtWintersOptionsSchema,
} from './holt-winters.ts';
