import { writeFileSync } from 'node:fs';

/** CPU microseconds (user + system) spent by this process while running `fn`. */
export async function cpuMicros(fn: () => Promise<void> | void): Promise<number> {
  const before = process.cpuUsage();
  await fn();
  const used = process.cpuUsage(before);
  return used.user + used.system;
}

/** Median of a list of numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Prints a table of results with ratios against a named anchor, and saves them. */
export function report(title: string, rows: Record<string, number>, anchor: string, unit: string): void {
  const base = rows[anchor];
  console.log(`\n${title} (ratio vs "${anchor}")`);
  for (const [name, value] of Object.entries(rows)) {
    const ratio = base ? (value / base).toFixed(2) : 'n/a';
    console.log(`  ${name.padEnd(40)} ${value.toFixed(3).padStart(12)} ${unit}  ×${ratio}`);
  }
}

/** Writes this benchmark's results where bench/run.mjs collects them. */
export function saveResults(results: unknown): void {
  const file = process.env.BENCH_RESULT_FILE;
  if (file) writeFileSync(file, JSON.stringify(results, null, 2));
}
