import { describe, expect, it } from 'vitest';
import { PACKAGE_NAME } from '@telltale/resilience';
import manifest from '../package.json' with { type: 'json' };

describe('@telltale/resilience', () => {
  it('exports its own name, matching the manifest', () => {
    expect(PACKAGE_NAME).toBe(manifest.name);
  });
});
