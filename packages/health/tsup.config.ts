import { packageBuild } from '../../tsup.shared.js';

// `cli` is the `telltale-health` bin: src/cli.ts starts with a shebang, which tsup keeps and marks executable.
export default packageBuild({
  index: 'src/index.ts',
  express: 'src/express.ts',
  fastify: 'src/fastify.ts',
  node: 'src/node.ts',
  cli: 'src/cli.ts',
});
