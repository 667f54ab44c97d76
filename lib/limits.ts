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
    /**
     * Automation runs at most 100 executions at once per account and Region by default (Systems
     * Manager user guide, "Allowing Automation to adapt to your concurrency needs",
     * docs.aws.amazon.com/systems-manager/latest/userguide/adaptive-concurrency.html; up to 500
     * with its opt-in adaptive concurrency); more are queued as Pending. The queue's size is not
     * confirmed: shared/reference/aws-facts.md ("SSM documents") says 5,000, which the current user
     * guide does not state, and an older copy of its Automation concepts page said 1,000; the
     * replay uses 5,000. Past the queue we take StartAutomationExecution to fail with
     * AutomationExecutionLimitExceededException (its model: "The number of simultaneously running
     * Automation executions exceeded the allowable limit"; which of the two limits raises it is not
     * documented). A runbook of this project waits in aws:pause, so it holds its slot until stopped.
     */
    concurrentExecutions: 100,
    queuedExecutions: 5000,
    /** StartAutomationExecution's ClientToken: UUID format, fixed length 36 (API reference). */
    clientTokenPattern: "^[a-fA-F0-9]{8}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{12}$",
} as const;

/**
 * Systems Manager OpsCenter (CreateOpsItem, UpdateOpsItem, GetOpsItem) as the incident backend
 * `opscenter` uses it: the request limits of the ssm 2014-11-06 service model and the OpsCenter
 * quotas (shared/reference/aws-facts.md, "Systems Manager Automation and OpsCenter"; the key rule
 * and value size: UpdateOpsItem/CreateOpsItem `OperationalData`, Systems Manager API Reference,
 * docs.aws.amazon.com/systems-manager/latest/APIReference/API_CreateOpsItem.html). The workflow
 * stays within them and the offline stand-in (offline/opsCenterStandIn.ts) enforces them.
 */
export const OPSCENTER_LIMITS = {
    // Title 1-1,024, Description 1-2,048, Source 1-128 (not containing aws, amazon, amzn), Priority
    // 1-5, operational-data key 1-128 and value 20 KB, its key prefixes and Types: the ssm model
    // (botocore ssm 2014-11-06, CreateOpsItemRequest, OpsItemDataKey, OpsItemDataType) and the
    // CreateOpsItem API reference. Severity and Category are free strings of 1-64 there; the values
    // below are the ones the OpsItem shape documents ("Severity options range from 1 to 4";
    // "Category options include: Availability, Cost, Performance, Recovery, Security").
    titleLength: 1024,
    descriptionLength: 2048,
    sourceLength: 128,
    /** Words a Source may not contain (case-insensitive). */
    sourceForbidden: ["aws", "amazon", "amzn"],
    /** Severity is a string; "1"-"4" by OpsCenter's convention. */
    severities: ["1", "2", "3", "4"],
    minPriority: 1,
    maxPriority: 5,
    categories: ["Availability", "Cost", "Performance", "Recovery", "Security"],
    opsItemTypes: ["/aws/issue", "/aws/changerequest", "/aws/insight"],
    operationalDataKeyLength: 128,
    /** A value's size, in bytes of UTF-8 (20 KB). */
    operationalDataValueBytes: 20 * 1024,
    /** Own keys may not start with these (case-insensitive). */
    operationalDataForbiddenPrefixes: ["amazon", "aws", "amzn", "ssm", "/amazon", "/aws", "/amzn", "/ssm"],
    /** The reserved keys a request may set although they start with /aws. */
    reservedKeys: ["/aws/resources", "/aws/automations", "/aws/dedup"],
    operationalDataTypes: ["SearchableString", "String"],
    /** "Each OpsItem can list a maximum of 100 related resource ARNs" (user guide, "Working with OpsItems"). */
    resourceArns: 100,
    /** Not confirmed in AWS's docs (neither the model nor "Managing duplicate OpsItems" gives one): the stand-in assumes 512. */
    dedupStringLength: 512,
    /** Not confirmed in AWS's docs (the model sets no maximum): the stand-in assumes 10. The workflow sends at most one. */
    relatedOpsItems: 10,
    /**
     * OpsItems created per account per calendar month, and kept per account and Region
     * (OpsItemLimitExceededException past either: user guide, "Troubleshooting issues with
     * OpsCenter"; OpsItems the built-in Security Hub integration creates do not count, ours do).
     */
    opsItemsPerMonth: 10_000,
    /** OpsItems kept (open and resolved) per account and Region. */
    opsItemsTotal: 500_000,
} as const;

