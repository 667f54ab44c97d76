import * as crypto from "crypto";
import { RetiringTexts } from "./packedText";
import { EVENT_DETAIL_TYPE, EVENT_SOURCE, OCSF_EVENT_DETAIL_TYPE } from "../lib/eventPattern";
import {
    BATCH_UPDATE_FINDINGS_V2_ERRORS, BATCH_UPDATE_V2_SEVERITY_IDS, BATCH_UPDATE_V2_STATUS_IDS, ISO_TIMESTAMP_PATTERN, OCSF_COMPLIANCE_STATUS_IDS,
    OCSF_STATUS_IDS, ocsfSeverityName, ocsfStatusName, SECURITY_HUB_LIMITS, SECURITY_HUB_V2_LIMITS, UNPROCESSED_FINDING_ERROR_CODES,
    UNPROCESSED_FINDING_V2_ERROR_CODES, WORKFLOW_STATUS_VALUES,
} from "../lib/limits";
import { OCSF_FINDING_PATHS, ocsfFindingUid, ocsfString } from "../lib/ocsf";
import { SEVERITY_LABELS } from "../lib/severity";
import { StatesError } from "./stepFunctionsJsonata";
import { AsffRuleArgs, CompiledAutomationRule, OcsfRuleArgs } from "../lib/suppressions";

/** An ASFF finding as Security Hub CSPM stores and sends it (only the fields the stand-in reads are typed). */
export type Finding = Record<string, any>;

export type WorkflowStatus = (typeof WORKFLOW_STATUS_VALUES)[number];
export type UnprocessedFindingErrorCode = (typeof UNPROCESSED_FINDING_ERROR_CODES)[number];

/** A "Security Hub Findings - Imported" event as EventBridge delivers it. */
export interface SecurityHubEvent {
    version: string;
    id: string;
    "detail-type": string;
    source: string;
    account: string;
    time: string;
    region: string;
    resources: string[];
    detail: { findings: Finding[] };
}

export interface FindingIdentifier {
    Id: string;
    ProductArn: string;
}

/** BatchUpdateFindings' request, as the state machine's aws-sdk:securityhub:batchUpdateFindings task passes it. */
export interface BatchUpdateFindingsRequest {
    FindingIdentifiers: FindingIdentifier[];
    Workflow?: { Status: string };
    Note?: { Text: string; UpdatedBy: string };
    Severity?: { Label?: string; Normalized?: number; Product?: number };
    VerificationState?: string;
    Confidence?: number;
    Criticality?: number;
    Types?: string[];
    UserDefinedFields?: Record<string, string>;
    RelatedFindings?: FindingIdentifier[];
}

export interface UnprocessedFinding {
    FindingIdentifier: FindingIdentifier;
    ErrorCode: UnprocessedFindingErrorCode;
    ErrorMessage: string;
}

export interface BatchUpdateFindingsResponse {
    ProcessedFindings: FindingIdentifier[];
    UnprocessedFindings: UnprocessedFinding[];
}

/** One finding a BatchUpdateFindings call changed (for reports). */
export interface AppliedUpdate {
    id: string;
    productArn: string;
    /** The workflow status the call set, if it set one. */
    status?: string;
    /** The note text the call set, if it set one. */
    noteText?: string;
    /** The stand-in's clock when the call was applied. */
    time: string;
    /** The id of the Imported event the update emitted. */
    eventId: string;
}

/**
 * Why a provider import left a finding with the workflow status it has:
 * - `first-import`: the finding was new; stored as given.
 * - `kept`: the stored status (and note) survived the re-import.
 * - `set-in-account`: the input carried a status other than NEW, which someone in the account set.
 * - `reset-compliance`: compliance went PASSED → FAILED/WARNING/NOT_AVAILABLE; NOTIFIED/RESOLVED → NEW.
 * - `reset-record-state`: the record went ARCHIVED → ACTIVE; NOTIFIED/RESOLVED → NEW.
 * - `resolved-compliance-passed`: compliance is PASSED; NEW/NOTIFIED → RESOLVED.
 */
export type ImportReason = "first-import" | "kept" | "set-in-account" | "reset-compliance" | "reset-record-state" | "resolved-compliance-passed";

/** What one provider import did to one finding's workflow status. */
export interface ImportOutcome {
    id: string;
    /** Stored status before the import (undefined on the first import or when the finding had none). */
    before?: string;
    /** Status the emitted event carries. */
    after?: string;
    /** The status the input event carried. */
    input?: string;
    reason: ImportReason;
    /** The stand-in's clock at the import. */
    time: string;
}

/** An OCSF finding as the new Security Hub stores and sends it ("Findings Imported V2"). */
export type OcsfFinding = Record<string, any>;
export type UnprocessedFindingV2ErrorCode = (typeof UNPROCESSED_FINDING_V2_ERROR_CODES)[number];
export type BatchUpdateFindingsV2Error = (typeof BATCH_UPDATE_FINDINGS_V2_ERRORS)[number];

/** OcsfFindingIdentifier (API reference): all three fields are required. */
export interface OcsfFindingIdentifier {
    CloudAccountUid: string;
    FindingInfoUid: string;
    MetadataProductUid: string;
}

/**
 * BatchUpdateFindingsV2's request, as an aws-sdk:securityhub:batchUpdateFindingsV2 task passes it:
 * `MetadataUids` or `FindingIdentifiers` (not both), and any of `StatusId`, `SeverityId`, `Comment`.
 */
export interface BatchUpdateFindingsV2Request {
    MetadataUids?: string[];
    FindingIdentifiers?: OcsfFindingIdentifier[];
    StatusId?: number;
    SeverityId?: number;
    Comment?: string;
}

/** A finding in the response: the identifier it was asked by, and the other one when Security Hub knows it. */
export interface BatchUpdateFindingsV2ProcessedFinding {
    FindingIdentifier?: OcsfFindingIdentifier;
    MetadataUid?: string;
}

export interface BatchUpdateFindingsV2UnprocessedFinding extends BatchUpdateFindingsV2ProcessedFinding {
    ErrorCode: UnprocessedFindingV2ErrorCode;
    ErrorMessage: string;
}

export interface BatchUpdateFindingsV2Response {
    ProcessedFindings: BatchUpdateFindingsV2ProcessedFinding[];
    UnprocessedFindings: BatchUpdateFindingsV2UnprocessedFinding[];
}

/** One OCSF finding a BatchUpdateFindingsV2 call changed (for reports). */
export interface AppliedUpdateV2 {
    /** The finding's finding_info.uid. */
    uid: string;
    metadataUid?: string;
    statusId?: number;
    severityId?: number;
    comment?: string;
    time: string;
    /** The id of the Findings Imported V2 event the update emitted. */
    eventId: string;
}

/** What one provider import did to one OCSF finding's status_id (reasons as for ASFF; see importEvent). */
export interface OcsfImportOutcome {
    uid: string;
    before?: number;
    after?: number;
    input?: number;
    reason: ImportReason;
    time: string;
}

/** Fields a BatchUpdateFindings request may carry; every other top-level field is rejected. */
const REQUEST_FIELDS = ["FindingIdentifiers", "Workflow", "Note", "Severity", "VerificationState", "Confidence", "Criticality", "Types", "UserDefinedFields", "RelatedFindings"];
const UPDATE_FIELDS = REQUEST_FIELDS.filter(field => field !== "FindingIdentifiers");
/**
 * Top-level fields that, once set with BatchUpdateFindings, provider re-imports no longer change
 * (Workflow and Note are handled by the workflow-status rules of `importEvent`).
 */
const CUSTOMER_FIELDS = ["Severity", "VerificationState", "Confidence", "Criticality", "Types", "UserDefinedFields", "RelatedFindings"];
const IDENTIFIER_FIELDS = ["Id", "ProductArn"];
const NOTE_FIELDS = ["Text", "UpdatedBy"];
const SEVERITY_FIELDS = ["Label", "Normalized", "Product"];
/** VerificationState values (securityhub service model, BatchUpdateFindings `VerificationState`). */
const VERIFICATION_STATES = ["UNKNOWN", "TRUE_POSITIVE", "FALSE_POSITIVE", "BENIGN_POSITIVE"];
/** RatioScale: Confidence, Criticality and Severity.Normalized are whole numbers 0–100 (securityhub service model). */
const RATIO_SCALE = { min: 0, max: 100 } as const;
/** Compliance statuses that reset a PASSED finding (Workflow API reference). */
const NOT_PASSED = ["FAILED", "WARNING", "NOT_AVAILABLE"];
/** Fields a BatchUpdateFindingsV2 request may carry (API reference, BatchUpdateFindingsV2). */
const REQUEST_V2_FIELDS = ["MetadataUids", "FindingIdentifiers", "StatusId", "SeverityId", "Comment"];
const UPDATE_V2_FIELDS = ["StatusId", "SeverityId", "Comment"];
const OCSF_IDENTIFIER_FIELDS = ["CloudAccountUid", "FindingInfoUid", "MetadataProductUid"] as const;
const TIMESTAMP = new RegExp(ISO_TIMESTAMP_PATTERN);
const EPOCH = "1970-01-01T00:00:00Z";

