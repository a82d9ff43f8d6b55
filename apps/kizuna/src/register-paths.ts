import path from 'node:path';
import { register } from 'tsconfig-paths';

// Compiled output mirrors the source tree under dist/, so @kizuna/<lib> is dist/libs/<lib>/src.
// Imported first by every entry point; tests resolve the same aliases through jest instead.
register({ baseUrl: path.resolve(__dirname, '../../..'), paths: { '@kizuna/*': ['libs/*/src'] } });