/** The statuses an OpsItem can have that the workflow reads or writes (ssm model, OpsItemStatus). */
export const OPS_ITEM_OPEN_STATUSES = ["Open", "InProgress"] as const;

/** The ARN of an OpsItem (Service Authorization Reference, resource type `opsitem`). */
export const OPS_ITEM_ARN_PATTERN = "^arn:aws(-cn|-us-gov)?:ssm:[a-z0-9-]+:[0-9]{12}:opsitem/oi-[0-9a-f]{12}$";

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

/**
 * Documented request rates of the APIs the workflow calls, per account and Region: a sustained
 * rate and a burst (a token bucket). BatchUpdateFindings: 10 requests per second, burst 30
 * (Security Hub API reference, BatchUpdateFindings; shared/reference/aws-facts.md). Incident
 * Manager documents no per-operation rates (its quotas page lists none; its rate errors are
 * ThrottlingException), nor does BatchUpdateFindingsV2: bench:storm prints their measured rates
 * without a limit. Keyed by the IAM action TASK_INTEGRATIONS names, so BatchUpdateFindingsV2
 * (the same action) is not counted against this one. StartAutomationExecution (the OpsCenter
 * backend with opsItemStartRunbook): 1 request per second by default, no burst documented (a
 * bucket of one), shared/reference/aws-facts.md ("SSM documents", Automation quotas, from Systems
 * Manager's service quotas); its throttling error is ThrottlingException.
 */
export const API_RATES: Readonly<Record<string, { perSecond: number; burst: number; operation: string }>> = {
    "securityhub:BatchUpdateFindings": { perSecond: 10, burst: 30, operation: "batchUpdateFindings" },
    "ssm:StartAutomationExecution": { perSecond: 1, burst: 1, operation: "startAutomationExecution" },
};

/** ASFF workflow statuses, and the error codes BatchUpdateFindings reports per unprocessed finding. */
export const WORKFLOW_STATUS_VALUES = ["NEW", "NOTIFIED", "RESOLVED", "SUPPRESSED"] as const;
/** ASFF `Compliance.Status` values (ASFF syntax, Compliance object). */
export const COMPLIANCE_STATUS_VALUES = ["PASSED", "WARNING", "FAILED", "NOT_AVAILABLE"] as const;
export const UNPROCESSED_FINDING_ERROR_CODES = [
    "ConcurrentUpdateError", "DuplicatedFindingIdentifier", "FindingNotFound", "FindingSizeExceeded", "InternalFailure", "InvalidInput",
] as const;

/**
 * The new Security Hub's OCSF findings ("Findings Imported V2"). Ids of the OCSF enumerations this
 * project reads and writes, as the findings carry them (`severity_id`/`severity`,
 * `status_id`/`status`, `compliance.status_id`/`compliance.status`). Sources:
 * ../shared/reference/ocsf-v2.md ("Finding fields"), which cites the OCSF 1.6 dictionary and AWS's
 * Security Hub user guide (`securityhub-ocsf`, `ocsf-findings`). The names are the strings
 * Security Hub writes beside the ids ("In Progress" has a space).
 */
export const OCSF_SEVERITY_IDS = {
    Unknown: 0, Informational: 1, Low: 2, Medium: 3, High: 4, Critical: 5, Fatal: 6, Other: 99,
} as const;
export const OCSF_STATUS_IDS = {
    Unknown: 0, New: 1, "In Progress": 2, Suppressed: 3, Resolved: 4, Archived: 5, Deleted: 6, Other: 99,
} as const;
export const OCSF_COMPLIANCE_STATUS_IDS = { Unknown: 0, Pass: 1, Warning: 2, Fail: 3, Other: 99 } as const;
/**
 * ASFF compliance status → OCSF `compliance.status` (ocsf-v2.md, compliance row: "Pass", "Warning",
 * "Fail"). NOT_AVAILABLE has no counterpart there: an OCSF finding is matched for it by none.
 */
export const OCSF_COMPLIANCE_STATUS_BY_ASFF: Readonly<Partial<Record<(typeof COMPLIANCE_STATUS_VALUES)[number], keyof typeof OCSF_COMPLIANCE_STATUS_IDS>>> = {
    PASSED: "Pass", WARNING: "Warning", FAILED: "Fail",
};
export type OcsfStatusName = keyof typeof OCSF_STATUS_IDS;
export type OcsfSeverityName = keyof typeof OCSF_SEVERITY_IDS;

