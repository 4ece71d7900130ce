#!/usr/bin/env node
// Placeholder until the example app lands (issue: examples and the demo).
// It proves the toolchain works end to end by loading the built core package.
const { parseDuration, formatDuration } = await import('@telltale/core');
console.log('Telltale demo (placeholder): the example app is not built yet.');
console.log(
  `@telltale/core loaded: parseDuration('1h30m') = ${parseDuration('1h30m')} ms = ${formatDuration(5_400_000)}`,
);
console.log('Run the tests with: npx -y pnpm@10 test');
