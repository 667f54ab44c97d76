/** Which findings open incidents: the event rule's pattern is built from these. */
import { SEVERITY_LABELS, SeverityLabel } from "../severity";
import { COMPLIANCE_STATUS_VALUES, WORKFLOW_STATUS_VALUES } from "../limits";
import { SettingSpec, stringList } from "./values";

export const RECORD_STATES = ["ACTIVE", "ARCHIVED"] as const;
export const WORKFLOW_STATUSES = WORKFLOW_STATUS_VALUES;
export type RecordState = (typeof RECORD_STATES)[number];
export type WorkflowStatus = (typeof WORKFLOW_STATUSES)[number];
export const COMPLIANCE_STATUSES = COMPLIANCE_STATUS_VALUES;
export type ComplianceStatus = (typeof COMPLIANCE_STATUSES)[number];
/**
 * Control findings open (and re-open) incidents only when they fail. Security Hub also resets a
 * notified control finding to NEW when its compliance goes from PASSED to WARNING or NOT_AVAILABLE
 * (and NOT_AVAILABLE includes AWS Config's NOT_APPLICABLE results, archived after 3 days;
 * ../shared/reference/aws-facts.md, "Security Hub"), which is not a failing check.
 */
export const DEFAULT_COMPLIANCE_STATUSES: readonly ComplianceStatus[] = ["FAILED"];

export interface FilterSettings {
    severityLabels: SeverityLabel[];
    recordStates: RecordState[];
    workflowStatuses: WorkflowStatus[];
    productNames: string[];
    /** Compliance statuses a control finding (one with Compliance.Status) must have to open an incident; findings without compliance are not filtered. */
    complianceStatuses: ComplianceStatus[];
}

export const FILTER_SETTINGS: SettingSpec<FilterSettings> = {
    severityLabels: { parse: r => stringList(r, { allowed: SEVERITY_LABELS, what: "severity labels", allowEmpty: false }) as SeverityLabel[], default: ["CRITICAL", "HIGH"] },
    recordStates: { parse: r => stringList(r, { allowed: RECORD_STATES, what: "record states", allowEmpty: false }) as RecordState[], default: ["ACTIVE"] },
    workflowStatuses: { parse: r => stringList(r, { allowed: WORKFLOW_STATUSES, what: "workflow statuses", allowEmpty: false }) as WorkflowStatus[], default: ["NEW"] },
    productNames: { parse: r => stringList(r, { what: "product names", allowEmpty: false }), default: ["Security Hub"] },
    complianceStatuses: { parse: r => stringList(r, { allowed: COMPLIANCE_STATUSES, what: "compliance statuses", allowEmpty: false }) as ComplianceStatus[], default: [...DEFAULT_COMPLIANCE_STATUSES] },
};
