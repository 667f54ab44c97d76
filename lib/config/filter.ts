/** Which findings open incidents: the event rule's pattern is built from these. */
import { SEVERITY_LABELS, SeverityLabel } from "../severity";
import { WORKFLOW_STATUS_VALUES } from "../limits";
import { SettingSpec, stringList } from "./values";

export const RECORD_STATES = ["ACTIVE", "ARCHIVED"] as const;
export const WORKFLOW_STATUSES = WORKFLOW_STATUS_VALUES;
export type RecordState = (typeof RECORD_STATES)[number];
export type WorkflowStatus = (typeof WORKFLOW_STATUSES)[number];

export interface FilterSettings {
    severityLabels: SeverityLabel[];
    recordStates: RecordState[];
    workflowStatuses: WorkflowStatus[];
    productNames: string[];
}

export const FILTER_SETTINGS: SettingSpec<FilterSettings> = {
    severityLabels: { parse: r => stringList(r, { allowed: SEVERITY_LABELS, what: "severity labels", allowEmpty: false }) as SeverityLabel[], default: ["CRITICAL", "HIGH"] },
    recordStates: { parse: r => stringList(r, { allowed: RECORD_STATES, what: "record states", allowEmpty: false }) as RecordState[], default: ["ACTIVE"] },
    workflowStatuses: { parse: r => stringList(r, { allowed: WORKFLOW_STATUSES, what: "workflow statuses", allowEmpty: false }) as WorkflowStatus[], default: ["NEW"] },
    productNames: { parse: r => stringList(r, { what: "product names", allowEmpty: false }), default: ["Security Hub"] },
};
