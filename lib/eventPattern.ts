import { Settings } from "./settings";
import { NOTE_CLOSED_PREFIX } from "./stateMachineDefinition";
import { SUPPRESSION_NOTE_AUTHOR } from "./suppressions";
import { COMPLIANCE_STATUS_VALUES, OCSF_ARCHIVED_STATUS_ID, OCSF_COMPLIANCE_STATUS_BY_ASFF, OCSF_EVENT_DETAIL_TYPE, OCSF_STATUS_ID_BY_WORKFLOW_STATUS } from "./limits";
import { DEFAULT_COMPLIANCE_STATUSES, FILTER_SETTINGS } from "./config/filter";
import { DEFAULT_IMPACT_BY_SEVERITY, ocsfSeverityIdsFor, SeverityLabel } from "./severity";

export const EVENT_SOURCE = "aws.securityhub";
/** Security Hub CSPM's ASFF findings. */
export const EVENT_DETAIL_TYPE = "Security Hub Findings - Imported";
/**
 * The new Security Hub's OCSF findings. Both kinds come from `aws.securityhub`, so a rule tells
 * them apart by detail-type (../shared/reference/ocsf-v2.md, "Envelope").
 */
export { OCSF_EVENT_DETAIL_TYPE };

/** The subset of settings the EventBridge pattern is built from. */
export type EventFilterSettings = Pick<Settings, "severityLabels" | "recordStates" | "workflowStatuses" | "productNames"> & Partial<Pick<Settings, "complianceStatuses" | "openFindingsNotifiedByOthers" | "escalateNotifiedControlFindings" | "impactBySeverity">>;

/**
 * The compliance test of the findings rules: a finding with a compliance status (a control
 * finding) must have one of complianceStatuses (default FAILED); a finding without one (GuardDuty,
 * Inspector, Macie …) passes. EventBridge's `exists: false` matches a field the event lacks
 * (EventBridge user guide, "Exists matching"). Nothing when every status is listed.
 */
function complianceTest(filter: EventFilterSettings, format: "ASFF" | "OCSF"): Record<string, unknown> {
    const statuses = filter.complianceStatuses ?? DEFAULT_COMPLIANCE_STATUSES;
    if (format === "ASFF") {
        if (COMPLIANCE_STATUS_VALUES.every(s => statuses.includes(s))) return {};
        return { $or: [{ Compliance: { Status: [...statuses] } }, { Compliance: { Status: [{ exists: false }] } }] };
    }
    const names = statuses.map(s => OCSF_COMPLIANCE_STATUS_BY_ASFF[s]).filter((n): n is NonNullable<typeof n> => n !== undefined);
    if (COMPLIANCE_STATUS_VALUES.every(s => statuses.includes(s))) return {};
    return { $or: [...(names.length > 0 ? [{ compliance: { status: names } }] : []), { compliance: { status: [{ exists: false }] } }] };
}

/**
 * The EventBridge pattern for the findings that should open incidents. Security Hub sends one
 * finding per event (detail.findings[0]); EventBridge matches a list field when any element
 * matches, which is the same thing here.
 */
export function buildEventPattern(filter: EventFilterSettings): Record<string, unknown> {
    return {
        source: [EVENT_SOURCE],
        "detail-type": [EVENT_DETAIL_TYPE],
        detail: {
            findings: {
                Severity: { Label: [...filter.severityLabels] },
                RecordState: [...filter.recordStates],
                Workflow: { Status: [...filter.workflowStatuses] },
                ProductFields: { "aws/securityhub/ProductName": [...filter.productNames] },
                ...complianceTest(filter, "ASFF"),
            },
        },
    };
}

/**
 * A matcher for one number. EventBridge compares plain values in a pattern as JSON text (AWS's
 * event-ruler README, "JSON text matching"), so a pattern value `4` is not certain to match an
 * event's `4.0`; the numeric matcher compares numbers as numbers, and never matches a string "4"
 * (EventBridge user guide, "Numeric matching").
 */
function numberIs(value: number): { numeric: ["=", number] } {
    return { numeric: ["=", value] };
}

const ascending = (ids: Iterable<number>) => [...new Set(ids)].sort((a, b) => a - b);

/**
 * The OCSF `status_id`s that stand for the record-state and workflow-status settings. OCSF has one
 * status where ASFF has two fields (ocsf-v2.md, status row): an active finding carries its workflow
 * status (NEW → 1, NOTIFIED → 2, SUPPRESSED → 3, RESOLVED → 4), an archived one 5 Archived. So
 * ACTIVE selects the workflow statuses' ids (never 5 Archived or 6 Deleted), and ARCHIVED selects
 * 5, whatever the workflow statuses (settingWarnings says so at preview).
 */
