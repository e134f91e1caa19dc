import { z } from 'zod';
import { InputError } from '../../core/errors.ts';

/** Input of `forecastSeries`. */
export const forecastParamsSchema = z.object({
  /** Steps to forecast after the last value; also the horizon every candidate is backtested on. */
  horizon: z.number().int().min(1),
  /** Prediction-interval coverage in percent, strictly between 0 and 100. @default 80 */
  level: z.number().gt(0).lt(100).default(80),
  /** Season length in steps; 1 means none. Unset: detected from `intervalMs` and autocorrelation. */
  period: z.number().int().min(1).optional(),
  /** Sampling interval in ms, used to suggest season lengths when `period` is unset. Unset: no season is looked for. */
  intervalMs: z.number().positive().optional(),
});
/** Parsed input of `forecastSeries`. */
export type ForecastParams = z.infer<typeof forecastParamsSchema>;
/** Input of `forecastSeries` before defaults. */
export type ForecastParamsInput = z.input<typeof forecastParamsSchema>;

/** Parses forecast parameters; failures become an `InputError` naming each bad field. */
export function parseForecastParams(input: ForecastParamsInput): ForecastParams {
  const parsed = forecastParamsSchema.safeParse(input);
  if (!parsed.success) throw new InputError(`invalid forecast parameters: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
