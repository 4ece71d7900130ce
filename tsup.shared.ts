import { defineConfig, type Options } from 'tsup';

/** The one build every package uses: ESM, declarations, source maps, Node 20. */
export function packageBuild(entry: Record<string, string>, extra: Partial<Options> = {}) {
  return defineConfig({
    entry,
    format: ['esm'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    platform: 'node',
    splitting: true,
    treeshake: false,
    ...extra,
  });
}