/**
 * ASFF workflow status → OCSF `status_id`: the one mapping of the two status models. It is the
 * mapping AWS's Automated Security Response solution uses (ocsf-v2.md, "Updating a finding"):
 * NEW → 1 New, NOTIFIED → 2 In Progress, SUPPRESSED → 3 Suppressed, RESOLVED → 4 Resolved.
 */
export const OCSF_STATUS_ID_BY_WORKFLOW_STATUS: Readonly<Record<(typeof WORKFLOW_STATUS_VALUES)[number], number>> = {
    NEW: OCSF_STATUS_IDS.New,
    NOTIFIED: OCSF_STATUS_IDS["In Progress"],
    SUPPRESSED: OCSF_STATUS_IDS.Suppressed,
    RESOLVED: OCSF_STATUS_IDS.Resolved,
};

/**
 * ASFF's `RecordState: ARCHIVED` has no record state in OCSF: an archived finding has
 * `status_id` 5 (Archived) instead of its workflow status (ocsf-v2.md, status row). ACTIVE is
 * therefore "any status but Archived and Deleted".
 */
export const OCSF_ARCHIVED_STATUS_ID = OCSF_STATUS_IDS.Archived;

/** The name Security Hub writes in `status` beside a `status_id` (undefined for an unknown id). */
export function ocsfStatusName(id: number): OcsfStatusName | undefined {
    return (Object.keys(OCSF_STATUS_IDS) as OcsfStatusName[]).find(name => OCSF_STATUS_IDS[name] === id);
}

/** The name Security Hub writes in `severity` beside a `severity_id` (undefined for an unknown id). */
export function ocsfSeverityName(id: number): OcsfSeverityName | undefined {
    return (Object.keys(OCSF_SEVERITY_IDS) as OcsfSeverityName[]).find(name => OCSF_SEVERITY_IDS[name] === id);
}

/**
 * BatchUpdateFindingsV2 (API reference, BatchUpdateFindingsV2 and OcsfFindingIdentifier;
 * ocsf-v2.md "Updating a finding"): findings are chosen by at most 100 `MetadataUids` or at most
 * 100 `FindingIdentifiers` ({CloudAccountUid, FindingInfoUid, MetadataProductUid}, all required),
 * never both; `Comment` is 1-512 characters with a non-whitespace character; `StatusId` and
 * `SeverityId` take only the listed ids (StatusId cannot set 6 Deleted).
 */
export const SECURITY_HUB_V2_LIMITS = {
    metadataUidsPerCall: 100,
    findingIdentifiersPerCall: 100,
    commentLength: 512,
} as const;
export const BATCH_UPDATE_V2_STATUS_IDS = [0, 1, 2, 3, 4, 5, 99] as const;
export const BATCH_UPDATE_V2_SEVERITY_IDS = [0, 1, 2, 3, 4, 5, 6, 99] as const;
/** `UnprocessedFindings[].ErrorCode` of BatchUpdateFindingsV2. */
export const UNPROCESSED_FINDING_V2_ERROR_CODES = [
    "ResourceNotFoundException", "ValidationException", "InternalServerException", "ConflictException",
] as const;
/** Whole-call errors of BatchUpdateFindingsV2 (Step Functions names them `SecurityHub.<Error>`). */
export const BATCH_UPDATE_FINDINGS_V2_ERRORS = [
    "ThrottlingException", "ValidationException", "AccessDeniedException", "ConflictException", "InternalServerException",
] as const;

/** The detail-type of the new Security Hub's OCSF finding events (ocsf-v2.md, envelope). */
export const OCSF_EVENT_DETAIL_TYPE = "Findings Imported V2";

// ---------------------------------------------------------------------------------------------
// Security Hub automation rules (suppressions as code, issue 19). Kept apart from the blocks above.
// ---------------------------------------------------------------------------------------------

/**
 * Automation rule limits. Sources: ../shared/reference/aws-facts.md ("Automation rules"), which
 * cites the CreateAutomationRule / AutomationRulesFindingFilters and CreateAutomationRuleV2 API
 * references and the user guide page "Understanding automation rules in Security Hub CSPM":
 * - at most 100 rules per administrator account and Region (CSPM, and the same for V2 rules);
 * - `RuleOrder` 1-1000 (CSPM an integer, V2 a float in the same range);
 * - at most 20 filter values per criterion, except AwsAccountId, GeneratorId, Id, ResourceId and
 *   Title, which take 100 (AutomationRulesFindingFilters "Array Members");
 * - the action's Note.Text (CSPM) and Comment (V2) are 1-512 characters.
 * The V2 API reference pages checked give no per-field value counts for OCSF criteria: the
 * compiler applies the CSPM counts to both formats (docs/suppressions.md says so).
 */