export function ocsfStatusIdsFor(filter: Pick<EventFilterSettings, "recordStates" | "workflowStatuses">): number[] {
    const ids: number[] = [];
    if (filter.recordStates.includes("ACTIVE")) ids.push(...filter.workflowStatuses.map(status => OCSF_STATUS_ID_BY_WORKFLOW_STATUS[status]));
    if (filter.recordStates.includes("ARCHIVED")) ids.push(OCSF_ARCHIVED_STATUS_ID);
    return ascending(ids);
}

/** The OCSF `severity_id`s that stand for the severity setting (CRITICAL includes 6 Fatal; lib/severity.ts). */
export function ocsfSeverityIdsForLabels(labels: EventFilterSettings["severityLabels"]): number[] {
    return ascending(labels.flatMap(ocsfSeverityIdsFor));
}

/**
 * The OCSF counterpart of buildEventPattern, for the new Security Hub's "Findings Imported V2"
 * events: severity labels → `severity_id`, record state and workflow status → `status_id`,
 * product names → `metadata.product.name` (OCSF names are lower case; EventBridge
 * matching is case-sensitive). With the default settings it
 * matches status_id 1 (New) only, so the event Security Hub emits for the workflow's own
 * write-back (status_id 2, In Progress) starts nothing.
 */
export function buildOcsfEventPattern(filter: EventFilterSettings): Record<string, unknown> {
    return {
        source: [EVENT_SOURCE],
        "detail-type": [OCSF_EVENT_DETAIL_TYPE],
        detail: {
            findings: {
                severity_id: ocsfSeverityIdsForLabels(filter.severityLabels).map(numberIs),
                status_id: ocsfStatusIdsFor(filter).map(numberIs),
                metadata: { product: { name: [...filter.productNames] } },
                ...complianceTest(filter, "OCSF"),
            },
        },
    };
}

/**
 * The labels whose NOTIFIED control re-imports may raise an open incident's impact
 * (escalateNotifiedControlFindings): an incident opens only for a label of severityLabels, so a copy
 * can raise it only when its label maps to a lower impact number (more severe) than some other label
 * of severityLabels. With the defaults (CRITICAL 1, HIGH 2) that is CRITICAL alone: a HIGH re-import
 * could raise nothing and stays out at the rule. Empty when the setting is off, or when
 * openFindingsNotifiedByOthers lets every NOTIFIED failing control in already.
 */
export function escalationLabels(filter: EventFilterSettings): SeverityLabel[] {
    if (!filter.escalateNotifiedControlFindings || filter.openFindingsNotifiedByOthers) return [];
    const impact = filter.impactBySeverity ?? DEFAULT_IMPACT_BY_SEVERITY;
    const least = Math.max(...filter.severityLabels.map(label => impact[label]));
    return filter.severityLabels.filter(label => impact[label] < least);
}

/** What the lifecycle rules' patterns are built from: the findings filter, for the activity branch. */
export type LifecycleFilterSettings = EventFilterSettings;
/** The default settings' filter (what a stack without filter settings has); read when called, as the modules import each other. */
const defaultFilter = (): LifecycleFilterSettings => ({
    severityLabels: FILTER_SETTINGS.severityLabels.default, recordStates: FILTER_SETTINGS.recordStates.default,
    workflowStatuses: FILTER_SETTINGS.workflowStatuses.default, productNames: FILTER_SETTINGS.productNames.default,
});

/**
 * The lifecycle rule's pattern (ASFF), for findings already NOTIFIED, in these kinds:
 * - closing: a finding carrying a Note that is not this project's closed Note (ours, or one another
 *   tool wrote over it: a Jira sync, a findings manager, Automated Security Response) that was
 *   resolved, suppressed or archived. Which incident it belongs to comes from the dedup record, not
 *   from the Note. A finding without a Note was never notified by this workflow; one with our closed
 *   Note was closed already. The state machine's Route state applies the same test.
 * - activity: an active NOTIFIED finding without compliance (GuardDuty, Inspector, Macie …) of the
 *   filter's severities and products. Such products report recurring activity as an update of the
 *   same finding, which Security Hub leaves NOTIFIED (../shared/reference/aws-facts.md): the workflow
 *   compares its LastObservedAt/UpdatedAt with the record (docs/lifecycle.md, "Recurring activity").
 *   Control findings are left out (they re-open through Security Hub's reset to NEW, and are re-imported
 *   daily), unless openFindingsNotifiedByOthers asks to open findings other tools marked NOTIFIED.
 *   Every provider update of such a finding, and the event of the workflow's own write-back, starts
 *   one execution (4 transitions when nothing is to be done).
 * - escalation (only with escalateNotifiedControlFindings): an active NOTIFIED control finding of
 *   complianceStatuses whose label could raise its open incident's impact (escalationLabels). The
 *   workflow's ReadRecord escalates, or ends as a duplicate in 4 transitions when the record's
 *   Impact is already that high (docs/lifecycle.md, "Escalation").
 */
