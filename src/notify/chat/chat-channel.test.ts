import { afterEach, describe, expect, it } from 'vitest';
import { startHttpReceiver, type HttpReceiver } from '../test-support/http-receiver.js';
import { alarmSnsMessage, stopLoggingEnvelope } from '../test-support/samples.js';
import { ChatChannel } from './chat-channel.js';
import { slackPayload } from './slack-payload.js';

const ARN = 'arn:opentrail:notify:eu-west-1:123456789012:channel/security-chat';

let receiver: HttpReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

describe('Slack-compatible chat channel', () => {
  it('posts {text, blocks} describing a CloudTrail event to a local incoming-webhook receiver', async () => {
    receiver = await startHttpReceiver(() => ({ status: 200, body: 'ok' }));
    const channel = new ChatChannel(ARN, {
      kind: 'chat',
      webhookUrl: `${receiver.url}/services/T0/B0/secret`,
      timeoutMs: 5000,
    });
    expect(await channel.deliver({ id: 'n-1', body: stopLoggingEnvelope })).toEqual({ ok: true, status: 200 });
    expect(receiver.received).toHaveLength(1);
    const req = receiver.received[0]!;
    expect(req.url).toBe('/services/T0/B0/secret');
    const payload = JSON.parse(req.body) as {
      text: string;
      blocks: { type: string; text?: { text: string }; fields?: { text: string }[] }[];
    };
    expect(payload.text).toBe('alice called cloudtrail:StopLogging');
    expect(payload.blocks.map((b) => b.type)).toEqual(['header', 'section', 'context']);
    expect(payload.blocks[0]!.text!.text).toBe(':mag: alice called cloudtrail:StopLogging');
    const fields = payload.blocks[1]!.fields!.map((f) => f.text);
    expect(fields).toContain('*Who*\nalice');
    expect(fields).toContain('*From*\n203.0.113.9');
    expect(fields).toContain('*When*\n2026-11-30T09:15:02Z');
  });

  it('formats an alarm with its state change and escapes mrkdwn control characters', () => {
    const p = slackPayload({ id: 'n-2', body: alarmSnsMessage });
    expect(p.text).toBe('ALARM: "CloudTrailChanges" in EU (Ireland)');
    expect(JSON.stringify(p.blocks)).toContain(':rotating_light:');
    expect(JSON.stringify(p.blocks)).toContain('*State*\\nOK → ALARM');
    expect(JSON.stringify(p.blocks)).toContain('CIS 3.5 &lt;CloudTrail configuration changes&gt;');
  });

  it("respects Slack's block limits for long values", () => {
    const p = slackPayload({ id: 'n-3', subject: 'x'.repeat(500), body: { blob: 'y'.repeat(10_000) } });
    const header = p.blocks[0] as { text: { text: string } };
    const section = p.blocks[1] as { text: { text: string } };
    expect(header.text.text.length).toBe(150);
    expect(section.text.text.length).toBe(3000);
  });

  it('treats 404 no_service as final and 429 as retryable, without putting the secret URL path in the error', async () => {
    receiver = await startHttpReceiver((_r, n) =>
      n === 1 ? { status: 404, body: 'no_service' } : { status: 429, body: 'rate_limited' },
    );
    const channel = new ChatChannel(ARN, {
      kind: 'chat',
      webhookUrl: `${receiver.url}/services/T0/B0/secret`,
      timeoutMs: 5000,
    });
    const first = await channel.deliver({ id: 'n-4', body: 'x' });
    expect(first).toEqual({
      ok: false,
      retryable: false,
      status: 404,
      error: `chat channel ${ARN}: POST ${receiver.url}/… answered HTTP 404: no_service`,
    });
    expect(await channel.deliver({ id: 'n-5', body: 'x' })).toMatchObject({ ok: false, retryable: true, status: 429 });
  });
});
