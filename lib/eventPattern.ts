import { Settings } from "./settings";
import { NOTE_OPEN_PREFIX } from "./stateMachineDefinition";

export const EVENT_SOURCE = "aws.securityhub";
export const EVENT_DETAIL_TYPE = "Security Hub Findings - Imported";

/** The subset of settings the EventBridge pattern is built from. */
export type EventFilterSettings = Pick<Settings, "severityLabels" | "recordStates" | "workflowStatuses" | "productNames">;

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
            },
        },
    };
}

/**
 * The lifecycle rule's pattern: a finding that carries this project's open Note (it has an
 * incident) and has been resolved, suppressed or archived. It filters on nothing else: a control
 * that passes drops to INFORMATIONAL, and any product may have opened the incident. Findings
 * without our Note (thousands of PASSED controls re-imported daily) and findings whose Note the
 * workflow already closed never match, so they start no execution. The state machine's Route
 * state applies the same test to tell these events from new findings.
 */
export function buildLifecyclePattern(): Record<string, unknown> {
    return {
        source: [EVENT_SOURCE],
        "detail-type": [EVENT_DETAIL_TYPE],
        detail: {
            findings: {
                Note: { Text: [{ prefix: NOTE_OPEN_PREFIX }] },
                $or: [
                    { Workflow: { Status: ["RESOLVED", "SUPPRESSED"] } },
                    { RecordState: ["ARCHIVED"] },
                ],
            },
        },
    };
}
