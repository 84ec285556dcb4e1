/* global process, Buffer */
// A webhook receiver for bench/rules-latency.ts, in a process of its own: it answers 200 to every
// POST and tells its parent, over IPC, which event arrived and when (same machine, same clock).
import { createServer } from 'node:http';

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const at = Date.now();
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    process.send({ eventID: body.detail.eventID, sentAt: body.detail.requestParameters.sentAt, at });
    res.writeHead(200).end();
  });
});
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('disconnect', () => process.exit(0));
