import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import type { EmailConfig } from '../config.js';
import { alarmSnsMessage, stopLoggingEnvelope } from '../test-support/samples.js';
import { EmailChannel } from './email-channel.js';

const ARN = 'arn:opentrail:notify:eu-west-1:123456789012:channel/security-mail';

interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  user?: string;
}

/** A real SMTP server on 127.0.0.1 (smtp-server, the server half of nodemailer's project). */
async function startSmtp(
  options: Partial<SMTPServerOptions> = {},
): Promise<{ port: number; mails: ReceivedMail[]; close(): Promise<void> }> {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          ...(session.user ? { user: String(session.user) } : {}),
        });
        callback();
      });
    },
    ...options,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return { port, mails, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** Undoes quoted-printable soft breaks and escapes so assertions can read the body text. */
function decodeQuotedPrintable(raw: string): string {
  const bytes = raw
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

/** One header, unfolded, with RFC 2047 encoded words (=?UTF-8?Q?…?= / ?B?) decoded. */
function header(raw: string, name: string): string | undefined {
  const head = raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, ' ');
  const line = head.split(/\r?\n/).find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  if (!line) return undefined;
  return line
    .slice(name.length + 1)
    .trim()
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?UTF-8\?([QB])\?([^?]*)\?=/gi, (_m, enc: string, text: string) =>
      enc.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : decodeQuotedPrintable(text.replace(/_/g, ' ')),
    );
}

function config(port: number, over: Partial<EmailConfig['smtp']> = {}): EmailConfig {
  return {
    kind: 'email',
    smtp: { host: '127.0.0.1', port, secure: false, requireTls: false, rejectUnauthorized: true, ...over },
    from: 'OpenTrail <alerts@opentrail.test>',
    to: ['secops@example.test', 'oncall@example.test'],
    subjectPrefix: '[OpenTrail]',
    timeoutMs: 5000,
  };
}

let stop: (() => Promise<void>) | undefined;
let channel: EmailChannel | undefined;
afterEach(async () => {
  await channel?.close();
  await stop?.();
  stop = undefined;
  channel = undefined;
});

describe('EmailChannel over SMTP', () => {
  it('delivers a plain-text and HTML email about a CloudTrail event to a real local SMTP server', async () => {
    const smtp = await startSmtp();
    stop = smtp.close;
    channel = new EmailChannel(ARN, config(smtp.port));
    const result = await channel.deliver({ id: 'n-1', body: stopLoggingEnvelope });
    expect(result.ok).toBe(true);
    expect(smtp.mails).toHaveLength(1);
    const mail = smtp.mails[0]!;
    expect(mail.from).toBe('alerts@opentrail.test');
    expect(mail.to).toEqual(['secops@example.test', 'oncall@example.test']);
    expect(header(mail.raw, 'Subject')).toBe('[OpenTrail] alice called cloudtrail:StopLogging');
    // nodemailer normalises header-name case; header names are case-insensitive (RFC 5322).
    expect(mail.raw).toMatch(/^X-OpenTrail-Notification-Id: n-1\r?$/im);
    expect(mail.raw).toContain('Content-Type: text/plain');
    expect(mail.raw).toContain('Content-Type: text/html');
    const body = decodeQuotedPrintable(mail.raw);
    expect(body).toMatch(/^From: +203\.0\.113\.9\r?$/m);
    expect(body).toContain('<th align="left" style="padding:2px 12px 2px 0">Who</th><td>alice</td>');
    expect(body).toContain('"eventName": "StopLogging"');
  });

  it('takes the subject from the alarm, and logs in when the channel has credentials', async () => {
    const smtp = await startSmtp({
      authOptional: false,
      allowInsecureAuth: true,
      onAuth(auth, _session, callback) {
        if (auth.username === 'notify' && auth.password === 'pw-1') return callback(null, { user: auth.username });
        return callback(new Error('Invalid username or password'));
      },
    });
    stop = smtp.close;
    channel = new EmailChannel(ARN, config(smtp.port, { username: 'notify', password: 'pw-1' }));
    expect((await channel.deliver({ id: 'n-2', body: alarmSnsMessage })).ok).toBe(true);
    expect(smtp.mails[0]!.user).toBe('notify');
    expect(header(smtp.mails[0]!.raw, 'Subject')).toBe('[OpenTrail] ALARM: "CloudTrailChanges" in EU (Ireland)');
    expect(decodeQuotedPrintable(smtp.mails[0]!.raw)).toMatch(/^State: +OK → ALARM\r?$/m);
  });

  it('treats a 5yz reply as final and a 4yz reply as retryable', async () => {
    let reply = 550;
    const smtp = await startSmtp({
      onRcptTo(_address, _session, callback) {
        const err = new Error(reply === 550 ? 'mailbox unavailable' : 'try again later') as Error & {
          responseCode: number;
        };
        err.responseCode = reply;
        callback(err);
      },
    });
    stop = smtp.close;
    channel = new EmailChannel(ARN, config(smtp.port));
    const final = await channel.deliver({ id: 'n-3', body: 'x' });
    expect(final).toMatchObject({ ok: false, retryable: false, status: 550 });
    reply = 451;
    const transient = await channel.deliver({ id: 'n-4', body: 'x' });
    expect(transient).toMatchObject({ ok: false, retryable: true, status: 451 });
    expect(smtp.mails).toHaveLength(0);
  });

  it('treats a refused connection as retryable and wrong credentials as final', async () => {
    const smtp = await startSmtp({
      authOptional: false,
      allowInsecureAuth: true,
      onAuth: (_a, _s, cb) => cb(new Error('Invalid username or password')),
    });
    const port = smtp.port;
    channel = new EmailChannel(ARN, config(port, { username: 'notify', password: 'wrong' }));
    const denied = await channel.deliver({ id: 'n-5', body: 'x' });
    expect(denied).toMatchObject({ ok: false, retryable: false, status: 535 });
    expect(JSON.stringify(denied)).not.toContain('wrong');
    await channel.close();
    await smtp.close();
    channel = new EmailChannel(ARN, config(port));
    const refused = await channel.deliver({ id: 'n-6', body: 'x' });
    expect(refused).toMatchObject({ ok: false, retryable: true });
    expect(refused.ok ? '' : refused.error).toContain(
      `email channel ${ARN} via 127.0.0.1:${port}: ESOCKET: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
  });
});
