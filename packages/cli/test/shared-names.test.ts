// Public names exported by several packages must mean one type (issue #22): each package
// re-exports core's, so these checks fail `pnpm typecheck` as soon as one drifts. The cli is the
// package that depends on all of them (core cannot, it sits below them).
import type { MeterProviderLike as AlertsMeterProviderLike } from '@telltale/alerts';
import { runCli as runTelltale, type CliIo as TelltaleCliIo } from '@telltale/cli';
import type { CliIo, MeterProviderLike } from '@telltale/core';
import type { MeterProviderLike as HealthMeterProviderLike } from '@telltale/health';
import { runCli as runStt, type CliIo as SttCliIo } from '@telltale/stt';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { MeterProvider as ApiMeterProvider } from '@opentelemetry/api';
import type { MeterProvider as SdkMeterProvider } from '@opentelemetry/sdk-metrics';
import type { AlertEngineOptions } from '@telltale/alerts';
import type { HealthRegistryOptions } from '@telltale/health';
import type { JobsOptions } from '@telltale/jobs';
import type { LiveHubOptions } from '@telltale/live';
import type { NotifierOptions } from '@telltale/notify';
import type { CircuitBreakerOptions, PipelineOptions } from '@telltale/resilience';
import type { FallbackTranscriberOptions } from '@telltale/stt';
import type { CacheMetricsOptions, HttpMetricsOptions, OperationMetricsOptions } from '@telltale/metrics';
import type { InstrumentPoolOptions } from '@telltale/metrics/pg';
import type { InstrumentRedisOptions } from '@telltale/metrics/redis';

describe('one meaning per public name', () => {
  it('CliIo of @telltale/cli and @telltale/stt is core’s', () => {
    expectTypeOf<TelltaleCliIo>().toEqualTypeOf<CliIo>();
    expectTypeOf<SttCliIo>().toEqualTypeOf<CliIo>();
    expectTypeOf<Parameters<typeof runTelltale>[1]>().toEqualTypeOf<CliIo | undefined>();
    expectTypeOf<Parameters<typeof runStt>[1]>().toEqualTypeOf<CliIo | undefined>();
  });

  it('MeterProviderLike of @telltale/alerts and @telltale/health is core’s', () => {
    expectTypeOf<AlertsMeterProviderLike>().toEqualTypeOf<MeterProviderLike>();
    expectTypeOf<HealthMeterProviderLike>().toEqualTypeOf<MeterProviderLike>();
  });

  it('runs both command lines with the same CliIo object, without env or fetch', async () => {
    let out = '';
    let err = '';
    const io: CliIo = { stdout: (text) => (out += text), stderr: (text) => (err += text) };
    expect(await runTelltale(['--help'], io)).toBe(0);
    expect(out).toMatch(/^Usage: telltale /m);
    expect(await runStt(['--help'], io)).toBe(0);
    expect(err).toMatch(/^Usage: telltale-stt compare/m);
  });
});

// `meterProvider` options (issue #22): one structural provider type, core's `MeterProviderLike`,
// which the API's and the SDK's `MeterProvider` both satisfy. `false` (disabled) is only part of
// the option where the package documents it; it is not a provider and is excluded here.
type ProviderOf<T extends { meterProvider?: unknown }> = Exclude<NonNullable<T['meterProvider']>, false>;

describe('meterProvider options take core’s MeterProviderLike', () => {
  it('is the one structural type in alerts, health, jobs, live, resilience and stt', () => {
    expectTypeOf<ProviderOf<AlertEngineOptions>>().toEqualTypeOf<MeterProviderLike>();
    expectTypeOf<ProviderOf<HealthRegistryOptions>>().toEqualTypeOf<MeterProviderLike>();
    expectTypeOf<ProviderOf<JobsOptions>>().toEqualTypeOf<MeterProviderLike>();
    expectTypeOf<ProviderOf<LiveHubOptions>>().toEqualTypeOf<MeterProviderLike>();
    expectTypeOf<ProviderOf<PipelineOptions>>().toEqualTypeOf<MeterProviderLike>();
    expectTypeOf<ProviderOf<CircuitBreakerOptions>>().toEqualTypeOf<MeterProviderLike>();
    expectTypeOf<ProviderOf<FallbackTranscriberOptions>>().toEqualTypeOf<MeterProviderLike>();
  });

  it('accepts the API’s and the SDK’s MeterProvider in every package’s option', () => {
    expectTypeOf<ApiMeterProvider>().toExtend<ProviderOf<AlertEngineOptions>>();
    expectTypeOf<SdkMeterProvider>().toExtend<ProviderOf<AlertEngineOptions>>();
    expectTypeOf<ApiMeterProvider>().toExtend<ProviderOf<HealthRegistryOptions>>();
    expectTypeOf<SdkMeterProvider>().toExtend<ProviderOf<HealthRegistryOptions>>();
    expectTypeOf<ApiMeterProvider>().toExtend<ProviderOf<JobsOptions>>();
    expectTypeOf<SdkMeterProvider>().toExtend<ProviderOf<JobsOptions>>();
    expectTypeOf<ApiMeterProvider>().toExtend<ProviderOf<LiveHubOptions>>();
    expectTypeOf<SdkMeterProvider>().toExtend<ProviderOf<LiveHubOptions>>();
    expectTypeOf<ApiMeterProvider>().toExtend<ProviderOf<NotifierOptions>>();
    expectTypeOf<SdkMeterProvider>().toExtend<ProviderOf<NotifierOptions>>();
    expectTypeOf<ApiMeterProvider>().toExtend<ProviderOf<PipelineOptions>>();
    expectTypeOf<SdkMeterProvider>().toExtend<ProviderOf<PipelineOptions>>();
    expectTypeOf<ApiMeterProvider>().toExtend<ProviderOf<CircuitBreakerOptions>>();
    expectTypeOf<SdkMeterProvider>().toExtend<ProviderOf<CircuitBreakerOptions>>();
    expectTypeOf<ApiMeterProvider>().toExtend<ProviderOf<FallbackTranscriberOptions>>();
    expectTypeOf<SdkMeterProvider>().toExtend<ProviderOf<FallbackTranscriberOptions>>();
  });
});

