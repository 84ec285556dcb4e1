/**
 * Child process for the crash test in ../directory-sink.test.ts: puts objects into a
 * DirectorySink, four at a time, until it is killed, and prints `acked <n>` once put n resolved.
 * Object n has a body that can be checked byte for byte (bodyOf) and the metadata `n`; every
 * tenth put repeats an earlier one with the same content (an idempotent redelivery).
 *
 * Usage: node --import tsx put-until-killed.ts <root> <bucket>
 */
import { DirectorySink } from '../directory-sink.js';
import { bodyOf, keyOf } from './crash-objects.js';

const [root, bucket] = process.argv.slice(2);
if (root === undefined || bucket === undefined) throw new Error('usage: put-until-killed.ts <root> <bucket>');
const sink = new DirectorySink({ root, bucket });
let next = 1;

async function worker(): Promise<never> {
  for (;;) {
    const n = next++;
    const m = n % 10 === 0 ? n - 5 : n; // same key, same content as an earlier put
    await sink.put(keyOf(m), bodyOf(m), { metadata: { n: String(m) }, contentEncoding: 'gzip' });
    process.stdout.write(`acked ${m}\n`);
  }
}

await Promise.all([worker(), worker(), worker(), worker()]);
