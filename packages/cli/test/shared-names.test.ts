// Public names exported by several packages must mean one type (issue #22): each package
// re-exports core's, so these checks fail `pnpm typecheck` as soon as one drifts. The cli is the
// package that depends on all of them (core cannot, it sits below them).
import type { MeterProviderLike as AlertsMeterProviderLike } from '@telltale/alerts';
import { runCli as runTelltale, type CliIo as TelltaleCliIo } from '@telltale/cli';
import type { CliIo, MeterProviderLike } from '@telltale/core';
import type { MeterProviderLike as HealthMeterProviderLike } from '@telltale/health';
import { runCli as runStt, type CliIo as SttCliIo } from '@telltale/stt';
import { describe, expect, expectTypeOf, it } from 'vitest';

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
