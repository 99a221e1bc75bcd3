/** The metric-points processor: every point of the `metrics` topic into the `metrics` table. */
export { createMetricPointsProcessor } from './metric-points-processor.ts';
