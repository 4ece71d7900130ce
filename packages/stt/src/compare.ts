import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { describeError } from '@telltale/core';
import { readWavFormat } from './audio.js';
import type { AudioInput, SttProvider, TranscribeOptions } from './types.js';
import { combineWordErrors, wordErrorRate, type WordErrorRateOptions, type WordErrorResult } from './wer.js';

/** One evaluation item: audio and its reference transcript. */
export interface DatasetItem {
  id: string;
  audio: AudioInput;
  reference: string;
  /** Audio length, for the real-time factor (read from WAV headers by {@link loadDataset}). */
  durationSeconds?: number;
}

const AUDIO_EXTENSIONS = new Set(['.wav', '.mp3', '.flac', '.ogg', '.webm', '.m4a', '.mp4']);

/**
 * Reads a dataset directory: every audio file with a `.txt` reference of the same base name
 * (`call-1.wav` + `call-1.txt`), sorted by name. Audio without a reference is skipped.
 *
 * @example
 * ```ts
 * import { loadDataset } from '@telltale/stt';
 * const dataset = await loadDataset('./eval');
 * ```
 */
export async function loadDataset(directory: string): Promise<DatasetItem[]> {
  const names = (await readdir(directory)).sort();
  const items: DatasetItem[] = [];
  for (const name of names) {
    const extension = extname(name).toLowerCase();
    if (!AUDIO_EXTENSIONS.has(extension)) continue;
    const base = name.slice(0, -extension.length);
    if (!names.includes(`${base}.txt`)) continue;
    const path = join(directory, name);
    const reference = (await readFile(join(directory, `${base}.txt`), 'utf8')).trim();
    const item: DatasetItem = { id: base, audio: { path }, reference };
    if (extension === '.wav') {
      const duration = readWavFormat(new Uint8Array(await readFile(path)))?.durationSeconds;
      if (duration !== undefined) item.durationSeconds = duration;
    }
    items.push(item);
  }
  return items;
}

/** Per-provider results of {@link compareProviders}. */
export interface ProviderComparison {
  provider: string;
  files: number;
  failures: number;
  failureRate: number;
  /** Share of successful results produced by another provider than the first one tried (fallback transcribers). */
  fallbackRate: number;
  /** Corpus WER over successful files: total errors / total reference words. */
  wer: number;
  substitutions: number;
  deletions: number;
  insertions: number;
  referenceWords: number;
  latencyP50Ms: number;
  latencyP95Ms: number;
  /** Processing time / audio time over successful files with a known duration (lower is faster). */
  realTimeFactor: number | undefined;
  audioSeconds: number;
}

/** One provider's result on one item. */
export interface ItemComparison {
  provider: string;
  item: string;
  latencyMs: number;
  /** Which provider produced the text (differs from `provider` after a fallback). */
  producedBy?: string;
  hypothesis?: string;
  wer?: WordErrorResult;
  error?: string;
}

/** Options of {@link compareProviders}. */
export interface CompareOptions extends WordErrorRateOptions {
  /** Passed to every `transcribe` call (language, diarize, signal). */
  transcribe?: TranscribeOptions;
  /** Called after each item, for progress output. */
  onItem?: (result: ItemComparison) => void;
}

/** Result of {@link compareProviders}. */
export interface ComparisonReport {
  providers: ProviderComparison[];
  items: ItemComparison[];
}

/**
 * Nearest-rank percentile of `values` (0 when empty).
 *
 * @example
 * ```ts
 * import { percentile } from '@telltale/stt';
 * percentile([120, 80, 300], 0.95); // 300
 * ```
 */
export function percentile(values: readonly number[], fraction: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))]!;
}

/**
 * Runs every provider on every dataset item (one request at a time, so latencies are not
 * distorted by self-contention) and reports per provider: corpus WER with S/D/I, latency
 * p50/p95, real-time factor, failure rate and fallback rate.
 *
 * @example
 * ```ts
 * import { compareProviders, formatComparison, loadDataset, pocketsphinxProvider } from '@telltale/stt';
 * const report = await compareProviders(await loadDataset('./eval'), [pocketsphinxProvider()]);
 * console.log(formatComparison(report));
 * ```
 */
export async function compareProviders(
  dataset: readonly DatasetItem[],
  providers: readonly SttProvider[],
  options: CompareOptions = {},
): Promise<ComparisonReport> {
  const items: ItemComparison[] = [];
  const summaries: ProviderComparison[] = [];
  for (const provider of providers) {
    const results: WordErrorResult[] = [];
    const latencies: number[] = [];
    let failures = 0;
    let fallbacks = 0;
    let processing = 0;
    let audioSeconds = 0;
    for (const item of dataset) {
      const started = performance.now();
      try {
        const transcript = await provider.transcribe(item.audio, options.transcribe);
        const latencyMs = performance.now() - started;
        const wer = wordErrorRate(item.reference, transcript.text, options);
        results.push(wer);
        latencies.push(latencyMs);
        const duration = item.durationSeconds ?? transcript.durationSeconds;
        if (duration !== undefined && duration > 0) {
          processing += latencyMs / 1000;
          audioSeconds += duration;
        }
        const first = transcript.attempts?.[0]?.provider;
        if (first !== undefined && first !== transcript.provider) fallbacks++;
        const result: ItemComparison = {
          provider: provider.id,
          item: item.id,
          latencyMs,
          producedBy: transcript.provider,
          hypothesis: transcript.text,
          wer,
        };
        items.push(result);
        options.onItem?.(result);
      } catch (error) {
        if (options.transcribe?.signal?.aborted) throw error;
        failures++;
        const result: ItemComparison = {
          provider: provider.id,
          item: item.id,
          latencyMs: performance.now() - started,
          error: describeError(error),
        };
        items.push(result);
        options.onItem?.(result);
      }
    }
    const total = combineWordErrors(results);
    summaries.push({
      provider: provider.id,
      files: dataset.length,
      failures,
      failureRate: dataset.length === 0 ? 0 : failures / dataset.length,
      fallbackRate: results.length === 0 ? 0 : fallbacks / results.length,
      wer: total.wer,
      substitutions: total.substitutions,
      deletions: total.deletions,
      insertions: total.insertions,
      referenceWords: total.referenceWords,
      latencyP50Ms: percentile(latencies, 0.5),
      latencyP95Ms: percentile(latencies, 0.95),
      realTimeFactor: audioSeconds > 0 ? processing / audioSeconds : undefined,
      audioSeconds,
    });
  }
  return { providers: summaries, items };
}

/**
 * Renders a {@link ComparisonReport} as a fixed-width table.
 *
 * @example
 * ```ts
 * console.log(formatComparison(report));
 * // provider      files  WER     S   D   I  p50 ms  p95 ms  RTF   fail  fallback
 * ```
 */
export function formatComparison(report: ComparisonReport): string {
  const header = ['provider', 'files', 'WER', 'S', 'D', 'I', 'N', 'p50 ms', 'p95 ms', 'RTF', 'fail', 'fallback'];
  const rows = report.providers.map((row) => [
    row.provider,
    String(row.files),
    `${(row.wer * 100).toFixed(1)}%`,
    String(row.substitutions),
    String(row.deletions),
    String(row.insertions),
    String(row.referenceWords),
    row.latencyP50Ms.toFixed(0),
    row.latencyP95Ms.toFixed(0),
    row.realTimeFactor === undefined ? '-' : row.realTimeFactor.toFixed(2),
    `${(row.failureRate * 100).toFixed(0)}%`,
    `${(row.fallbackRate * 100).toFixed(0)}%`,
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}