/** Length as the service model counts it: Unicode code points. */
function length(text: string): number {
    return [...text].length;
}

/** NonEmptyString in the securityhub model: a string with at least one non-whitespace character. */
function nonEmpty(value: unknown): value is string {
    return typeof value === "string" && /\S/.test(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

function ratio(value: unknown): boolean {
    return Number.isInteger(value) && (value as number) >= RATIO_SCALE.min && (value as number) <= RATIO_SCALE.max;
}

function copy<T>(value: T): T {
    return structuredClone(value);
}

/**
 * Stored findings kept as their JSON text (Security Hub stores JSON): a fraction of the memory
 * of the objects, which matters when a replay holds 100,000 of them, and every read is a fresh
 * copy that the caller may change (and `set` back). A finding `retire`d (its replayed events are
 * over) is kept packed (offline/packedText.ts, RetiringTexts: in groups, about a twelfth of the
 * text); reading it unpacks it, so retiring changes how it is held, never what is read.
 */
class JsonStore<T> {
    readonly texts = new RetiringTexts<string>();

    get(key: string): T | undefined {
        const text = this.texts.get(key);
        return text === undefined ? undefined : JSON.parse(text);
    }

    set(key: string, value: T): void {
        this.texts.set(key, JSON.stringify(value));
    }

    /**
     * Stores a value by its JSON text, as `set` would store the value parsed from it
     * (`JSON.stringify(JSON.parse(text)) === text` for any text JSON.stringify wrote): for a caller
     * that has the text already.
     */
    setText(key: string, text: string): void {
        this.texts.set(key, text);
    }

    /** Retires one stored value; false when there is none or it is retired already. */
    retire(key: string): boolean {
        return this.texts.retire(key);
    }
}

/** A copy of an event without its `detail.findings` (which the caller replaces). */
function envelopeCopy(event: Record<string, any>): Record<string, any> {
    const { detail, ...envelope } = event;
    const { findings: _findings, ...rest } = detail ?? {};
    return { ...jsonCopy(envelope), detail: jsonCopy(rest) };
}

/**
 * `JSON.parse(JSON.stringify(value))` of a plain object. An envelope's fields are strings and a
 * list of strings, which JSON copies as they are: those are copied directly; any other value
 * (numbers, which JSON turns -0 and NaN into 0 and null, nested objects, undefined, a `toJSON`)
 * sends the whole object through JSON, so the copy is always exactly JSON's.
 */
function jsonCopy(value: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
        const v = value[key];
        // "__proto__": JSON.parse makes it an own property, an assignment would not.
        if (key === "__proto__") return JSON.parse(JSON.stringify(value));
        if (typeof v === "string" || typeof v === "boolean" || v === null) out[key] = v;
        else if (Array.isArray(v) && Object.getPrototypeOf(v) === Array.prototype && !("toJSON" in v) && stringsOnly(v)) out[key] = v.slice();
        else return JSON.parse(JSON.stringify(value));
    }
    return out;
}

function stringsOnly(list: unknown[]): boolean {
    for (let i = 0; i < list.length; i++) if (typeof list[i] !== "string") return false;
    return true;
}

/** OCSF compliance Pass (`compliance.status_id` 1, or `compliance.status` "Pass"; ocsf-v2.md compliance row). */
function compliancePassed(finding: OcsfFinding): boolean {
    return finding.compliance?.status_id === OCSF_COMPLIANCE_STATUS_IDS.Pass || finding.compliance?.status === "Pass";
}

/** OCSF compliance Warning or Fail (the counterparts of ASFF's WARNING and FAILED). */
function complianceFailing(finding: OcsfFinding): boolean {
    const { Warning, Fail } = OCSF_COMPLIANCE_STATUS_IDS;
    return [Warning, Fail].includes(finding.compliance?.status_id) || ["Warning", "Fail"].includes(finding.compliance?.status);
}

/** The automation rules the stand-in applies (lib/suppressions.ts compiles them). */
export interface StandInAutomationRules {
    asff: Array<CompiledAutomationRule<AsffRuleArgs>>;
    ocsf: Array<CompiledAutomationRule<OcsfRuleArgs>>;
}

/**
 * When an automation rule's update reaches EventBridge, for a finding the rule changes on import.
 * AWS documents that Security Hub applies the rules "as it ingests findings", to new and updated
 * findings (user guide, "Understanding automation rules in Security Hub CSPM"), but not whether the
 * Imported event of that import already carries the rule's result, or the import's event is sent
 * first and the rule's update follows as an event of its own.
 * - `separate-event` (the replay's default, the conservative reading): the import's event as the
 *   provider sent it, then an event with the rule's update. A new finding that a rule suppresses
 *   can still open an incident; the incident hears of the suppression through the lifecycle rule
 *   when the rule next applies with the incident's Note on the finding (its next re-import).
 * - `in-import`: the import's event carries the rule's result; a suppressed new finding never
 *   matches the findings rule.
 */
export type AutomationRuleTiming = "separate-event" | "in-import";

/** One finding update an automation rule made. */
export interface AutomationUpdate {
    format: "ASFF" | "OCSF";
    /** The finding's Id (ASFF) or finding_info.uid (OCSF). */
    key: string;
    /** The suppression rule the automation rule comes from, and the automation rule's own name. */
    suppression: string;
    ruleName: string;
    /** The status the finding has after it (ASFF workflow status, OCSF status name). */
    status?: string;
    time: string;
    /** The event that carried it, with `separate-event`. */
    eventId?: string;
}

const POSITIVE = new Set(["EQUALS", "PREFIX", "CONTAINS"]);

/** One StringFilter comparison of one value (StringFilter API reference). */
function compare(comparison: string, actual: string, expected: string): boolean {
    switch (comparison) {
        case "EQUALS": case "NOT_EQUALS": return actual === expected;
        case "PREFIX": case "PREFIX_NOT_EQUALS": return actual.startsWith(expected);
        case "CONTAINS": case "NOT_CONTAINS": return actual.includes(expected);
        default: throw new Error(`automation rule comparison ${comparison} is not one the stand-in knows`);
    }
}

/**
 * One field's filters against the field's values (a finding may have several: one per resource).
 * CONTAINS/EQUALS/PREFIX filters are joined by OR, NOT_CONTAINS/NOT_EQUALS/PREFIX_NOT_EQUALS by AND
 * (StringFilter API reference). A negated filter holds when no value matches it, so it holds for a
 * finding without the field: AWS does not document that case (an assumption of the stand-in).
 */
function fieldMatches(filters: Array<{ comparison: string; value: string; key?: string }>, values: Array<string | { key: string; value: string }>): boolean {
    return splitFieldMatches(filters.filter(f => POSITIVE.has(f.comparison)), filters.filter(f => !POSITIVE.has(f.comparison)), values);
}

/** fieldMatches with the filters already split into positive and negative ones. */
function splitFieldMatches(positive: Array<{ comparison: string; value: string; key?: string }>, negative: Array<{ comparison: string; value: string; key?: string }>, values: Array<string | { key: string; value: string }>): boolean {
    const test = (f: { comparison: string; value: string; key?: string }, v: string | { key: string; value: string }) =>
        f.key === undefined ? typeof v === "string" && compare(f.comparison, v, f.value) : typeof v !== "string" && v.key === f.key && compare(f.comparison, v.value, f.value);
    return (positive.length === 0 || positive.some(f => values.some(v => test(f, v))))
        && negative.every(f => !values.some(v => test(f, v)));
}

const strings = (...values: unknown[]) => values.filter((v): v is string => typeof v === "string");
const resourcesOf = (finding: Finding): Array<Record<string, any>> => (Array.isArray(finding.Resources) ? finding.Resources.filter(isObject) : []);

/** ASFF criteria (Pulumi's keys, as lib/suppressions.ts writes them) → the finding's values for it. */
const ASFF_CRITERIA_VALUES: Record<string, (f: Finding) => Array<string | { key: string; value: string }>> = {
    awsAccountIds: f => strings(f.AwsAccountId),
    complianceSecurityControlIds: f => strings(f.Compliance?.SecurityControlId),
    resourceRegions: f => strings(...resourcesOf(f).map(r => r.Region)),
    resourceIds: f => strings(...resourcesOf(f).map(r => r.Id)),
    productNames: f => strings(f.ProductName ?? f.ProductFields?.["aws/securityhub/ProductName"]),
    titles: f => strings(f.Title),
    noteTexts: f => strings(f.Note?.Text),
    resourceTags: f => resourcesOf(f).flatMap(r => (isObject(r.Tags) ? Object.entries(r.Tags).filter(([, v]) => typeof v === "string").map(([key, value]) => ({ key, value: value as string })) : [])),
};

type StringFilterArgs = { comparison: string; value: string; key?: string };

/** A rule's criteria worked out once per criteria object (rules are not changed once compiled): per field, its values and its filters split as fieldMatches splits them. */
const compiledCriteria = new WeakMap<AsffRuleArgs["criteria"], Array<{ field: string; values?: (f: Finding) => Array<string | { key: string; value: string }>; positive: StringFilterArgs[]; negative: StringFilterArgs[] }>>();

/** Whether an ASFF finding matches a CSPM rule's criteria: every field's filters hold (fields AND-joined). */
export function asffCriteriaMatch(criteria: AsffRuleArgs["criteria"], finding: Finding): boolean {
    let fields = compiledCriteria.get(criteria);
    if (!fields) {
        fields = Object.entries(criteria).map(([field, filters]) => ({
            field,
            values: ASFF_CRITERIA_VALUES[field],
            positive: filters.filter(f => POSITIVE.has(f.comparison)),
            negative: filters.filter(f => !POSITIVE.has(f.comparison)),
        }));
        compiledCriteria.set(criteria, fields);
    }
    for (const { field, values, positive, negative } of fields) {
        if (!values) throw new Error(`automation rule criterion ${field} is not one the stand-in knows`);
        if (!splitFieldMatches(positive, negative, values(finding))) return false;
    }
    return true;
}

/** An OCSF field's values: a dotted path, lists flattened (resources.uid is every resource's uid). */
function ocsfValues(node: unknown, path: string[]): unknown[] {
    if (Array.isArray(node)) return node.flatMap(item => ocsfValues(item, path));
    if (path.length === 0) return node === undefined ? [] : [node];
    if (!isObject(node)) return [];
    return ocsfValues(node[path[0]], path.slice(1));
}

/** Whether an OCSF finding matches a V2 rule's OcsfFindingFilters (CompositeFilters, their Operator and the CompositeOperator). */
export function ocsfCriteriaMatch(criteria: Record<string, any>, finding: OcsfFinding): boolean {
    const one = (f: { FieldName: string; Filter: { Comparison: string; Value: string; Key?: string } }, map: boolean) => {
        const values = ocsfValues(finding, f.FieldName.split("."));
        const filter = { comparison: f.Filter.Comparison, value: f.Filter.Value, ...(map ? { key: f.Filter.Key } : {}) };
        // OCSF tags are [{name, value}] (resources[].tags); a map filter's Key is the tag's name.
        const given = map
            ? values.filter(isObject).map(t => ({ key: String(t.name ?? t.key ?? ""), value: String(t.value ?? "") }))
            : values.filter((v): v is string => typeof v === "string");
        return fieldMatches([filter as { comparison: string; value: string; key?: string }], given);
    };
    const composites: Array<Record<string, any>> = criteria.CompositeFilters ?? [];
    const results = composites.map(c => {
        const tests = [...(c.StringFilters ?? []).map((f: any) => one(f, false)), ...(c.MapFilters ?? []).map((f: any) => one(f, true))];
        return c.Operator === "OR" ? tests.some(Boolean) : tests.every(Boolean);
    });
    return criteria.CompositeOperator === "OR" ? results.some(Boolean) : results.every(Boolean);
}

/**
 * Security Hub CSPM's side of a finding's life, offline. Sources: ../shared/reference/aws-facts.md
 * ("Security Hub (ASFF)", lines 82–106, and "EventBridge", lines 73–75), which cite the
 * BatchUpdateFindings API reference, the Workflow / WorkflowUpdate API reference ("Security Hub
 * CSPM also resets the workflow status from NOTIFIED or RESOLVED to NEW ...") and the Security Hub
 * CSPM User Guide pages on finding workflow status, BatchUpdateFindings for customers and
 * BatchImportFindings for finding providers ("Using FindingProviderFields").
 *
 * **BatchUpdateFindings** (`batchUpdateFindings`), as the Step Functions SDK integration calls it:
 * - Request constraints (aws-facts.md 91–96, 103–106; BatchUpdateFindings API reference):
 *   1–{@link SECURITY_HUB_LIMITS.findingIdentifiersPerCall} `FindingIdentifiers`, each `{Id, ProductArn}`
 *   non-empty strings; at least one field to update; `Workflow.Status` ∈ NEW | NOTIFIED | RESOLVED |
 *   SUPPRESSED; `Note.Text` 1–512 code points and `Note.UpdatedBy` (required with it) 1–512;
 *   `Confidence`, `Criticality`, `Severity.Normalized` 0–100; `Severity.Label` a severity label;
 *   `VerificationState` one of its four values; unknown fields refused. A broken request fails
 *   the whole call with `SecurityHub.InvalidInputException`. The stand-in requires `Status` when
 *   `Workflow` is given (the model leaves it optional, but an empty Workflow updates nothing) and
 *   checks "non-empty" as "has a non-whitespace character".
 * - Partial failure is reported per finding in `UnprocessedFindings` (aws-facts.md 93–95, 104–105):
 *   a finding the stand-in never imported, or imported under another ProductArn, is
 *   `FindingNotFound`; an identifier listed twice is `DuplicatedFindingIdentifier` for every
 *   occurrence and none of them is applied (the API reference describes the code as "two or more
 *   findings with the same FindingIdentifier"; whether AWS applies one of them is not documented).
 * - Whole-call errors are `SecurityHub.<ErrorName>`: throttling is `LimitExceededException`, not
 *   ThrottlingException (aws-facts.md 91–93); `InternalException` and `InvalidAccessException` can
 *   be injected too.
 * - A processed update sets `Workflow.Status` and/or `Note` (stored as `{Text, UpdatedBy, UpdatedAt}`,
 *   UpdatedAt = the stand-in's clock) and any other field the request carries (Severity is merged
 *   field by field; Label and Normalized are not derived from each other here); it does not change
 *   the finding's `UpdatedAt` (aws-facts.md 98; API reference). Each processed finding emits one new
 *   "Security Hub Findings - Imported" event carrying the stored finding (aws-facts.md 74–75, 99).
 * - Where the stand-in differs from the account: AWS applies the update asynchronously, "it can take
 *   several minutes" (aws-facts.md 98); here it applies, and the event is handed to `onEvent`, before
 *   the call returns. AWS also authorises (IAM, administrator vs member account); the stand-in does not.
 *
 * **Provider imports** (`importEvent`): input events are what Security Hub sent without this
 * project's write-back; the stand-in returns the event Security Hub would send given what it stores.
 * - First import: stored and emitted as given.
 * - Re-imports keep the stored `Workflow.Status` and `Note`: a Note or Workflow set by
 *   BatchUpdateFindings survives provider re-imports (aws-facts.md 97–98; BatchImportFindings cannot
 *   change them). Fields customers set with BatchUpdateFindings (Severity, VerificationState,
 *   Confidence, Criticality, Types, UserDefinedFields, RelatedFindings) likewise keep the customer's
 *   value (User Guide, "Using FindingProviderFields": providers update FindingProviderFields, not the
 *   top-level fields a customer changed; not in aws-facts.md). Exceptions, in this order:
 *   1. An input status other than NEW stands (someone in the account set it); its Note too, if it has one.
 *   2. Reset to NEW: stored NOTIFIED or RESOLVED (never SUPPRESSED) and compliance goes PASSED →
 *      FAILED/WARNING/NOT_AVAILABLE, or the record goes ARCHIVED → ACTIVE (aws-facts.md 89–90, 101–102;
 *      Workflow API reference). The Note is kept.
 *   3. Compliance PASSED and stored NEW or NOTIFIED → RESOLVED: Security Hub resolves control findings
 *      itself (aws-facts.md 90, 100); SUPPRESSED is never overridden ("The finding is no longer updated").
 * - Everything else (severity, RecordState, Compliance, UpdatedAt, Title, ...) comes from the input.
 *   `WorkflowState` (deprecated) is set to the resulting `Workflow.Status` when the finding has it;
 *   its enum has no NOTIFIED or SUPPRESSED, and what AWS writes there is not documented.
 * - Findings are keyed by `Id` alone (AWS keys them by Id and ProductArn).
 *
 * **The new Security Hub (OCSF, "Findings Imported V2")**, source ../shared/reference/ocsf-v2.md
 * and the BatchUpdateFindingsV2 / OcsfFindingIdentifier API reference pages:
 * - OCSF findings are stored apart from ASFF ones, keyed by `finding_info.uid`. For control and
 *   GuardDuty findings that is the same string as the ASFF `Id`, and an organisation migrating may
 *   send both formats of one finding: the two copies are separate findings here (`finding(id)` is the
 *   ASFF one, `ocsfFinding(uid)` the OCSF one), each updated only by its own API, as Security Hub
 *   CSPM and the new Security Hub keep them.
 * - **BatchUpdateFindingsV2** (`batchUpdateFindingsV2`): 1–100 `MetadataUids` or 1–100
 *   `FindingIdentifiers` (each with CloudAccountUid, FindingInfoUid and MetadataProductUid, non-empty
 *   strings), not both; `StatusId` ∈ 0, 1, 2, 3, 4, 5, 99; `SeverityId` ∈ 0–6, 99; `Comment` 1–512
 *   code points with a non-whitespace character; unknown fields refused; a broken request fails the
 *   whole call with `SecurityHub.ValidationException`. The stand-in also refuses a request that
 *   selects no finding or updates nothing (the API reference allows empty lists and leaves every
 *   update field optional; such a call would change nothing). A finding is found when a stored
 *   finding has that `metadata.uid`, or that `finding_info.uid` with the same `cloud.account.uid`
 *   and `metadata.product.uid`; otherwise it is unprocessed with `ResourceNotFoundException`. A
 *   finding listed twice is unprocessed with `ValidationException` at every occurrence and not
 *   applied (not documented; the ASFF stand-in does the same with DuplicatedFindingIdentifier).
 *   Whole-call errors that can be injected: ThrottlingException, ValidationException,
 *   AccessDeniedException, ConflictException, InternalServerException. A processed update sets
 *   `status_id` and its `status` name, `severity_id` and its `severity` name ("the string sibling …
 *   will automatically be updated"), and `comment`; it changes neither `time`/`time_dt` nor
 *   `finding_info.modified_time`(`_dt`), and emits one new Findings Imported V2 event carrying the
 *   stored finding (envelope `resources` = [metadata.uid], ocsf-v2.md "Envelope").
 * - **Provider imports of V2 events** follow the ASFF rules above with OCSF's fields. Which of them
 *   the new Security Hub applies is unverified (ocsf-v2.md: "whether a provider re-import resets a
 *   status a person set"), so each is the ASFF behaviour, translated:
 *   re-imports keep the stored `status_id`/`status` and `comment` (and a `severity_id` set with
 *   BatchUpdateFindingsV2), except, in this order:
 *   1. an input `status_id` other than 1 New stands (someone in the account set it, or the provider
 *      archived or resolved the finding), with the input's `comment` if it has one;
 *   2. stored 2 In Progress or 4 Resolved (never 3 Suppressed) and `compliance` goes Pass →
 *      Warning/Fail (`compliance.status_id` 1 → 2/3): back to 1 New, comment kept;
 *   3. stored 5 Archived and the input is 1 New again (ASFF's ARCHIVED → ACTIVE): 1 New, comment
 *      kept. OCSF keeps one status, so the status the finding had before it was archived is gone:
 *      a finding suppressed before it was archived comes back New (ASFF would keep SUPPRESSED);
 *   4. input compliance Pass and stored 1 New or 2 In Progress: 4 Resolved.
 *
 * **Automation rules** (`setAutomationRules`, the stack's suppressionsFile compiled by
 *   lib/suppressions.ts): after every provider import the enabled rules run in RuleOrder on the
 *   stored finding (ASFF: `IsTerminal` stops further rules, AutomationRulesConfig API reference),
 *   each matching rule applying its action (workflow status and Note; OCSF status_id and comment).
 *   Criteria semantics: values of one field OR-joined (negations AND-joined), fields AND-joined
 *   (StringFilter API reference). Rules run on provider imports only, not after BatchUpdateFindings
 *   (AWS says rules apply "as it ingests findings"; whether they also follow a customer's update is
 *   not documented). When the rule's update is sent: {@link AutomationRuleTiming}.
 *
 * **Clock**: the stand-in's "now" comes from events, not the wall clock: `setTime`, and `importEvent`
 * with the event's `time`. It starts at 1970-01-01T00:00:00Z. One clock serves all findings, so
 * replays that interleave findings share it.
 */
export class SecurityHubStandIn {
    /** Every BatchUpdateFindings call, accepted or not: for counting retries. */
    calls = 0;
    /** Every finding update BatchUpdateFindings applied, in order. */
    readonly updates: AppliedUpdate[] = [];
    /** What every provider import did to each finding's workflow status, in order. */
    readonly imports: ImportOutcome[] = [];
    private readonly findings = new JsonStore<Finding>();
    /** Account and Region of the events each finding arrived in (the hub that stores it). */
    private readonly origin = new Map<string, { account: string; region: string }>();
    /** One shared origin object per account and Region (a month holds 100,000 findings of a few hundred). */
    private readonly places = new Map<string, { account: string; region: string }>();
    /** Top-level fields a customer set with BatchUpdateFindings, per finding. */
    private readonly customerSet = new Map<string, Set<string>>();
    /** Every BatchUpdateFindingsV2 call, accepted or not. */
    callsV2 = 0;
    /** Every OCSF finding update BatchUpdateFindingsV2 applied, in order. */
    readonly updatesV2: AppliedUpdateV2[] = [];
    /** What every provider import of a V2 event did to each OCSF finding's status_id, in order. */
    readonly importsV2: OcsfImportOutcome[] = [];
    /** OCSF findings by finding_info.uid, apart from the ASFF ones (see the class comment). */
    private readonly ocsfFindings = new Map<string, OcsfFinding>();
    /** metadata.uid → finding_info.uid of the stored OCSF findings. */
    private readonly ocsfByMetadataUid = new Map<string, string>();
    private readonly ocsfOrigin = new Map<string, { account: string; region: string }>();
    /** OCSF findings whose severity a customer set with BatchUpdateFindingsV2. */
    private readonly ocsfSeveritySet = new Set<string>();
    private readonly faultsV2: BatchUpdateFindingsV2Error[] = [];
    private permanentFaultV2?: BatchUpdateFindingsV2Error;
    private readonly unprocessFaultsV2: UnprocessedFindingV2ErrorCode[] = [];
    private readonly faults: string[] = [];
    private permanentFault?: string;
    private readonly unprocessFaults: UnprocessedFindingErrorCode[] = [];
    private clock = EPOCH;
    /** Automation rules applied to provider imports (suppressionsFile), and when their update is sent. */
    private automationRules: StandInAutomationRules = { asff: [], ocsf: [] };
    private automationTiming: AutomationRuleTiming = "separate-event";
    /** Every finding update an automation rule made, in order. */
    readonly automationUpdates: AutomationUpdate[] = [];

    /**
     * How many of the latest records `updates`, `imports`, `updatesV2` and `importsV2` keep
     * (default: all). A month-long replay keeps a window, so that memory does not grow with every
     * event; `lastImport` is always the latest.
     */
    historyLimit = Infinity;

    /**
     * @param onEvent receives each Imported event BatchUpdateFindings emits, synchronously, before
     * the call returns. It should queue the event rather than run the workflow on it.
     */
    constructor(private readonly onEvent: (event: SecurityHubEvent) => void = () => undefined) {}

    /** Appends a record, dropping the oldest beyond twice historyLimit (amortised: one splice per historyLimit records). */
    private record<T>(records: T[], entry: T): void {
        records.push(entry);
        if (records.length > 2 * this.historyLimit) records.splice(0, records.length - this.historyLimit);
    }

    /** The stand-in's clock (ISO-8601). */
    get now(): string {
        return this.clock;
    }

    /** Sets the stand-in's clock; `iso` must be an ISO-8601 date and time. */
    setTime(iso: string): void {
        if (typeof iso !== "string" || !TIMESTAMP.test(iso)) throw new Error(`setTime: ${JSON.stringify(iso)} is not an ISO-8601 date and time`);
        this.clock = iso;
    }

    /**
     * The account's automation rules (compiled by lib/suppressions.ts), applied to every provider
     * import from now on, and when their update reaches EventBridge (see {@link AutomationRuleTiming}).
     */
    setAutomationRules(rules: StandInAutomationRules, timing: AutomationRuleTiming = "separate-event"): void {
        const byOrder = <A extends { ruleOrder: number; ruleStatus: string }>(list: Array<CompiledAutomationRule<A>>) =>
            list.filter(r => r.args.ruleStatus === "ENABLED").map((r, i) => ({ r, i })).sort((a, b) => a.r.args.ruleOrder - b.r.args.ruleOrder || a.i - b.i).map(({ r }) => r);
        this.automationRules = { asff: byOrder(rules.asff), ocsf: byOrder(rules.ocsf) };
        this.automationTiming = timing;
    }

    /** The next `times` calls fail with `SecurityHub.<errorName>` (e.g. "LimitExceededException"). */
    failNext(errorName: string, times = 1): void {
        for (let i = 0; i < times; i++) this.faults.push(errorName);
    }

    /** Every call fails with `SecurityHub.<errorName>` until `recover()`. */
    failAlways(errorName: string): void {
        this.permanentFault = errorName;
    }

    /**
     * The next `times` valid calls report every finding unprocessed with `errorCode` (e.g.
     * "ConcurrentUpdateError") and apply nothing. Invalid requests fail before and do not use one up.
     */
    unprocessNext(errorCode: UnprocessedFindingErrorCode, times = 1): void {
        if (!(UNPROCESSED_FINDING_ERROR_CODES as readonly string[]).includes(errorCode)) {
            throw new Error(`unprocessNext: ${errorCode} is not one of ${UNPROCESSED_FINDING_ERROR_CODES.join(", ")}`);
        }
        for (let i = 0; i < times; i++) this.unprocessFaults.push(errorCode);
    }

    /** Clears every injected fault (whole-call and unprocessed, both APIs). */
    recover(): void {
        this.permanentFault = undefined;
        this.faults.length = 0;
        this.unprocessFaults.length = 0;
        this.permanentFaultV2 = undefined;
        this.faultsV2.length = 0;
        this.unprocessFaultsV2.length = 0;
    }

    /** The next `times` BatchUpdateFindingsV2 calls fail with `SecurityHub.<errorName>`, one of the API's errors. */
    failNextV2(errorName: BatchUpdateFindingsV2Error, times = 1): void {
        this.checkV2Error(errorName, "failNextV2");
        for (let i = 0; i < times; i++) this.faultsV2.push(errorName);
    }

    /** Every BatchUpdateFindingsV2 call fails with `SecurityHub.<errorName>` until `recover()`. */
    failAlwaysV2(errorName: BatchUpdateFindingsV2Error): void {
        this.checkV2Error(errorName, "failAlwaysV2");
        this.permanentFaultV2 = errorName;
    }

    /** The next `times` valid BatchUpdateFindingsV2 calls report every finding unprocessed with `errorCode` and apply nothing. */
    unprocessNextV2(errorCode: UnprocessedFindingV2ErrorCode, times = 1): void {
        if (!(UNPROCESSED_FINDING_V2_ERROR_CODES as readonly string[]).includes(errorCode)) {
            throw new Error(`unprocessNextV2: ${errorCode} is not one of ${UNPROCESSED_FINDING_V2_ERROR_CODES.join(", ")}`);
        }
        for (let i = 0; i < times; i++) this.unprocessFaultsV2.push(errorCode);
    }

    private checkV2Error(errorName: string, method: string): void {
        if (!(BATCH_UPDATE_FINDINGS_V2_ERRORS as readonly string[]).includes(errorName)) {
            throw new Error(`${method}: BatchUpdateFindingsV2 fails with ${BATCH_UPDATE_FINDINGS_V2_ERRORS.join(", ")}, not ${errorName}`);
        }
    }

    /** A copy of the stored OCSF finding with this finding_info.uid, if the stand-in has imported it. */
    ocsfFinding(uid: string): OcsfFinding | undefined {
        const stored = this.ocsfFindings.get(uid);
        return stored === undefined ? undefined : copy(stored);
    }

    private place(account: string, region: string): { account: string; region: string } {
        const key = `${account}|${region}`;
        let place = this.places.get(key);
        if (!place) this.places.set(key, place = { account, region });
        return place;
    }

    /**
     * Tells the stand-in that a finding's replayed events are over (the replay calls it once a
     * finding's last event, retries and write-backs have run): its stored ASFF finding is kept
     * packed. A later read or update of it unpacks it and answers as before; this is only how
     * memory holds it. Returns whether it was retired (false: no such finding, or retired already).
     */
    retire(id: string): boolean {
        return this.findings.retire(id);
    }

    /** Findings retired so far (offline/packedText.ts). */
    get retired(): number {
        return this.findings.texts.retired;
    }

    /** Retired findings packed so far: they are packed RetiringTexts.GROUP_SIZE at a time, the rest wait. */
    get packedFindings(): number {
        return this.findings.texts.packed;
    }

    /** A copy of the stored finding with this Id, if the stand-in has imported it. */
    finding(id: string): Finding | undefined {
        return this.findings.get(id);
    }

    /** The outcome of the most recent provider import (the last finding of the last event). */
    get lastImport(): ImportOutcome | undefined {
        return this.imports[this.imports.length - 1];
    }

    async batchUpdateFindings(request: BatchUpdateFindingsRequest): Promise<BatchUpdateFindingsResponse> {
        this.calls++;
        const fault = this.faults.shift() ?? this.permanentFault;
        if (fault) throw this.error(fault, `injected ${fault}`);
        const problems = this.validate(request);
        if (problems.length > 0) throw this.error("InvalidInputException", problems.join("; "));

        const response: BatchUpdateFindingsResponse = { ProcessedFindings: [], UnprocessedFindings: [] };
        const identifiers = request.FindingIdentifiers.map(({ Id, ProductArn }) => ({ Id, ProductArn }));
        const unprocess = this.unprocessFaults.shift();
        if (unprocess) {
            for (const identifier of identifiers) {
                response.UnprocessedFindings.push({ FindingIdentifier: identifier, ErrorCode: unprocess, ErrorMessage: `injected ${unprocess}` });
            }
            return response;
        }
        const key = (identifier: FindingIdentifier) => JSON.stringify([identifier.Id, identifier.ProductArn]);
        const counts = new Map<string, number>();
        for (const identifier of identifiers) counts.set(key(identifier), (counts.get(key(identifier)) ?? 0) + 1);

        const events: SecurityHubEvent[] = [];
        for (const identifier of identifiers) {
            if (counts.get(key(identifier))! > 1) {
                response.UnprocessedFindings.push({ FindingIdentifier: identifier, ErrorCode: "DuplicatedFindingIdentifier", ErrorMessage: "The request lists this finding identifier more than once" });
                continue;
            }
            const stored = this.findings.get(identifier.Id);
            if (stored === undefined || stored.ProductArn !== identifier.ProductArn) {
                response.UnprocessedFindings.push({ FindingIdentifier: identifier, ErrorCode: "FindingNotFound", ErrorMessage: "Finding not found" });
                continue;
            }
            this.apply(stored, request);
            this.findings.set(identifier.Id, stored);
            const event = this.event(identifier.Id, stored);
            events.push(event);
            this.record(this.updates, {
                id: identifier.Id,
                productArn: identifier.ProductArn,
                ...(request.Workflow ? { status: request.Workflow.Status } : {}),
                ...(request.Note ? { noteText: request.Note.Text } : {}),
                time: this.clock,
                eventId: event.id,
            });
            response.ProcessedFindings.push(identifier);
        }
        for (const event of events) this.onEvent(event);
        return response;
    }

    /** BatchUpdateFindings' changes to one stored finding (UpdatedAt untouched). */
    private apply(stored: Finding, request: BatchUpdateFindingsRequest): void {
        if (request.Workflow) {
            stored.Workflow = { ...(isObject(stored.Workflow) ? stored.Workflow : {}), Status: request.Workflow.Status };
            if ("WorkflowState" in stored) stored.WorkflowState = request.Workflow.Status;
        }
        if (request.Note) stored.Note = { Text: request.Note.Text, UpdatedBy: request.Note.UpdatedBy, UpdatedAt: this.clock };
        const owned = this.customerSet.get(stored.Id) ?? new Set<string>();
        for (const field of CUSTOMER_FIELDS) {
            const value = (request as unknown as Record<string, unknown>)[field];
            if (value === undefined) continue;
            stored[field] = field === "Severity" ? { ...(isObject(stored.Severity) ? stored.Severity : {}), ...copy(value as object) } : copy(value);
            owned.add(field);
        }
        if (owned.size > 0) this.customerSet.set(stored.Id, owned);
    }

    /** The Imported event Security Hub emits for a stored finding, stamped with the stand-in's clock. */
    private event(id: string, stored: Finding): SecurityHubEvent {
        const origin = this.origin.get(id);
        return {
            version: "0",
            id: crypto.randomUUID(),
            "detail-type": EVENT_DETAIL_TYPE,
            source: EVENT_SOURCE,
            account: origin?.account ?? String(stored.AwsAccountId ?? ""),
            time: this.clock,
            region: origin?.region ?? String(stored.Region ?? ""),
            resources: [id],
            detail: { findings: [copy(stored)] },
        };
    }

    /**
     * A provider import: the event Security Hub would emit for `event` given what it stores, per
     * finding of `detail.findings`. The input is not changed. Sets the clock to the event's time
     * when that is an ISO-8601 timestamp.
     */
    importEvent(event: Record<string, any>): SecurityHubEvent {
        if (event?.["detail-type"] === OCSF_EVENT_DETAIL_TYPE) return this.importEventV2(event);
        const findings = event?.detail?.findings;
        if (!Array.isArray(findings) || findings.some(f => !isObject(f) || typeof f.Id !== "string")) {
            throw new Error("importEvent: the event has no detail.findings list of findings with an Id");
        }
        if (typeof event.time === "string" && TIMESTAMP.test(event.time)) this.clock = event.time;
        const output = envelopeCopy(event) as SecurityHubEvent;
        output.detail.findings = findings.map(finding => this.withAutomationRules("ASFF", finding.Id, this.importFinding(finding, event)));
        return output;
    }

    /**
     * Applies the automation rules to a finding just imported. Returns the finding the import's
     * event carries: with "in-import" the rules' result; with "separate-event" the import as it was,
     * and the rules' update follows as an event of its own (handed to onEvent, like an update by
     * BatchUpdateFindings).
     */
    private withAutomationRules(format: "ASFF" | "OCSF", key: string, imported: Record<string, any>): Record<string, any> {
        // The stored finding holds what was just imported: when no rule's criteria match that, none changes it.
        if (format === "ASFF" ? !this.automationRules.asff.some(rule => asffCriteriaMatch(rule.args.criteria, imported)) : this.automationRules.ocsf.length === 0) return imported;
        const stored = format === "ASFF" ? this.findings.get(key) : this.ocsfFindings.get(key);
        if (!stored || !this.applyAutomationRules(format, key, stored)) return imported;
        if (format === "ASFF") this.findings.set(key, stored as Finding);
        if (this.automationTiming === "in-import") return copy(stored);
        const event = format === "ASFF" ? this.event(key, stored) : this.eventV2(key, stored);
        for (const update of this.automationUpdates.filter(u => u.key === key && u.eventId === undefined)) update.eventId = event.id;
        this.onEvent(event);
        return imported;
    }

    /** Runs the rules on a stored finding in RuleOrder (IsTerminal stops them); true when one changed it. */
    private applyAutomationRules(format: "ASFF" | "OCSF", key: string, stored: Record<string, any>): boolean {
        let changed = false;
        if (format === "ASFF") {
            for (const rule of this.automationRules.asff) {
                if (!asffCriteriaMatch(rule.args.criteria, stored)) continue;
                for (const action of rule.args.actions) {
                    const update = action.findingFieldsUpdate;
                    const before = JSON.stringify([stored.Workflow?.Status, stored.Note?.Text]);
                    if (update.workflow) {
                        stored.Workflow = { ...(isObject(stored.Workflow) ? stored.Workflow : {}), Status: update.workflow.status };
                        if ("WorkflowState" in stored) stored.WorkflowState = update.workflow.status;
                    }
                    if (update.note) stored.Note = { Text: update.note.text, UpdatedBy: update.note.updatedBy, UpdatedAt: this.clock };
                    if (JSON.stringify([stored.Workflow?.Status, stored.Note?.Text]) !== before) {
                        changed = true;
                        this.automationUpdates.push({ format, key, suppression: rule.suppression, ruleName: rule.args.ruleName, status: update.workflow?.status, time: this.clock });
                    }
                }
                if (rule.args.isTerminal) break;
            }
        } else {
            for (const rule of this.automationRules.ocsf) {
                if (!ocsfCriteriaMatch(JSON.parse(rule.args.criteria.ocsfFindingCriteriaJson), stored)) continue;
                const update = rule.args.action.findingFieldsUpdate;
                const before = JSON.stringify([stored.status_id, stored.comment]);
                if (update.statusId !== undefined) {
                    stored.status_id = update.statusId;
                    stored.status = ocsfStatusName(update.statusId);
                }
                if (update.comment !== undefined) stored.comment = update.comment;
                if (JSON.stringify([stored.status_id, stored.comment]) !== before) {
                    changed = true;
                    this.automationUpdates.push({ format, key, suppression: rule.suppression, ruleName: rule.args.ruleName, status: ocsfStatusName(stored.status_id), time: this.clock });
                }
            }
        }
        return changed;
    }

    private importFinding(input: Finding, event: Record<string, any>): Finding {
        const id: string = input.Id;
        // As Security Hub receives it: JSON (and faster to copy than structuredClone).
        const text = JSON.stringify(input);
        const result: Finding = JSON.parse(text);
        const stored = this.findings.get(id);
        const inputStatus: string | undefined = input.Workflow?.Status;
        if (typeof event.account === "string" && typeof event.region === "string") this.origin.set(id, this.place(event.account, event.region));

        if (stored === undefined) {
            // Stored as given: its text is the one just written (what set(id, result) would write again).
            this.findings.setText(id, text);
            this.record(this.imports, { id, after: inputStatus, input: inputStatus, reason: "first-import", time: this.clock });
            return result;
        }

        const before: string | undefined = stored.Workflow?.Status;
        let after = before;
        let note = stored.Note ?? input.Note;
        let reason: ImportReason = "kept";
        const reopen = before === "NOTIFIED" || before === "RESOLVED";
        if (inputStatus !== undefined && inputStatus !== "NEW") {
            after = inputStatus;
            note = input.Note ?? stored.Note;
            reason = "set-in-account";
        } else if (reopen && stored.Compliance?.Status === "PASSED" && NOT_PASSED.includes(input.Compliance?.Status)) {
            after = "NEW";
            reason = "reset-compliance";
        } else if (reopen && stored.RecordState === "ARCHIVED" && input.RecordState === "ACTIVE") {
            after = "NEW";
            reason = "reset-record-state";
        } else if (input.Compliance?.Status === "PASSED" && (before === "NEW" || before === "NOTIFIED")) {
            after = "RESOLVED";
            reason = "resolved-compliance-passed";
        } else if (after === undefined) {
            // Nothing stored to keep: the input's status (NEW or none) is the finding's.
            after = inputStatus;
        }

        if (after === undefined) delete result.Workflow;
        else result.Workflow = { ...(isObject(result.Workflow) ? result.Workflow : {}), Status: after };
        if ("WorkflowState" in result && after !== undefined) result.WorkflowState = after;
        // `stored` is this call's own copy (a fresh parse of the stored text, dropped after): its
        // parts go into the result as they are; the input's are copied.
        if (note === undefined) delete result.Note;
        else result.Note = note === stored.Note ? note : copy(note);
        for (const field of this.customerSet.get(id) ?? []) {
            if (stored[field] === undefined) delete result[field];
            else result[field] = stored[field];
        }

        this.findings.set(id, result);
        this.record(this.imports, { id, before, after, input: inputStatus, reason, time: this.clock });
        return result;
    }

    /** A provider import of a Findings Imported V2 event (see the class comment for its rules). */
    private importEventV2(event: Record<string, any>): SecurityHubEvent {
        const findings = event?.detail?.findings;
        if (!Array.isArray(findings) || findings.some(f => ocsfFindingUid(f) === undefined)) {
            throw new Error("importEvent: the Findings Imported V2 event has no detail.findings list of OCSF findings with a finding_info.uid");
        }
        if (typeof event.time === "string" && TIMESTAMP.test(event.time)) this.clock = event.time;
        const output = copy(event) as SecurityHubEvent;
        output.detail.findings = findings.map(finding => this.withAutomationRules("OCSF", ocsfFindingUid(finding)!, this.importOcsfFinding(finding, event)));
        return output;
    }

    private importOcsfFinding(input: OcsfFinding, event: Record<string, any>): OcsfFinding {
        const uid = ocsfFindingUid(input)!;
        const result = copy(input);
        const stored = this.ocsfFindings.get(uid);
        const inputStatus = typeof input.status_id === "number" ? input.status_id : undefined;
        if (typeof event.account === "string" && typeof event.region === "string") this.ocsfOrigin.set(uid, this.place(event.account, event.region));
        const metadataUid = ocsfString(input, OCSF_FINDING_PATHS.metadataUid);
        if (metadataUid !== undefined) this.ocsfByMetadataUid.set(metadataUid, uid);

        if (stored === undefined) {
            this.ocsfFindings.set(uid, copy(result));
            this.record(this.importsV2, { uid, after: inputStatus, input: inputStatus, reason: "first-import", time: this.clock });
            return result;
        }

        const S = OCSF_STATUS_IDS;
        const before: number | undefined = typeof stored.status_id === "number" ? stored.status_id : undefined;
        let after = before;
        let comment: unknown = stored.comment ?? input.comment;
        let reason: ImportReason = "kept";
        const reopenable = before === S["In Progress"] || before === S.Resolved;
        if (inputStatus !== undefined && inputStatus !== S.New) {
            after = inputStatus;
            comment = input.comment ?? stored.comment;
            reason = "set-in-account";
        } else if (reopenable && compliancePassed(stored) && complianceFailing(input)) {
            after = S.New;
            reason = "reset-compliance";
        } else if (before === S.Archived && inputStatus === S.New) {
            after = S.New;
            reason = "reset-record-state";
        } else if (compliancePassed(input) && (before === S.New || before === S["In Progress"])) {
            after = S.Resolved;
            reason = "resolved-compliance-passed";
        } else if (after === undefined) {
            after = inputStatus;
        }

        if (after === undefined) {
            delete result.status_id;
            delete result.status;
        } else {
            result.status_id = after;
            result.status = ocsfStatusName(after) ?? result.status;
        }
        if (comment === undefined) delete result.comment;
        else result.comment = comment;
        if (this.ocsfSeveritySet.has(uid)) {
            result.severity_id = stored.severity_id;
            result.severity = stored.severity;
        }

        this.ocsfFindings.set(uid, copy(result));
        this.record(this.importsV2, { uid, before, after, input: inputStatus, reason, time: this.clock });
        return result;
    }

    async batchUpdateFindingsV2(request: BatchUpdateFindingsV2Request): Promise<BatchUpdateFindingsV2Response> {
        this.callsV2++;
        const fault = this.faultsV2.shift() ?? this.permanentFaultV2;
        if (fault) throw this.error(fault, `injected ${fault}`);
        const problems = this.validateV2(request);
        if (problems.length > 0) throw this.error("ValidationException", problems.join("; "));

        const response: BatchUpdateFindingsV2Response = { ProcessedFindings: [], UnprocessedFindings: [] };
        // Each selector with the stored finding it names (undefined when there is none).
        const selected: Array<{ asked: BatchUpdateFindingsV2ProcessedFinding; key: string; uid?: string }> = request.MetadataUids?.length
            ? request.MetadataUids.map(metadataUid => ({ asked: { MetadataUid: metadataUid }, key: `m|${metadataUid}`, uid: this.ocsfByMetadataUid.get(metadataUid) }))
            : request.FindingIdentifiers!.map(identifier => {
                const asked = { CloudAccountUid: identifier.CloudAccountUid, FindingInfoUid: identifier.FindingInfoUid, MetadataProductUid: identifier.MetadataProductUid };
                const stored = this.ocsfFindings.get(asked.FindingInfoUid);
                const same = stored !== undefined
                    && ocsfString(stored, OCSF_FINDING_PATHS.account) === asked.CloudAccountUid
                    && ocsfString(stored, OCSF_FINDING_PATHS.productUid) === asked.MetadataProductUid;
                return { asked: { FindingIdentifier: asked }, key: `f|${JSON.stringify(asked)}`, uid: same ? asked.FindingInfoUid : undefined };
            });
        const unprocess = this.unprocessFaultsV2.shift();
        if (unprocess) {
            for (const { asked } of selected) response.UnprocessedFindings.push({ ...asked, ErrorCode: unprocess, ErrorMessage: `injected ${unprocess}` });
            return response;
        }
        const counts = new Map<string, number>();
        for (const { key } of selected) counts.set(key, (counts.get(key) ?? 0) + 1);

        const events: SecurityHubEvent[] = [];
        for (const { asked, key, uid } of selected) {
            if (counts.get(key)! > 1) {
                response.UnprocessedFindings.push({ ...asked, ErrorCode: "ValidationException", ErrorMessage: "The request lists this finding more than once" });
                continue;
            }
            const stored = uid === undefined ? undefined : this.ocsfFindings.get(uid);
            if (uid === undefined || stored === undefined) {
                response.UnprocessedFindings.push({ ...asked, ErrorCode: "ResourceNotFoundException", ErrorMessage: "Finding not found" });
                continue;
            }
            if (request.StatusId !== undefined) {
                stored.status_id = request.StatusId;
                stored.status = ocsfStatusName(request.StatusId);
            }
            if (request.SeverityId !== undefined) {
                stored.severity_id = request.SeverityId;
                stored.severity = ocsfSeverityName(request.SeverityId);
                this.ocsfSeveritySet.add(uid);
            }
            if (request.Comment !== undefined) stored.comment = request.Comment;
            const event = this.eventV2(uid, stored);
            events.push(event);
            const metadataUid = ocsfString(stored, OCSF_FINDING_PATHS.metadataUid);
            this.record(this.updatesV2, {
                uid,
                ...(metadataUid !== undefined ? { metadataUid } : {}),
                ...(request.StatusId !== undefined ? { statusId: request.StatusId } : {}),
                ...(request.SeverityId !== undefined ? { severityId: request.SeverityId } : {}),
                ...(request.Comment !== undefined ? { comment: request.Comment } : {}),
                time: this.clock,
                eventId: event.id,
            });
            response.ProcessedFindings.push({ ...this.identifiersOf(stored), ...asked });
        }
        for (const event of events) this.onEvent(event);
        return response;
    }

    /** The identifier and metadata.uid of a stored OCSF finding, those it has. */
    private identifiersOf(stored: OcsfFinding): BatchUpdateFindingsV2ProcessedFinding {
        const account = ocsfString(stored, OCSF_FINDING_PATHS.account);
        const uid = ocsfString(stored, OCSF_FINDING_PATHS.findingUid);
        const product = ocsfString(stored, OCSF_FINDING_PATHS.productUid);
        const metadataUid = ocsfString(stored, OCSF_FINDING_PATHS.metadataUid);
        return {
            ...(account && uid && product ? { FindingIdentifier: { CloudAccountUid: account, FindingInfoUid: uid, MetadataProductUid: product } } : {}),
            ...(metadataUid ? { MetadataUid: metadataUid } : {}),
        };
    }

    /** The Findings Imported V2 event the new Security Hub emits for a stored OCSF finding. */
    private eventV2(uid: string, stored: OcsfFinding): SecurityHubEvent {
        const origin = this.ocsfOrigin.get(uid);
        const metadataUid = ocsfString(stored, OCSF_FINDING_PATHS.metadataUid);
        return {
            version: "0",
            id: crypto.randomUUID(),
            "detail-type": OCSF_EVENT_DETAIL_TYPE,
            source: EVENT_SOURCE,
            account: origin?.account ?? ocsfString(stored, OCSF_FINDING_PATHS.account) ?? "",
            time: this.clock,
            region: origin?.region ?? ocsfString(stored, OCSF_FINDING_PATHS.region) ?? "",
            resources: metadataUid === undefined ? [] : [metadataUid],
            detail: { findings: [copy(stored)] },
        };
    }

    /** The request constraints of BatchUpdateFindingsV2 (API reference; ocsf-v2.md "Updating a finding"). */
    validateV2(request: BatchUpdateFindingsV2Request): string[] {
        const L = SECURITY_HUB_V2_LIMITS;
        if (!isObject(request)) return ["the request must be an object"];
        const problems: string[] = [];
        for (const key of Object.keys(request)) if (!REQUEST_V2_FIELDS.includes(key)) problems.push(`unknown field ${key}`);

        const uids: unknown = request.MetadataUids;
        const identifiers: unknown = request.FindingIdentifiers;
        if (uids !== undefined && !Array.isArray(uids)) problems.push("MetadataUids must be a list of strings");
        if (identifiers !== undefined && !Array.isArray(identifiers)) problems.push("FindingIdentifiers must be a list of identifiers");
        const uidCount = Array.isArray(uids) ? uids.length : 0;
        const identifierCount = Array.isArray(identifiers) ? identifiers.length : 0;
        if (uidCount > 0 && identifierCount > 0) problems.push("MetadataUids and FindingIdentifiers cannot be used together; give one of them");
        else if (uidCount === 0 && identifierCount === 0) problems.push(`give 1 to ${L.metadataUidsPerCall} MetadataUids or 1 to ${L.findingIdentifiersPerCall} FindingIdentifiers`);
        if (uidCount > L.metadataUidsPerCall) problems.push(`MetadataUids holds ${uidCount} items; at most ${L.metadataUidsPerCall}`);
        if (identifierCount > L.findingIdentifiersPerCall) problems.push(`FindingIdentifiers holds ${identifierCount} items; at most ${L.findingIdentifiersPerCall}`);
        (Array.isArray(uids) ? uids : []).forEach((uid: unknown, i) => {
            if (!nonEmpty(uid)) problems.push(`MetadataUids[${i}] must be a string with a non-whitespace character`);
        });
        (Array.isArray(identifiers) ? identifiers : []).forEach((identifier: unknown, i) => {
            const where = `FindingIdentifiers[${i}]`;
            if (!isObject(identifier)) return problems.push(`${where} must be an object with ${OCSF_IDENTIFIER_FIELDS.join(", ")}`);
            for (const key of Object.keys(identifier)) if (!(OCSF_IDENTIFIER_FIELDS as readonly string[]).includes(key)) problems.push(`unknown field ${where}.${key}`);
            for (const field of OCSF_IDENTIFIER_FIELDS) if (!nonEmpty(identifier[field])) problems.push(`${where}.${field} is required, a non-empty string`);
        });

        if (!UPDATE_V2_FIELDS.some(field => (request as unknown as Record<string, unknown>)[field] !== undefined)) {
            problems.push(`at least one of ${UPDATE_V2_FIELDS.join(", ")} must be given`);
        }
        if (request.StatusId !== undefined && !(BATCH_UPDATE_V2_STATUS_IDS as readonly unknown[]).includes(request.StatusId)) {
            problems.push(`StatusId ${JSON.stringify(request.StatusId)} is not one of ${BATCH_UPDATE_V2_STATUS_IDS.join(", ")}`);
        }
        if (request.SeverityId !== undefined && !(BATCH_UPDATE_V2_SEVERITY_IDS as readonly unknown[]).includes(request.SeverityId)) {
            problems.push(`SeverityId ${JSON.stringify(request.SeverityId)} is not one of ${BATCH_UPDATE_V2_SEVERITY_IDS.join(", ")}`);
        }
        const comment: unknown = request.Comment;
        if (comment !== undefined && (!nonEmpty(comment) || length(comment) > L.commentLength)) {
            problems.push(`Comment must be 1-${L.commentLength} characters with a non-whitespace character`);
        }
        return problems;
    }

    private error(name: string, message: string): StatesError {
        return new StatesError(`SecurityHub.${name}`, `${message} (Service: SecurityHub, Error Code: ${name})`);
    }

    /** The request constraints of BatchUpdateFindings (securityhub service model and API reference). */
    validate(request: BatchUpdateFindingsRequest): string[] {
        const problems: string[] = [];
        const L = SECURITY_HUB_LIMITS;
        if (!isObject(request)) return ["the request must be an object"];
        for (const key of Object.keys(request)) if (!REQUEST_FIELDS.includes(key)) problems.push(`unknown field ${key}`);

        const identifiers: unknown = request.FindingIdentifiers;
        if (!Array.isArray(identifiers) || identifiers.length < 1 || identifiers.length > L.findingIdentifiersPerCall) {
            problems.push(`findingIdentifiers must be a list of 1 to ${L.findingIdentifiersPerCall} identifiers`);
        }
        (Array.isArray(identifiers) ? identifiers : []).forEach((identifier: unknown, i) => {
            const where = `findingIdentifiers[${i}]`;
            if (!isObject(identifier)) return problems.push(`${where} must be an object with Id and ProductArn`);
            for (const key of Object.keys(identifier)) if (!IDENTIFIER_FIELDS.includes(key)) problems.push(`unknown field ${where}.${key}`);
            if (!nonEmpty(identifier.Id)) problems.push(`${where}.id must be a non-empty string`);
            if (!nonEmpty(identifier.ProductArn)) problems.push(`${where}.productArn must be a non-empty string`);
        });

        if (!UPDATE_FIELDS.some(field => (request as unknown as Record<string, unknown>)[field] !== undefined)) {
            problems.push(`at least one of ${UPDATE_FIELDS.join(", ")} must be given`);
        }

        const workflow: unknown = request.Workflow;
        if (workflow !== undefined) {
            if (!isObject(workflow)) problems.push("workflow must be an object");
            else {
                for (const key of Object.keys(workflow)) if (key !== "Status") problems.push(`unknown field workflow.${key}`);
                if (!(WORKFLOW_STATUS_VALUES as readonly unknown[]).includes(workflow.Status)) {
                    problems.push(`workflow.status ${JSON.stringify(workflow.Status)} is not one of ${WORKFLOW_STATUS_VALUES.join(", ")}`);
                }
            }
        }

        const note: unknown = request.Note;
        if (note !== undefined) {
            if (!isObject(note)) problems.push("note must be an object with Text and UpdatedBy");
            else {
                for (const key of Object.keys(note)) if (!NOTE_FIELDS.includes(key)) problems.push(`unknown field note.${key}`);
                if (!nonEmpty(note.Text) || length(note.Text) > L.noteTextLength) problems.push(`note.text must be 1-${L.noteTextLength} characters`);
                if (!nonEmpty(note.UpdatedBy) || length(note.UpdatedBy) > L.noteUpdatedByLength) problems.push(`note.updatedBy is required, 1-${L.noteUpdatedByLength} characters`);
            }
        }

        const severity: unknown = request.Severity;
        if (severity !== undefined) {
            if (!isObject(severity)) problems.push("severity must be an object");
            else {
                for (const key of Object.keys(severity)) if (!SEVERITY_FIELDS.includes(key)) problems.push(`unknown field severity.${key}`);
                if (severity.Label !== undefined && !(SEVERITY_LABELS as readonly unknown[]).includes(severity.Label)) {
                    problems.push(`severity.label ${JSON.stringify(severity.Label)} is not one of ${SEVERITY_LABELS.join(", ")}`);
                }
                if (severity.Normalized !== undefined && !ratio(severity.Normalized)) problems.push(`severity.normalized must be a whole number from ${RATIO_SCALE.min} to ${RATIO_SCALE.max}`);
                if (severity.Product !== undefined && (typeof severity.Product !== "number" || !Number.isFinite(severity.Product))) problems.push("severity.product must be a number");
            }
        }
        if (request.VerificationState !== undefined && !VERIFICATION_STATES.includes(request.VerificationState)) {
            problems.push(`verificationState ${JSON.stringify(request.VerificationState)} is not one of ${VERIFICATION_STATES.join(", ")}`);
        }
        for (const field of ["Confidence", "Criticality"] as const) {
            if (request[field] !== undefined && !ratio(request[field])) problems.push(`${field[0].toLowerCase()}${field.slice(1)} must be a whole number from ${RATIO_SCALE.min} to ${RATIO_SCALE.max}`);
        }
        if (request.Types !== undefined && (!Array.isArray(request.Types) || !request.Types.every(nonEmpty))) problems.push("types must be a list of non-empty strings");
        const fields: unknown = request.UserDefinedFields;
        if (fields !== undefined && (!isObject(fields) || !Object.entries(fields).every(([k, v]) => nonEmpty(k) && nonEmpty(v)))) {
            problems.push("userDefinedFields must map non-empty strings to non-empty strings");
        }
        const related: unknown = request.RelatedFindings;
        if (related !== undefined && (!Array.isArray(related) || !related.every(r => isObject(r) && nonEmpty(r.Id) && nonEmpty(r.ProductArn)))) {
            problems.push("relatedFindings must be a list of {Id, ProductArn}");
        }
        return problems;
    }
}
