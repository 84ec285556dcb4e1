/**
 * Every error the API answers with, by AWS exception name. The catalogue is the single place a
 * code and its HTTP status are defined; docs/errors.md lists the same names (a test keeps them
 * in sync).
 */
export const ERROR_CATALOGUE = {
  // Protocol and request shape
  SerializationException: { status: 400, description: 'The body is not the JSON the operation expects.' },
  UnknownOperationException: { status: 400, description: 'X-Amz-Target names no operation of the service.' },
  ValidationException: { status: 400, description: 'A parameter breaks a constraint (length, count, pattern).' },
  InvalidParameterException: { status: 400, description: 'A parameter value is not acceptable.' },
  RequestEntityTooLargeException: { status: 413, description: 'The body is larger than the operation accepts.' },
  UnsupportedMediaTypeException: { status: 415, description: 'The Content-Type is not one the endpoint speaks.' },
  NotFoundException: { status: 404, description: 'No such path.' },
  // Authentication and authorisation
  // AWS JSON services answer authentication failures with 400, as these do.
  MissingAuthenticationTokenException: { status: 400, description: 'The request is not signed.' },
  IncompleteSignatureException: { status: 400, description: 'The SigV4 signature lacks a required part.' },
  InvalidSignatureException: { status: 400, description: 'The signature does not match, or is expired.' },
  UnrecognizedClientException: { status: 400, description: 'The access key is unknown, inactive or deleted.' },
  XAmzContentSHA256Mismatch: { status: 400, description: 'x-amz-content-sha256 is not the hash of the body.' },
  AccessDeniedException: {
    status: 403,
    description: "The caller's policy does not allow the operation, or explicitly denies it.",
  },
  ThrottlingException: {
    status: 400,
    description: 'Rate exceeded: the key is over its request rate, or its source IP over its failed authentications.',
  },
  // Channels (CloudTrail API) and PutAuditEvents (cloudtrail-data)
  ChannelNotFoundException: { status: 400, description: 'No channel with that ARN or name in the account.' },
  ChannelARNInvalidException: { status: 400, description: 'The channel ARN or id is malformed.' },
  ChannelAlreadyExistsException: { status: 400, description: 'A channel of that name exists.' },
  ChannelMaxLimitExceededException: { status: 400, description: 'The account has 25 channels.' },
  ChannelNotFound: { status: 404, description: 'PutAuditEvents: the channel does not exist.' },
  InvalidChannelARN: { status: 400, description: 'PutAuditEvents: channelArn is missing or malformed.' },
  ChannelInsufficientPermission: {
    status: 403,
    description: 'PutAuditEvents: the channel belongs to another account.',
  },
  DuplicatedAuditEventId: { status: 400, description: 'PutAuditEvents: two entries share an id.' },
  UnsupportedOperationException: { status: 400, description: 'The operation is not supported here.' },
  // Lookups
  InvalidNextTokenException: { status: 400, description: 'The pagination token is not valid.' },
  InvalidTimeRangeException: { status: 400, description: 'The start time is after the end time.' },
  InvalidMaxResultsException: { status: 400, description: 'MaxResults is out of range.' },
  InvalidLookupAttributesException: { status: 400, description: 'The lookup attributes are not valid.' },
  InvalidEventCategoryException: { status: 400, description: 'EventCategory is not a valid value (only insight).' },
  // Trails
  TrailAlreadyExistsException: { status: 400, description: 'A trail of that name is visible in the region.' },
  TrailNotFoundException: { status: 400, description: 'No trail of that name or ARN for the caller.' },
  InvalidTrailNameException: { status: 400, description: 'The trail name breaks the naming rules.' },
  CloudTrailARNInvalidException: { status: 400, description: 'The trail ARN is malformed.' },
  MaximumNumberOfTrailsExceededException: { status: 400, description: 'The region has 5 trails already.' },
  InvalidHomeRegionException: { status: 400, description: "The change must be made in the trail's home region." },
  InvalidS3BucketNameException: { status: 400, description: 'The S3 bucket name breaks the naming rules.' },
  InvalidS3PrefixException: { status: 400, description: 'The S3 key prefix is not valid.' },
  InvalidSnsTopicNameException: { status: 400, description: 'SnsTopicName is not a topic name or ARN.' },
  InvalidKmsKeyIdException: { status: 400, description: 'KmsKeyId is not a key id, key ARN, alias or alias ARN.' },
  InvalidCloudWatchLogsLogGroupArnException: { status: 400, description: 'The log group ARN is malformed.' },
  InvalidCloudWatchLogsRoleArnException: { status: 400, description: 'The CloudWatch Logs role ARN is malformed.' },
  InvalidParameterCombinationException: { status: 400, description: 'Parameters that cannot go together.' },
  InvalidEventSelectorsException: { status: 400, description: 'The event selectors break a rule or a limit.' },
  InvalidTagParameterException: { status: 400, description: 'A tag key or value is not valid.' },
  TagsLimitExceededException: { status: 400, description: 'The trail would have more than 50 tags.' },
  ResourceNotFoundException: { status: 400, description: 'The tagged resource does not exist.' },
  ResourceTypeNotSupportedException: { status: 400, description: 'Tags on that kind of resource are not supported.' },
  InvalidTokenException: { status: 400, description: 'The NextToken is not valid.' },
  // Organisation trails
  OrganizationsNotInUseException: {
    status: 400,
    description: 'IsOrganizationTrail from an account that is in no organisation.',
  },
  AWSOrganizationsNotInUseException: {
    status: 400,
    description: 'Organizations: the account is in no organisation.',
  },
  InvalidInputException: {
    status: 400,
    description: 'Organizations: a parameter (MaxResults, NextToken) is not valid.',
  },
  NotOrganizationMasterAccountException: {
    status: 400,
    description: 'An organisation trail created or changed by an account other than the management account.',
  },
  // EventBridge and CloudWatch Logs (rules, targets, connections, metric filters)
  InvalidEventPatternException: { status: 400, description: 'The event pattern is not valid (says where and why).' },
  ResourceAlreadyExistsException: { status: 400, description: 'A connection or API destination of that name exists.' },
  LimitExceededException: {
    status: 400,
    description: 'More targets per rule, or filters per log group, than allowed.',
  },
  // CloudWatch (awsQueryCompatible: the Query protocol's codes, also in x-amzn-query-error)
  ValidationError: { status: 400, description: 'CloudWatch: a parameter breaks a constraint.' },
  MissingParameter: { status: 400, description: 'CloudWatch: a required parameter is missing.' },
  InvalidParameterValue: { status: 400, description: 'CloudWatch: a parameter value is not acceptable.' },
  InvalidParameterCombination: { status: 400, description: 'CloudWatch: parameters that cannot go together.' },
  LimitExceeded: { status: 400, description: 'CloudWatch: the account has the most alarms allowed.' },
  ResourceNotFound: { status: 404, description: 'CloudWatch: no alarm of that name.' },
  InvalidFormat: { status: 400, description: 'CloudWatch: StateReasonData is not JSON.' },
  // Server side
  InternalFailure: { status: 500, description: 'An unexpected error; the request can be retried.' },
  ServiceUnavailableException: { status: 503, description: 'The service is shutting down or overloaded.' },
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.status = ERROR_CATALOGUE[code].status;
  }
}
