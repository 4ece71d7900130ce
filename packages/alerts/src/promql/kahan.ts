/**
 * Compensated (Kahan–Neumaier) summation and the overflow-safe mean, as
 * Prometheus computes `sum`, `avg`, `sum_over_time` and `avg_over_time`:
 * `2 + 8 + 1e100 - 1e100` is 10, not 0, and the mean of ±9.99e307 is 0, not NaN.
 */

/** One step of Kahan–Neumaier summation: returns the new sum; the new compensation is in `compensation.value`. */
export function kahanAdd(increment: number, sum: number, compensation: { value: number }): number {
  const total = sum + increment;
  if (total === Infinity || total === -Infinity) compensation.value = 0;
  else if (Math.abs(sum) >= Math.abs(increment)) compensation.value += sum - total + increment;
  else compensation.value += increment - total + sum;
  return total;
}

/**
 * Running mean: a compensated direct sum while it stays finite, switching
 * to the incremental mean once the sum would overflow (Prometheus' `avg`).
 */
export class KahanMean {
  private sum = 0;
  private mean = 0;
  private readonly compensation = { value: 0 };
  private incremental = false;
  count = 0;

  add(value: number): void {
    this.count++;
    if (this.count === 1) {
      this.sum = value;
      this.mean = value;
      return;
    }
    if (!this.incremental) {
      const before = this.compensation.value;
      const sum = kahanAdd(value, this.sum, this.compensation);
      if (sum !== Infinity && sum !== -Infinity) {
        this.sum = sum;
        return;
      }
      this.compensation.value = before;
      this.incremental = true;
      this.mean = this.sum / (this.count - 1);
      this.compensation.value /= this.count - 1;
    }
    const q = (this.count - 1) / this.count;
    this.compensation.value *= q;
    this.mean = kahanAdd(value / this.count, q * this.mean, this.compensation);
  }

  value(): number {
    if (this.incremental) return this.mean + this.compensation.value;
    return this.sum / this.count + this.compensation.value / this.count;
  }
}

/** Compensated sum of `values[start..end)`. */
export function kahanSum(values: ArrayLike<number>, start: number, end: number): number {
  const compensation = { value: 0 };
  let sum = 0;
  for (let index = start; index < end; index++) sum = kahanAdd(values[index]!, sum, compensation);
  return sum + compensation.value;
}

/** Mean of `values[start..end)` with {@link KahanMean}. */
export function kahanAverage(values: ArrayLike<number>, start: number, end: number): number {
  const mean = new KahanMean();
  for (let index = start; index < end; index++) mean.add(values[index]!);
  return mean.value();
}
