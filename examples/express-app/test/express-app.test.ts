import { startExpressApp } from '../src/start.js';
import { describeHttpSuite } from './http-suite.js';

describeHttpSuite('Express', (config) => startExpressApp(config), { liveStatus: true });
