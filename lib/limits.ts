/**
 * AWS API limits the workflow must respect (Incident Manager StartIncident, ASFF, DynamoDB).
 * The state-machine template receives them as placeholders and the offline Incident Manager
 * stand-in enforces them, so both read the same numbers from here.
 */
export const INCIDENT_LIMITS = {
    titleLength: 200,
    clientTokenLength: 128,
    relatedItems: 100,
    relatedItemTitleLength: 200,
    identifierArnLength: 1000,
    identifierUrlLength: 1000,
    triggerSourceLength: 50,
    triggerRawDataLength: 10000,
    /** CreateTimelineEvent: eventData ≤ 12,000, eventType ≤ 100, ≤ 10 eventReferences. */
    timelineEventDataLength: 12000,
    timelineEventTypeLength: 100,
    timelineEventReferences: 10,
    /** UpdateIncidentRecord summary ≤ 8,000. */
    summaryLength: 8000,
    minImpact: 1,
    maxImpact: 5,
} as const;

/** The ARN pattern Incident Manager applies to related-item and trigger ARNs. */
export const INCIDENT_ARN_PATTERN = "^arn:aws(-cn|-us-gov)?:[a-z0-9-]*:[a-z0-9-]*:([0-9]{12})?:.+$";

/**
 * What an AWS Region name looks like (us-east-1, ap-southeast-7, us-gov-west-1, eu-isoe-west-1).
 * Settings check Region lists with it; the workflow puts a finding's Region into console links only
 * when it matches.
 */
export const AWS_REGION_PATTERN = "^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$";
export const MAX_REGION_LENGTH = 32;

/**
 * ISO-8601 date and time (e.g. 2026-11-26T01:02:04Z, 2026-11-26T01:02:04.123+09:00): the form in
 * which Step Functions' SDK integrations return timestamps and in which the workflow passes
 * StartIncident's TriggerDetails.Timestamp. (AWS documents no other form for SDK-integration
 * inputs; whether epoch seconds would also be accepted is not documented.)
 */
export const ISO_TIMESTAMP_PATTERN = "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$";

/** Incident Manager related-item identifier types. */
export const RELATED_ITEM_TYPES = [
    "ANALYSIS", "INCIDENT", "METRIC", "PARENT", "ATTACHMENT", "OTHER", "AUTOMATION", "INVOLVED_RESOURCE", "TASK",
] as const;

/** EventBridge target retry policy bounds. */
export const EVENT_RETRY_LIMITS = {
    maxRetryAttempts: 185,
    minEventAgeSeconds: 60,
    maxEventAgeSeconds: 86400,
} as const;

/** CloudWatch Logs retention values the API accepts. */
export const LOG_RETENTION_DAYS = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** DynamoDB limits the dedup table must respect (Developer Guide, "Service, account, and table quotas"). */
const PARTITION_KEY_BYTES = 2048;
export const DYNAMODB_LIMITS = {
    /** A partition key value is at most 2,048 bytes of UTF-8 (bytes, not characters). */
    partitionKeyBytes: PARTITION_KEY_BYTES,
    /**
     * Keys of at most this many code points always fit (UTF-8 takes at most 4 bytes per code
     * point); the workflow hashes longer finding IDs (statemachine/dedup-key.jsonata).
     */
    plainKeyCodePoints: Math.floor(PARTITION_KEY_BYTES / 4),
} as const;

/** Incident Manager response plan names (API reference, CreateResponsePlan `name`). */
export const RESPONSE_PLAN_NAME = { pattern: "^[a-zA-Z0-9_-]+$", maxLength: 200 } as const;

/**
 * Systems Manager Automation limits for the runbook (Systems Manager user guide, "aws:pause" and
 * CreateDocument's MaxDocumentSizeExceeded).
 */
export const AUTOMATION_LIMITS = {
    /** aws:pause times out after 7 days unless its step sets timeoutSeconds. */
    pauseDefaultTimeoutSeconds: 7 * 86400,
    /** … and at most 30 days. */
    pauseMaxTimeoutSeconds: 30 * 86400,
    /** Document content: at most 64 KB (counted here in bytes of UTF-8). */
    documentContentBytes: 64 * 1024,
} as const;

/**
 * Security Hub (ASFF) BatchUpdateFindings limits (API reference, BatchUpdateFindings and Note):
 * the workflow's write-back stays within them and the offline stand-in enforces them.
 */
export const SECURITY_HUB_LIMITS = {
    findingIdentifiersPerCall: 100,
    noteTextLength: 512,
    noteUpdatedByLength: 512,
    findingIdLength: 512,
} as const;

/** ASFF workflow statuses, and the error codes BatchUpdateFindings reports per unprocessed finding. */
export const WORKFLOW_STATUS_VALUES = ["NEW", "NOTIFIED", "RESOLVED", "SUPPRESSED"] as const;
export const UNPROCESSED_FINDING_ERROR_CODES = [
    "ConcurrentUpdateError", "DuplicatedFindingIdentifier", "FindingNotFound", "FindingSizeExceeded", "InternalFailure", "InvalidInput",
] as const;
