/**
 * An exponentially weighted mean and variance with a time-based half-life, over observations at
 * irregular times: the online baseline of one series.
 *
 * Definition: at reference time T (the newest observation's time), observation i (value x_i at time
 * t_i ≤ T) has the weight
 *
 *   w_i = 2^(−(T − t_i) / halfLife)
 *
 * (1 when it is the newest, 1/2 one half-life older, 1/4 two half-lives older...) and
 *
 *   W = Σ w_i,   mean = Σ w_i·x_i / W,   variance = Σ w_i·(x_i − mean)² / W,   std = √variance
 *
 * (the weighted population variance: no bias correction). The state keeps W, mean and
 * S = Σ w_i·(x_i − mean)² at T and is updated in O(1) by the weighted Welford (West, 1979) step:
 *
 * - an observation x at t ≥ T first moves the reference time to t: every weight is multiplied by
 *   d = 2^(−(t − T) / halfLife), so W ← d·W and S ← d·S (the mean and variance do not change);
 *   then x is added with the weight w = 1;
 * - an observation older than T (out of order, within the caller's grace period) is added with its
 *   weight at T, w = 2^(−(T − t) / halfLife), and T stays;
 * - adding x with weight w: W' = W + w, mean' = mean + (w / W')·(x − mean), S' = S + w·(x − mean)·(x − mean').
 *
 * Because the weights depend only on the observations' times, the result does not depend on the
 * order in which they arrive (up to floating-point rounding). Pure and JSON-serializable.
 */
export interface Ewma {
  /** Reference time T (epoch ms): the newest observation's time; null before the first. */
  ts: number | null;
  /** Σ w_i at T. */
  weight: number;
  mean: number;
  /** Σ w_i·(x_i − mean)² at T. */
  m2: number;
}

/** The mean and standard deviation of a baseline. */
export interface Moments {
  readonly mean: number;
  readonly std: number;
}

/** A baseline before its first observation. */
export function emptyEwma(): Ewma {
  return { ts: null, weight: 0, mean: 0, m2: 0 };
}

/** The mean and std of the observations folded in so far; undefined before the first. */
export function ewmaMoments(ewma: Ewma): Moments | undefined {
  if (ewma.ts === null || !(ewma.weight > 0)) return undefined;
  return { mean: ewma.mean, std: Math.sqrt(Math.max(0, ewma.m2 / ewma.weight)) };
}

/** Folds `value` observed at `ts` into the baseline, in place. `halfLifeMs` > 0. */
export function foldEwma(ewma: Ewma, ts: number, value: number, halfLifeMs: number): void {
  let weight = 1;
  if (ewma.ts === null) ewma.ts = ts;
  else if (ts >= ewma.ts) {
    const decay = Math.pow(0.5, (ts - ewma.ts) / halfLifeMs);
    ewma.weight *= decay;
    ewma.m2 *= decay;
    ewma.ts = ts;
  } else weight = Math.pow(0.5, (ewma.ts - ts) / halfLifeMs);
  if (!(weight > 0)) return; // so old that its weight underflowed: it no longer counts
  const total = ewma.weight + weight;
  const delta = value - ewma.mean;
  // From an empty (or fully decayed) baseline the mean is the value itself, exactly.
  const mean = ewma.weight > 0 ? ewma.mean + (weight / total) * delta : value;
  ewma.m2 = Math.max(0, ewma.m2 + weight * delta * (value - mean));
  ewma.mean = mean;
  ewma.weight = total;
}
