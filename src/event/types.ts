/**
 * The CloudTrail record (spec §1). Every documented field is typed; the index signature keeps
 * fields we do not know yet — CloudTrail adds fields in minor versions, and an audit trail never
 * drops data, so unknown keys travel through ingest, storage and delivery verbatim.
 */

export type UserIdentityType =
  | 'Root'
  | 'IAMUser'
  | 'AssumedRole'
  | 'Role'
  | 'FederatedUser'
  | 'Directory'
  | 'AWSAccount'
  | 'AWSService'
  | 'Unknown'
  | 'SAMLUser'
  | 'WebIdentityUser'
  | 'IdentityCenterUser'
  // Custom events (PutAuditEvents) name their own identity types.
  | (string & {});

export interface SessionIssuer {
  type?: 'Root' | 'IAMUser' | 'Role' | (string & {});
  principalId?: string;
  arn?: string;
  accountId?: string;
  userName?: string;
  [key: string]: unknown;
}

export interface SessionContext {
  sessionIssuer?: SessionIssuer;
  webIdFederationData?: { federatedProvider?: string; attributes?: Record<string, unknown> };
  attributes?: { creationDate?: string; mfaAuthenticated?: string; [key: string]: unknown };
  sourceIdentity?: string;
  ec2RoleDelivery?: string;
  assumedRoot?: string;
  [key: string]: unknown;
}

export interface UserIdentity {
  type: UserIdentityType;
  principalId?: string;
  arn?: string;
  accountId?: string;
  accessKeyId?: string;
  userName?: string;
  invokedBy?: string;
  identityProvider?: string;
  credentialId?: string;
  sessionContext?: SessionContext;
  onBehalfOf?: { userId?: string; identityStoreArn?: string; [key: string]: unknown };
  inScopeOf?: {
    issuerType?: string;
    credentialsIssuedTo?: string;
    credentialsIssuedToVersion?: string;
    sourceArn?: string;
    sourceAccount?: string;
    [key: string]: unknown;
  };
  /** PutAuditEvents custom identities carry free-form details. */
  details?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface EventResource {
  ARN?: string;
  accountId?: string;
  type?: string;
  [key: string]: unknown;
}

export type EventType =
  | 'AwsApiCall'
  | 'AwsServiceEvent'
  | 'AwsConsoleAction'
  | 'AwsConsoleSignIn'
  | 'AwsCloudTrailInsight'
  | 'AwsVpceEvent'
  | 'ActivityLog'
  | (string & {});

export type EventCategory =
  | 'Management'
  | 'Data'
  | 'NetworkActivity'
  | 'Insight'
  | 'ConfigurationItem'
  | 'Evidence'
  | 'ActivityAuditLog'
  | (string & {});

export interface CloudTrailRecord {
  eventVersion: string;
  userIdentity?: UserIdentity;
  eventTime: string;
  eventSource?: string;
  eventName?: string;
  awsRegion: string;
  sourceIPAddress?: string;
  userAgent?: string;
  errorCode?: string;
  errorMessage?: string;
  requestParameters?: Record<string, unknown> | null;
  responseElements?: Record<string, unknown> | null;
  additionalEventData?: Record<string, unknown>;
  requestID?: string;
  eventID: string;
  readOnly?: boolean;
  resources?: EventResource[];
  eventType: EventType;
  apiVersion?: string;
  managementEvent?: boolean;
  recipientAccountId: string;
  serviceEventDetails?: Record<string, unknown>;
  sharedEventID?: string;
  vpcEndpointId?: string;
  vpcEndpointAccountId?: string;
  eventCategory: EventCategory;
  addendum?: {
    reason?: 'DELIVERY_DELAY' | 'UPDATED_DATA' | 'SERVICE_OUTAGE' | (string & {});
    updatedFields?: string;
    originalRequestID?: string;
    originalEventID?: string;
    originalUID?: string;
    [key: string]: unknown;
  };
  sessionCredentialFromConsole?: string;
  eventContext?: Record<string, unknown>;
  edgeDeviceDetails?: Record<string, unknown>;
  tlsDetails?: {
    tlsVersion?: string;
    cipherSuite?: string;
    clientProvidedHostHeader?: string;
    keyExchange?: string;
    [key: string]: unknown;
  };
  insightDetails?: Record<string, unknown>;
  annotation?: string;
  /** Custom events (PutAuditEvents): the caller's unique id of the event. */
  UID?: string;
  /** Custom events (PutAuditEvents): ingestion time and channel. */
  metadata?: { ingestionTime?: string; channelARN?: string; [key: string]: unknown };
  [key: string]: unknown;
}

/** A record after normalisation, with the values the log and the store index on. */
export interface NormalizedEvent {
  /**
   * The parsed record; for events normalised in an import worker thread only its lookup view
   * (`lookupViewOf`: the fields lookup attributes come from). Read whole records from `json`.
   */
  record: CloudTrailRecord;
  /** The record serialised once, at normalisation; stored and delivered as is. */
  json: string;
  accountId: string;
  eventId: string;
  /** eventTime in epoch milliseconds. */
  eventTimeMs: number;
}

/** A per-event failure: the shape PutAuditEvents answers with (spec §4.6). */
export interface EventError {
  errorCode: EventErrorCode;
  errorMessage: string;
}

export type EventErrorCode =
  | 'FieldNotFound'
  | 'FieldTooLong'
  | 'InvalidChecksum'
  | 'InvalidData'
  | 'InvalidRecipient'
  | 'InvalidEventSource'
  | 'AccountNotSubscribed'
  | 'Throttling'
  | 'InternalFailure';
