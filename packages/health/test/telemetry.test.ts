import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/telemetry-app.ts', import.meta.url));

interface CollectedMetric {
  name: string;
  unit: string;
  points: { attributes: Record<string, string>; value: { count: number; sum: number } | number }[];
}

// Runs in a child process: vitest workers carry the "module" export condition,
// under which Node cannot load @opentelemetry/api (its ESM build has extensionless imports).
describe('health telemetry with the real OpenTelemetry SDK', () => {
  it('records check durations and the current status of each check via the global meter provider', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--conditions=@telltale/source', '--import', 'tsx', fixture],
      { cwd: repositoryRoot },
    );
    const metrics = Object.fromEntries(
      (JSON.parse(stdout) as CollectedMetric[]).map((metric) => [metric.name, metric]),
    );

    const duration = metrics['telltale.health.check.duration']!;
    expect(duration.unit).toBe('s');
    const postgres = duration.points.find((point) => point.attributes['check.name'] === 'postgres:responseTime')!;
    expect(postgres.attributes['check.status']).toBe('pass');
    const histogram = postgres.value as { count: number; sum: number };
    expect(histogram.count).toBe(1);
    expect(histogram.sum).toBeGreaterThan(0.02);
    expect(histogram.sum).toBeLessThan(5);
    const search = duration.points.find((point) => point.attributes['check.name'] === 'search')!;
    expect(search.attributes['check.status']).toBe('fail');

    const status = metrics['telltale.health.status']!;
    const observed = Object.fromEntries(
      status.points.map((point) => [
        `${point.attributes['check.name']}/${point.attributes['check.status']}`,
        point.value,
      ]),
    );
    expect(observed).toEqual({
      'postgres:responseTime/pass': 1,
      'postgres:responseTime/warn': 0,
      'postgres:responseTime/fail': 0,
      'search/pass': 0,
      'search/warn': 0,
      'search/fail': 1,
    });
  });
});
