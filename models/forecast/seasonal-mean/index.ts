export { SEASONAL_MEAN_WINDOWS, seasonalMean } from './seasonal-mean.ts';
