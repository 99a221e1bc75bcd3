export {
  describeDrift,
  driftBetween,
  fingerprintOf,
  shapeOf,
  type Drift,
  type Shape,
} from './fingerprint.ts';
export { ExpectationChecker, failed, passes, type ExpectationTally } from './expectations.ts';
export { volumeZScore } from './volume.ts';
