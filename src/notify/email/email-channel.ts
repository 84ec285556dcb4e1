import nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import type { Channel, DeliveryContext, DeliveryResult, NotificationMessage } from '../channel.js';
import type { EmailConfig } from '../config.js';
import { emailContent } from './email-content.js';

/** nodemailer's error codes for failures of the connection rather than of the message. */
const TRANSIENT_CODES = new Set([
  'ECONNECTION',
  'ETIMEDOUT',
  'ESOCKET',
  'EDNS',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETLS',
  'EPROTOCOL',
]);

/** Email over SMTP (nodemailer). An SMTP 4yz reply is transient and retried; 5yz is final (RFC 5321 §4.2.1). */
export class EmailChannel implements Channel {
  readonly kind = 'email' as const;
  private transport: Transporter | undefined;

  constructor(
    readonly arn: string,
    private readonly config: EmailConfig,
  ) {}

  async deliver(message: NotificationMessage, _context?: DeliveryContext): Promise<DeliveryResult> {
    const content = emailContent(message, this.config.subjectPrefix);
    try {
      const info = await this.getTransport().sendMail({
        from: this.config.from,
        to: this.config.to,
        subject: content.subject,
        text: content.text,
        html: content.html,
        headers: { 'X-OpenTrail-Notification-Id': message.id },
      });
      const rejected = (info.rejected ?? []).map(String);
      return {
        ok: true,
        detail: rejected.length
          ? `accepted, but the server refused ${rejected.join(', ')}`
          : String(info.response ?? ''),
      };
    } catch (err) {
      return classify(err, this.arn, this.config);
    }
  }

  private getTransport(): Transporter {
    const { smtp, timeoutMs } = this.config;
    this.transport ??= nodemailer.createTransport({
      host: smtp.host,
      port: smtp.port,
      secure: smtp.secure,
      requireTLS: smtp.requireTls,
      tls: { rejectUnauthorized: smtp.rejectUnauthorized },
      ...(smtp.username ? { auth: { user: smtp.username, pass: smtp.password ?? '' } } : {}),
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
    });
    return this.transport;
  }

  async close(): Promise<void> {
    this.transport?.close();
    this.transport = undefined;
  }
}

function classify(err: unknown, arn: string, config: EmailConfig): DeliveryResult {
  const e = err as { code?: string; responseCode?: number; response?: string; message?: string };
  const where = `email channel ${arn} via ${config.smtp.host}:${config.smtp.port}`;
  const text = (e.response ?? e.message ?? String(err)).split('\n')[0];
  if (typeof e.responseCode === 'number') {
    const transient = e.responseCode >= 400 && e.responseCode < 500;
    return {
      ok: false,
      retryable: transient,
      status: e.responseCode,
      error: `${where}: SMTP ${e.responseCode}: ${text}`,
    };
  }
  const retryable = e.code === undefined || TRANSIENT_CODES.has(e.code);
  return { ok: false, retryable, error: `${where}: ${e.code ? `${e.code}: ` : ''}${text}` };
}
