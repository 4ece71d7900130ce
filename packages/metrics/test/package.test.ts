import { describe, expect, it } from 'vitest';
import { PACKAGE_NAME } from '@telltale/metrics';
import manifest from '../package.json' with { type: 'json' };

describe('@telltale/metrics', () => {
  it('exports its own name, matching the manifest', () => {
    expect(PACKAGE_NAME).toBe(manifest.name);
  });
});
