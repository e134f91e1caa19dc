/** SLI counts per window, from minute rollups and the hourly SLI table. */
export {
  type ReadSliOptions,
  readSliWindows,
  refreshHourlySli,
  SLI_WINDOWS,
  type SliTarget,
  type SliWindow,
  type SliWindows,
} from './reader.ts';
export type { MetricRef, SliCounts, SliSpec, SliSubject } from './types.ts';
