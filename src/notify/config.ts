import { z } from 'zod';
import { RESOURCE_NAME } from './arns.js';

/**
 * What a notification channel is configured with. Webhooks follow EventBridge's split: a
 * Connection holds the credentials (CreateConnection) and an API destination names the
 * endpoint, method and rate (CreateApiDestination); the shapes inside `authParameters` are
 * AWS's own so DescribeConnection can return them as AWS does. Email and chat channels are ours.
 */

/** AWS's CreateConnection auth types, less OAUTH_CLIENT_CREDENTIALS (not supported), plus NONE (ours). */
export const AUTHORIZATION_TYPES = ['API_KEY', 'BASIC', 'NONE'] as const;
export type AuthorizationType = (typeof AUTHORIZATION_TYPES)[number];

/** AWS's HttpMethod enum for API destinations (any method but CONNECT and TRACE). */
export const HTTP_METHODS = ['POST', 'GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'DELETE'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

const parameter = z.object({
  Key: z.string().min(1).max(512),
  Value: z.string().max(512),
  IsValueSecret: z.boolean().optional(),
});

export const authParametersSchema = z
  .object({
    ApiKeyAuthParameters: z
      .object({ ApiKeyName: z.string().min(1).max(512), ApiKeyValue: z.string().min(1).max(512) })
      .optional(),
    BasicAuthParameters: z
      .object({ Username: z.string().min(1).max(512), Password: z.string().min(1).max(512) })
      .optional(),
    OAuthParameters: z.unknown().optional(),
    InvocationHttpParameters: z
      .object({
        HeaderParameters: z.array(parameter).max(100).optional(),
        QueryStringParameters: z.array(parameter).max(100).optional(),
        BodyParameters: z.array(parameter).max(100).optional(),
      })
      .optional(),
  })
  .strict();
export type ConnectionAuthParameters = z.infer<typeof authParametersSchema>;

export const createConnectionSchema = z
  .object({
    name: z.string().regex(RESOURCE_NAME, 'expected 1-64 characters from A-Z a-z 0-9 . - _'),
    description: z.string().max(512).optional(),
    authorizationType: z.enum(['API_KEY', 'BASIC', 'NONE', 'OAUTH_CLIENT_CREDENTIALS']),
    authParameters: authParametersSchema.default({}),
    /** The HMAC key for X-OpenTrail-Signature; generated when absent. At least 16 characters. */
    signingSecret: z.string().min(16).max(512).optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.authorizationType === 'OAUTH_CLIENT_CREDENTIALS') {
      ctx.addIssue({
        code: 'custom',
        path: ['authorizationType'],
        message: 'OAUTH_CLIENT_CREDENTIALS is not supported; use API_KEY, BASIC or NONE',
      });
    }
    if (c.authorizationType === 'API_KEY' && !c.authParameters.ApiKeyAuthParameters) {
      ctx.addIssue({
        code: 'custom',
        path: ['authParameters', 'ApiKeyAuthParameters'],
        message: 'required for API_KEY',
      });
    }
    if (c.authorizationType === 'BASIC' && !c.authParameters.BasicAuthParameters) {
      ctx.addIssue({ code: 'custom', path: ['authParameters', 'BasicAuthParameters'], message: 'required for BASIC' });
    }
  });
export type CreateConnectionInput = z.input<typeof createConnectionSchema>;

export interface Connection {
  connectionArn: string;
  accountId: string;
  name: string;
  description?: string;
  authorizationType: AuthorizationType;
  authParameters: ConnectionAuthParameters;
  signingSecret: string;
  /** Always AUTHORIZED: API_KEY and BASIC need no handshake, and OAuth is not supported. */
  connectionState: 'AUTHORIZED';
  createdAtMs: number;
  lastModifiedAtMs: number;
}

const httpUrl = z.string().refine((s) => {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}, 'expected an absolute http:// or https:// URL');

const timeoutMs = z.number().int().min(1).max(300_000);

export const webhookConfigSchema = z
  .object({
    kind: z.literal('webhook'),
    connectionArn: z.string(),
    invocationEndpoint: httpUrl,
    httpMethod: z.enum(HTTP_METHODS).default('POST'),
    /** AWS's range and default. */
    // As AWS's CreateApiDestination: any rate from 1 up, 300 when not given.
    invocationRateLimitPerSecond: z.number().int().min(1).default(300),
    /** EventBridge gives an endpoint 5 seconds. */
    timeoutMs: timeoutMs.default(5000),
  })
  .strict();

export const emailConfigSchema = z
  .object({
    kind: z.literal('email'),
    smtp: z
      .object({
        host: z.string().min(1),
        port: z.number().int().min(1).max(65535).default(587),
        /** Implicit TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
        secure: z.boolean().default(false),
        /** Refuse to send unless the server upgrades with STARTTLS. */
        requireTls: z.boolean().default(false),
        /** False only for a server with a self-signed certificate you trust. */
        rejectUnauthorized: z.boolean().default(true),
        username: z.string().min(1).optional(),
        password: z.string().min(1).optional(),
      })
      .strict(),
    from: z.string().min(3),
    to: z.array(z.string().min(3)).min(1).max(50),
    subjectPrefix: z.string().max(100).optional(),
    timeoutMs: timeoutMs.default(15_000),
  })
  .strict();

export const chatConfigSchema = z
  .object({
    kind: z.literal('chat'),
    /** A Slack-compatible incoming-webhook URL (Slack, Mattermost, Rocket.Chat, …). */
    webhookUrl: httpUrl,
    timeoutMs: timeoutMs.default(5000),
  })
  .strict();

export const channelConfigSchema = z.discriminatedUnion('kind', [
  webhookConfigSchema,
  emailConfigSchema,
  chatConfigSchema,
]);

export type WebhookConfig = z.output<typeof webhookConfigSchema>;
export type EmailConfig = z.output<typeof emailConfigSchema>;
export type ChatConfig = z.output<typeof chatConfigSchema>;
export type ChannelConfig = z.output<typeof channelConfigSchema>;
export type ChannelConfigInput = z.input<typeof channelConfigSchema>;

export const createChannelSchema = z
  .object({
    name: z.string().regex(RESOURCE_NAME, 'expected 1-64 characters from A-Z a-z 0-9 . - _'),
    description: z.string().max(512).optional(),
    config: channelConfigSchema,
  })
  .strict();
export type CreateChannelInput = z.input<typeof createChannelSchema>;

/** A stored channel: a webhook (API destination), an email or a chat channel. */
export interface ChannelDefinition {
  arn: string;
  accountId: string;
  name: string;
  region: string;
  description?: string;
  config: ChannelConfig;
  createdAtMs: number;
  lastModifiedAtMs: number;
}

export class InvalidChannelConfigError extends Error {
  override name = 'InvalidChannelConfigError';
}

/** Parses with `schema`, or throws one error naming every field that was wrong and why. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
  throw new InvalidChannelConfigError(`Invalid ${what}: ${problems.join('; ')}`);
}
