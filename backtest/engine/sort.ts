/**
 * Sorting asset ids by a key, descending, ties by id ascending: the order of
 * `ids.sort((a, b) => key[b] - key[a] || a - b)` whenever no key is NaN (the comparator is then a total
 * order over distinct ids, so every correct sort gives the one result), without calling a comparator:
 * a quicksort with the comparison inlined, several times faster than Array.prototype.sort on the
 * rebalance's hot path. Callers with a NaN key sort with the comparator instead (its order then
 * depends on the algorithm).
 */

/** Whether id `a` comes before id `b`. */
const before = (key: Float64Array, a: number, b: number): boolean => {
  const ka = key[a]!;
  const kb = key[b]!;
  return ka > kb || (!(ka < kb) && a < b);
};

/** Sorts `ids[0..n)` (distinct) by `key` descending, then id ascending. No key may be NaN. */
export function sortByKeyDescending(ids: Int32Array, n: number, key: Float64Array): void {
  quicksort(ids, 0, n - 1, key);
}

function quicksort(ids: Int32Array, lo: number, hi: number, key: Float64Array): void {
  while (hi - lo > 16) {
    // Median of three as the pivot.
    const mid = (lo + hi) >>> 1;
    if (before(key, ids[mid]!, ids[lo]!)) swap(ids, mid, lo);
    if (before(key, ids[hi]!, ids[lo]!)) swap(ids, hi, lo);
    if (before(key, ids[hi]!, ids[mid]!)) swap(ids, hi, mid);
    const pivot = ids[mid]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (before(key, ids[i]!, pivot)) i++;
      while (before(key, pivot, ids[j]!)) j--;
      if (i <= j) {
        swap(ids, i, j);
        i++;
        j--;
      }
    }
    // Recurse into the smaller side, loop on the larger (bounded stack).
    if (j - lo < hi - i) {
      quicksort(ids, lo, j, key);
      lo = i;
    } else {
      quicksort(ids, i, hi, key);
      hi = j;
    }
  }
  for (let i = lo + 1; i <= hi; i++) {
    const id = ids[i]!;
    let j = i - 1;
    while (j >= lo && before(key, id, ids[j]!)) {
      ids[j + 1] = ids[j]!;
      j--;
    }
    ids[j + 1] = id;
  }
}

function swap(ids: Int32Array, i: number, j: number): void {
  const t = ids[i]!;
  ids[i] = ids[j]!;
  ids[j] = t;
}