// `meterProvider: false` (issue #22): one meaning everywhere a public option takes a provider —
// record nothing, register nothing. Each option accepts `false`, and its provider is core's type.
type OptionOf<T extends { meterProvider?: unknown }> = NonNullable<T['meterProvider']>;

describe('meterProvider: false is accepted by every package’s option', () => {
  it('alerts, health, jobs, live, notify, resilience and stt', () => {
    expectTypeOf<false>().toExtend<OptionOf<AlertEngineOptions>>();
    expectTypeOf<false>().toExtend<OptionOf<HealthRegistryOptions>>();
    expectTypeOf<false>().toExtend<OptionOf<JobsOptions>>();
    expectTypeOf<false>().toExtend<OptionOf<LiveHubOptions>>();
    expectTypeOf<false>().toExtend<OptionOf<NotifierOptions>>();
    expectTypeOf<false>().toExtend<OptionOf<PipelineOptions>>();
    expectTypeOf<false>().toExtend<OptionOf<CircuitBreakerOptions>>();
    expectTypeOf<false>().toExtend<OptionOf<FallbackTranscriberOptions>>();
  });

  it('metrics: HTTP, operations, cache, pg pool and Redis', () => {
    expectTypeOf<false>().toExtend<OptionOf<HttpMetricsOptions>>();
    expectTypeOf<false>().toExtend<OptionOf<OperationMetricsOptions>>();
    expectTypeOf<false>().toExtend<OptionOf<CacheMetricsOptions>>();
    expectTypeOf<false>().toExtend<OptionOf<InstrumentPoolOptions>>();
    expectTypeOf<false>().toExtend<OptionOf<InstrumentRedisOptions>>();
  });

  it('and beside false, each takes exactly core’s MeterProviderLike (notify and metrics included)', () => {
    expectTypeOf<OptionOf<JobsOptions>>().toEqualTypeOf<MeterProviderLike | false>();
    expectTypeOf<OptionOf<LiveHubOptions>>().toEqualTypeOf<MeterProviderLike | false>();
    expectTypeOf<OptionOf<NotifierOptions>>().toEqualTypeOf<MeterProviderLike | false>();
    expectTypeOf<OptionOf<PipelineOptions>>().toEqualTypeOf<MeterProviderLike | false>();
    expectTypeOf<OptionOf<CircuitBreakerOptions>>().toEqualTypeOf<MeterProviderLike | false>();
    expectTypeOf<OptionOf<FallbackTranscriberOptions>>().toEqualTypeOf<MeterProviderLike | false>();
    expectTypeOf<OptionOf<HttpMetricsOptions>>().toEqualTypeOf<MeterProviderLike | false>();
    expectTypeOf<OptionOf<OperationMetricsOptions>>().toEqualTypeOf<MeterProviderLike | false>();
    expectTypeOf<OptionOf<CacheMetricsOptions>>().toEqualTypeOf<MeterProviderLike | false>();
    expectTypeOf<OptionOf<InstrumentPoolOptions>>().toEqualTypeOf<MeterProviderLike | false>();
    expectTypeOf<OptionOf<InstrumentRedisOptions>>().toEqualTypeOf<MeterProviderLike | false>();
    expectTypeOf<ApiMeterProvider>().toExtend<OptionOf<HttpMetricsOptions>>();
    expectTypeOf<SdkMeterProvider>().toExtend<OptionOf<InstrumentPoolOptions>>();
  });
});
