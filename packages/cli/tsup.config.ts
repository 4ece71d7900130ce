import { packageBuild } from '../../tsup.shared.js';

// `bin` is the `telltale` executable: src/bin.ts starts with a shebang, which tsup keeps and marks executable.
export default packageBuild({ index: 'src/index.ts', bin: 'src/bin.ts' });
