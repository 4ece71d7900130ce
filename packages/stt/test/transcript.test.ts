import { describe, expect, it } from 'vitest';
import {
  buildTranscript,
  errorKind,
  normalizeSpeakers,
  readWavFormat,
  silentWav,
  sniffMediaType,
  SttProviderError,
} from '@telltale/stt';
import { TelltaleError } from '@telltale/core';

describe('buildTranscript', () => {
  it('normalises speakers to S1, S2 in order of first appearance and rounds times to ms', () => {
    const transcript = buildTranscript('x', {
      words: [
        { text: 'a', start: 0.12345, end: 0.5, speaker: 3 },
        { text: 'b', start: 0.6, end: 0.9, speaker: 0 },
        { text: 'c', start: 1, end: 1.2, speaker: 3 },
      ],
    });
    expect(transcript.words).toEqual([
      { text: 'a', start: 0.123, end: 0.5, speaker: 'S1' },
      { text: 'b', start: 0.6, end: 0.9, speaker: 'S2' },
      { text: 'c', start: 1, end: 1.2, speaker: 'S1' },
    ]);
    expect(transcript.segments.map((segment) => [segment.speaker, segment.text])).toEqual([
      ['S1', 'a'],
      ['S2', 'b'],
      ['S1', 'c'],
    ]);
    expect(transcript).toMatchObject({ text: 'a b c', provider: 'x', warnings: [], metadata: {} });
  });

  it('carries segment speakers to unlabelled words', () => {
    const transcript = buildTranscript('x', {
      words: [
        { text: 'hi', start: 0, end: 0.4 },
        { text: 'yo', start: 1, end: 1.4 },
      ],
      segments: [
        { text: 'hi', start: 0, end: 0.5, speaker: 'B' },
        { text: 'yo', start: 0.9, end: 1.5, speaker: 'A' },
      ],
    });
    expect(transcript.words.map((word) => word.speaker)).toEqual(['S1', 'S2']);
    expect(transcript.segments.map((segment) => segment.speaker)).toEqual(['S1', 'S2']);
  });

  it('keeps an empty transcript empty', () => {
    expect(buildTranscript('x', { text: '', words: [] })).toMatchObject({ text: '', words: [], segments: [] });
  });

  it('maps labels of any kind', () => {
    expect(normalizeSpeakers(['B', undefined, 'A', 'B', 0])).toEqual(['S1', undefined, 'S2', 'S1', 'S3']);
  });
});

describe('audio helpers', () => {
  it('writes and reads WAV headers', () => {
    expect(readWavFormat(silentWav(1.5))).toMatchObject({
      sampleRate: 16_000,
      channels: 1,
      bitsPerSample: 16,
      audioFormat: 1,
      durationSeconds: 1.5,
    });
    expect(readWavFormat(new Uint8Array([1, 2, 3]))).toBeUndefined();
  });

  it('sniffs media types', () => {
    expect(sniffMediaType(silentWav(0.1))).toBe('audio/wav');
    expect(sniffMediaType(new TextEncoder().encode('fLaC....'))).toBe('audio/flac');
    expect(sniffMediaType(new TextEncoder().encode('ID3....'))).toBe('audio/mpeg');
    expect(sniffMediaType(new Uint8Array(8))).toBe('application/octet-stream');
  });
});

describe('errorKind', () => {
  it('classifies errors for fallback decisions', () => {
    expect(errorKind(new SttProviderError('x', { provider: 'p', kind: 'quota-exhausted' }))).toBe('quota-exhausted');
    expect(errorKind(new Error('socket hang up'))).toBe('retryable');
    expect(errorKind(new TelltaleError('TELLTALE_ABORTED', 'stop'))).toBeUndefined();
    expect(errorKind(new TelltaleError('TELLTALE_STT_ENGINE_MISSING', 'x'))).toBe('permanent');
  });
});