export const AUTOMATION_RULE_LIMITS = {
    rulesPerRegion: 100,
    minRuleOrder: 1,
    maxRuleOrder: 1000,
    valuesPerCriterion: 20,
    valuesPerWideCriterion: 100,
    noteTextLength: 512,
    commentLength: 512,
    noteUpdatedByLength: 512,
} as const;

/** ASFF criteria that take {@link AUTOMATION_RULE_LIMITS.valuesPerWideCriterion} values (AutomationRulesFindingFilters). */
export const AUTOMATION_RULE_WIDE_CRITERIA = ["AwsAccountId", "GeneratorId", "Id", "ResourceId", "Title"] as const;

/**
 * String comparisons automation rules accept (StringFilter `Comparison`). There is no regular
 * expression or wildcard comparison. CONTAINS, EQUALS and PREFIX filters on one field are joined by
 * OR; NOT_CONTAINS, NOT_EQUALS and PREFIX_NOT_EQUALS filters on one field by AND (StringFilter API
 * reference); different fields are joined by AND.
 */
export const AUTOMATION_RULE_COMPARISONS = ["EQUALS", "PREFIX", "NOT_EQUALS", "PREFIX_NOT_EQUALS", "CONTAINS", "NOT_CONTAINS"] as const;
/** MapFilter `Comparison` (ResourceTags and other key/value criteria). */
export const AUTOMATION_RULE_MAP_COMPARISONS = ["EQUALS", "NOT_EQUALS", "CONTAINS", "NOT_CONTAINS"] as const;
/**
 * Incident Manager response plans and the replication set (CreateResponsePlan,
 * CreateReplicationSet). Source: the service model (botocore ssm-incidents 2018-05-10
 * service-2.json: EngagementSet max 5, NotificationTargetSet max 10, DynamicSsmParameters
 * 1-200, RegionMapInput 1-3) and the CloudFormation reference for the chat channel
 * (AWS::SSMIncidents::ResponsePlan ChatChannel: ChatbotSns minimum 1, maximum 5; with no topic
 * the plan has no chat channel at all).
 */
export const RESPONSE_PLAN_LIMITS = {
    /** `engagements`: contact or escalation plan ARNs. */
    engagements: 5,
    /** `chatChannel.chatbotSns`: SNS topics, 1-5 when a chat channel is given. */
    chatChannelTopicsMin: 1,
    chatChannelTopicsMax: 5,
    /** `incidentTemplate.notificationTargets`. */
    notificationTargets: 10,
    /** `actions[].ssmAutomation.dynamicParameters`. */
    dynamicParameters: 200,
    /** CreateReplicationSet `regions`. */
    replicationRegionsMin: 1,
    replicationRegionsMax: 3,
} as const;

/**
 * EventBridge: a rule's event pattern is at most 2,048 characters by default, adjustable to 4,096
 * with a quota increase (EventBridge user guide, "Amazon EventBridge quotas": Event pattern size;
 * the @pulumi/aws EventRule `eventPattern` documentation gives the 4,096 ceiling). The check uses
 * the default: a raised quota is an account's own, unknown here.
 */
export const EVENT_PATTERN_LIMITS = { maxLength: 2048, maxLengthWithQuotaIncrease: 4096 } as const;

/**
 * The partition of a Region (ARN `arn:<partition>:…`): aws-cn for cn-*, aws-us-gov for us-gov-*,
 * else aws. The ARN patterns of Incident Manager's model accept only these three
 * (`^arn:aws(-cn|-us-gov)?:…`), so a stack elsewhere has no partition of its own to check against.
 */
export function partitionOfRegion(region: string): "aws" | "aws-cn" | "aws-us-gov" {
    if (region.startsWith("cn-")) return "aws-cn";
    if (region.startsWith("us-gov-")) return "aws-us-gov";
    return "aws";
}

/** One documented limit of a resource the stack declares, where it comes from, and what checks it. */
export interface DocumentedLimit {
    resource: string;
    field: string;
    limit: string;
    source: string;
    /** The setting that is refused past it, or where else it is kept. */
    checkedBy: string;
}

/**
 * Every documented limit of every resource the stack declares that its settings or its rendered
 * inputs can reach (tests/limits.test.ts lists them and checks each one that a setting reaches).
 */
