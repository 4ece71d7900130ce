import { createRequire } from 'node:module';
import type pgModule from 'pg';
import { describe, expect, it } from 'vitest';
import { startTelemetry } from '@telltale/node';

const require = createRequire(import.meta.url);
const isWrapped = (fn: unknown): boolean => (fn as { __wrapped?: unknown }).__wrapped === true;

describe('startTelemetry instrumentations', () => {
  it('rejects a non-boolean instrumentations.pg naming the option', () => {
    expect(() => startTelemetry({ serviceName: 'x', instrumentations: { pg: 'yes' as unknown as boolean } })).toThrow(
      expect.objectContaining({ code: 'TELLTALE_CONFIG', message: expect.stringMatching(/instrumentations\.pg/) }),
    );
  });

  it('patches pg loaded after start, unpatches it at shutdown, and leaves it alone with pg: false', async () => {
    const first = startTelemetry({ serviceName: 'pg-lifecycle', runtimeMetrics: false, autoDetectResources: false });
    const pg = require('pg') as typeof pgModule;
    expect(isWrapped(pg.Client.prototype.query)).toBe(true);
    await first.close();
    expect(isWrapped(pg.Client.prototype.query)).toBe(false);

    const off = startTelemetry({
      serviceName: 'pg-off',
      runtimeMetrics: false,
      autoDetectResources: false,
      instrumentations: { pg: false },
    });
    expect(isWrapped(pg.Client.prototype.query)).toBe(false);
    await off.close();

    const again = startTelemetry({ serviceName: 'pg-again', runtimeMetrics: false, autoDetectResources: false });
    expect(isWrapped(pg.Client.prototype.query)).toBe(true);
    await again.close();
  });
});
