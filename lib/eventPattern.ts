import { Settings } from "./settings";

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
