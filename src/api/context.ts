import type { Logger } from 'pino';
import type { KeyStore } from '../auth/key-store.js';
import type { OrganizationStore } from '../auth/organizations.js';
import type { CompiledPolicy } from '../auth/policies.js';
import type { RequestLimits } from '../auth/throttle.js';
import type { ChannelStore } from '../ingest/channels.js';
import type { Ingestor } from '../ingest/ingestor.js';
import type { SigningKeyStore } from '../integrity/key-store.js';
import type { EventLog } from '../log/event-log.js';
import type { EventStore } from '../store/event-store.js';
import type { TrailRepository } from '../trails/repository.js';
import type { SelfAudit } from './self-audit.js';
import type { DetectContext } from './detect-context.js';

/** What the API's handlers work with; built once by `serve`. */
export interface AppContext {
  log: EventLog;
  store: EventStore;
  ingestor: Ingestor;
  keys: KeyStore;
  /** Per-key request rate and per-IP failed-authentication bounds. */
  limits: RequestLimits;
  channels: ChannelStore;
  /** Trails, their selectors, tags and logging status. */
  trails: TrailRepository;
  /**
   * Which organisation an account is in: organisation trails are created by its management
   * account and seen by its members. Absent where no organisations are opened (then no account
   * is in one, and IsOrganizationTrail answers OrganizationsNotInUseException).
   */
  organizations?: OrganizationStore;
  /** Digest signing keys per region (ListPublicKeys serves their public halves). */
  signingKeys: SigningKeyStore;
  /** Records the service's own API calls as CloudTrail events. */
  audit: SelfAudit;
  /** The region this server answers as (default awsRegion, channel ARNs). */
  region: string;
  logger: Logger;
  /** Rules, notification channels, metric filters and alarms (issue 5); absent where not opened. */
  detect?: DetectContext;
}

/** The authenticated principal of a request. */
export interface Caller {
  accountId: string;
  accessKeyId: string;
  userName: string;
  /** The policy's name (built-in, or `custom:<name>`). */
  policy: string;
  /** The key's compiled policy; when absent, authorisation uses the built-in policy named `policy`. */
  permissions?: CompiledPolicy;
  sourceIp: string;
  userAgent: string;
  /**
   * The region of the request's SigV4 credential scope: the endpoint the client believes it calls
   * (AWS has one per region). Absent for callers not built from a signed request.
   */
  signingRegion?: string;
}

/** The region a call is made in: the one it was signed for, else the region the server answers as. */
export function requestRegion(ctx: Pick<AppContext, 'region'>, caller: Pick<Caller, 'signingRegion'>): string {
  return caller.signingRegion ?? ctx.region;
}

export function callerArn(c: Caller): string {
  return `arn:aws:iam::${c.accountId}:user/${c.userName}`;
}