export const DOCUMENTED_LIMITS: readonly DocumentedLimit[] = [
    { resource: "aws:ssmincidents/responsePlan", field: "engagements", limit: `0-${RESPONSE_PLAN_LIMITS.engagements}`, source: "ssm-incidents model, EngagementSet", checkedBy: "engagementContactArns" },
    { resource: "aws:ssmincidents/responsePlan", field: "chatChannel.chatbotSns", limit: `${RESPONSE_PLAN_LIMITS.chatChannelTopicsMin}-${RESPONSE_PLAN_LIMITS.chatChannelTopicsMax} (or none)`, source: "CloudFormation AWS::SSMIncidents::ResponsePlan ChatChannel", checkedBy: "chatChannelTopicArns" },
    { resource: "aws:ssmincidents/responsePlan", field: "incidentTemplate.notificationTargets", limit: `0-${RESPONSE_PLAN_LIMITS.notificationTargets}`, source: "ssm-incidents model, NotificationTargetSet", checkedBy: "notificationTopicArns" },
    { resource: "aws:ssmincidents/responsePlan", field: "ARNs (engagements, chat channel, notification targets)", limit: "the stack's partition", source: "ssm-incidents model, SsmContactsArn and Arn patterns", checkedBy: "engagementContactArns, chatChannelTopicArns, notificationTopicArns, alarmTopicArn" },
    { resource: "aws:ssmincidents/responsePlan", field: "name", limit: `${RESPONSE_PLAN_NAME.pattern}, 1-${RESPONSE_PLAN_NAME.maxLength}`, source: "ssm-incidents model, ResponsePlanName", checkedBy: "stack name, responsePlans" },
    { resource: "aws:ssmincidents/responsePlan", field: "incidentTemplate.title", limit: `1-${INCIDENT_LIMITS.titleLength}`, source: "ssm-incidents model, IncidentTitle", checkedBy: "responsePlans incidentTitle" },
    { resource: "aws:ssmincidents/responsePlan", field: "actions[].ssmAutomation.dynamicParameters", limit: `1-${RESPONSE_PLAN_LIMITS.dynamicParameters}`, source: "ssm-incidents model, DynamicSsmParameters", checkedBy: "lib/runbookParameters.ts (fixed: 2)" },
    { resource: "aws:ssmincidents/replicationSet", field: "regions", limit: `${RESPONSE_PLAN_LIMITS.replicationRegionsMin}-${RESPONSE_PLAN_LIMITS.replicationRegionsMax}`, source: "ssm-incidents model, RegionMapInput", checkedBy: "replicationRegions" },
    { resource: "aws:cloudwatch/eventRule", field: "eventPattern", limit: `at most ${EVENT_PATTERN_LIMITS.maxLength} characters (${EVENT_PATTERN_LIMITS.maxLengthWithQuotaIncrease} with a quota increase)`, source: "EventBridge quotas, Event pattern size", checkedBy: "productNames, severityLabels, recordStates, workflowStatuses" },
    { resource: "aws:cloudwatch/eventTarget", field: "retryPolicy", limit: `attempts 0-${EVENT_RETRY_LIMITS.maxRetryAttempts}, age ${EVENT_RETRY_LIMITS.minEventAgeSeconds}-${EVENT_RETRY_LIMITS.maxEventAgeSeconds} s`, source: "EventBridge RetryPolicy", checkedBy: "eventRetryAttempts, eventMaxAgeSeconds" },
    { resource: "aws:cloudwatch/logGroup", field: "retentionInDays", limit: LOG_RETENTION_DAYS.join(", "), source: "CloudWatch Logs PutRetentionPolicy", checkedBy: "logRetentionDays" },
    { resource: "aws:ssm/document", field: "content", limit: `at most ${AUTOMATION_LIMITS.documentContentBytes} bytes`, source: "Systems Manager CreateDocument, MaxDocumentSizeExceeded", checkedBy: "runbookFile, responsePlans runbookFile (stat before reading, then as deployed)" },
    { resource: "aws:ssm/document", field: "aws:pause timeoutSeconds", limit: `1-${AUTOMATION_LIMITS.pauseMaxTimeoutSeconds}`, source: "Systems Manager aws:pause", checkedBy: "runbookPauseTimeoutDays, runbook steps" },
    { resource: "aws:dynamodb/table", field: "name", limit: "3-255 of a-z A-Z 0-9 _ - .", source: "DynamoDB naming rules", checkedBy: "tableName" },
];
