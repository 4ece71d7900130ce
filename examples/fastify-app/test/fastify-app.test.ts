import { startFastifyApp } from '../src/start.js';
import { describeHttpSuite } from '../../express-app/test/http-suite.js';

describeHttpSuite('Fastify', (config) => startFastifyApp(config));