export function buildLifecyclePattern(filter: LifecycleFilterSettings = defaultFilter()): Record<string, unknown> {
    // Not our closed Note, and not the Note our own suppression rules write (lib/suppressions.ts):
    // those findings never had an incident (a finding with one keeps our Note when suppressed).
    const notClosed = { Text: [{ "anything-but": { prefix: NOTE_CLOSED_PREFIX } }], UpdatedBy: [{ "anything-but": SUPPRESSION_NOTE_AUTHOR }] };
    const escalation = escalationLabels(filter);
    return {
        source: [EVENT_SOURCE],
        "detail-type": [EVENT_DETAIL_TYPE],
        detail: {
            findings: {
                $or: [
                    { Note: notClosed, Workflow: { Status: ["RESOLVED", "SUPPRESSED"] } },
                    { Note: notClosed, RecordState: ["ARCHIVED"] },
                    {
                        Workflow: { Status: ["NOTIFIED"] },
                        RecordState: ["ACTIVE"],
                        Severity: { Label: [...filter.severityLabels] },
                        ProductFields: { "aws/securityhub/ProductName": [...filter.productNames] },
                        Compliance: { Status: filter.openFindingsNotifiedByOthers ? [...(filter.complianceStatuses ?? DEFAULT_COMPLIANCE_STATUSES), { exists: false }] : [{ exists: false }] },
                    },
                    ...(escalation.length > 0 ? [{
                        Workflow: { Status: ["NOTIFIED"] },
                        RecordState: ["ACTIVE"],
                        Severity: { Label: escalation },
                        ProductFields: { "aws/securityhub/ProductName": [...filter.productNames] },
                        Compliance: { Status: [...(filter.complianceStatuses ?? DEFAULT_COMPLIANCE_STATUSES)] },
                    }] : []),
                ],
            },
        },
    };
}

/**
 * The OCSF counterpart of buildLifecyclePattern: the finding's `comment` (where
 * BatchUpdateFindingsV2 writes what ASFF keeps in Note.Text) is not our closed one and its
 * `status_id` is 4 Resolved, 3 Suppressed or 5 Archived; or it is 2 In Progress (NOTIFIED), without
 * compliance (or with the filter's, see above), of the filter's severities and products; or (with
 * escalateNotifiedControlFindings) In Progress with compliance of escalationLabels' severity_ids.
 * 6 Deleted is not followed: ASFF has no such state and the workflow has no kind for it.
 */
export function buildOcsfLifecyclePattern(filter: LifecycleFilterSettings = defaultFilter()): Record<string, unknown> {
    const statuses = (filter.complianceStatuses ?? DEFAULT_COMPLIANCE_STATUSES).map(s => OCSF_COMPLIANCE_STATUS_BY_ASFF[s]).filter(n => n !== undefined);
    const escalation = escalationLabels(filter);
    return {
        source: [EVENT_SOURCE],
        "detail-type": [OCSF_EVENT_DETAIL_TYPE],
        detail: {
            findings: {
                $or: [
                    {
                        comment: [{ "anything-but": { prefix: NOTE_CLOSED_PREFIX } }],
                        status_id: ascending([
                            OCSF_STATUS_ID_BY_WORKFLOW_STATUS.RESOLVED,
                            OCSF_STATUS_ID_BY_WORKFLOW_STATUS.SUPPRESSED,
                            OCSF_ARCHIVED_STATUS_ID,
                        ]).map(numberIs),
                    },
                    {
                        status_id: [numberIs(OCSF_STATUS_ID_BY_WORKFLOW_STATUS.NOTIFIED)],
                        severity_id: ocsfSeverityIdsForLabels(filter.severityLabels).map(numberIs),
                        metadata: { product: { name: [...filter.productNames] } },
                        compliance: { status: filter.openFindingsNotifiedByOthers ? [...statuses, { exists: false }] : [{ exists: false }] },
                    },
                    ...(escalation.length > 0 && statuses.length > 0 ? [{
                        status_id: [numberIs(OCSF_STATUS_ID_BY_WORKFLOW_STATUS.NOTIFIED)],
                        severity_id: ocsfSeverityIdsForLabels(escalation).map(numberIs),
                        metadata: { product: { name: [...filter.productNames] } },
                        compliance: { status: statuses },
                    }] : []),
                ],
            },
        },
    };
}
