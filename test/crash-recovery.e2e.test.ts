import { randomUUID } from 'node:crypto';
import { afterAll, expect, it } from 'vitest';
import { removeDir, startServer, type RunningServer } from './helpers/server.js';
import { signedFetch } from './helpers/signed-fetch.js';

let server: RunningServer | undefined;
let dataDir: string | undefined;

afterAll(async () => {
  await server?.stop();
  if (dataDir) removeDir(dataDir);
});

/** Every event id the store holds for the account, paging through the JSON API. */
async function allEventIds(s: RunningServer): Promise<string[]> {
  const ids: string[] = [];
  let token: string | undefined;
  do {
    const r = await signedFetch(
      `${s.url}/v1/events?limit=1000${token ? `&nextToken=${encodeURIComponent(token)}` : ''}`,
      s.admin,
    );
    expect(r.status).toBe(200);
    const page = r.json() as { events: { eventID: string }[]; nextToken?: string };
    ids.push(...page.events.map((e) => e.eventID));
    token = page.nextToken;
  } while (token);
  return ids;
}

it('keeps every acknowledged event exactly once across a SIGKILL under load', async () => {
  server = await startServer();
  dataDir = server.dataDir;
  const acked = new Set<string>();
  const sent = new Set<string>();
  let stop = false;
  let killedAt = 0;
  // Eight clients send batches of 100 until the server dies under them.
  const client = async () => {
    while (!stop) {
      const batch = Array.from({ length: 100 }, () => {
        const id = randomUUID();
        sent.add(id);
        return {
          eventID: id,
          eventSource: 'load.example.com',
          eventName: 'Write',
          userIdentity: { type: 'IAMUser', userName: 'load' },
        };
      });
      try {
        const r = await signedFetch(`${server!.url}/v1/events`, server!.admin, {
          method: 'POST',
          body: JSON.stringify(batch),
          headers: { 'content-type': 'application/json' },
        });
        if (r.status !== 200) continue;
        for (const s of (r.json() as { successful: { eventID: string }[] }).successful) acked.add(s.eventID);
      } catch {
        // The connection died with the server: these events were never acknowledged.
        if (killedAt) return;
      }
    }
  };
  const clients = Array.from({ length: 8 }, client);
  // Kill once a good number of events is acknowledged, in the middle of the stream.
  while (acked.size < 3000) await new Promise((r) => setTimeout(r, 20));
  killedAt = Date.now();
  await server.kill();
  stop = true;
  await Promise.all(clients);
  expect(acked.size).toBeGreaterThanOrEqual(3000);

  server = await startServer({ dataDir });
  const ids = await allEventIds(server);
  const counts = new Map<string, number>();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  // Nothing acknowledged is lost…
  const lost = [...acked].filter((id) => !counts.has(id));
  expect(lost).toEqual([]);
  // …nothing is there twice, and nothing is there that was never sent.
  expect([...counts.values()].every((n) => n === 1)).toBe(true);
  expect(ids.every((id) => sent.has(id))).toBe(true);
  // Unacknowledged events may or may not have committed before the kill; both are correct.
  expect(ids.length).toBeGreaterThanOrEqual(acked.size);
});
