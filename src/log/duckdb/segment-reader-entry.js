// A worker thread does not inherit the main thread's TypeScript loader: register tsx here, then
// run the TypeScript body (the same way bin/opentrail.js starts the CLI).
import { register } from 'tsx/esm/api';

register();
await import('./segment-reader-worker.ts');
