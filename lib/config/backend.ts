/**
 * Where incidents are opened: Incident Manager (the default, the seed's design) or Systems Manager
 * OpsCenter, for accounts that never enabled Incident Manager (closed to new customers since
 * 2025-11-07, shared/reference/aws-facts.md "Availability"). The backend is one seam of the
 * workflow (lib/stateMachineDefinition.ts, INCIDENT_BACKEND_STATES); see docs/opscenter.md.
 */
import { SEVERITY_LABELS, SeverityLabel } from "../severity";
import { OPSCENTER_LIMITS } from "../limits";
import { boolean, CrossCheckProblem, describe, oneOf, parseJson, SettingError, SettingSpec, SNS_TOPIC_ARN } from "./values";

export const INCIDENT_BACKENDS = ["incident-manager", "opscenter"] as const;
export type IncidentBackend = (typeof INCIDENT_BACKENDS)[number];

/** OpsItem Severity ("1"-"4") and Priority (1-5) per finding severity, unless the stack sets its own. */
export const DEFAULT_OPS_ITEM_SEVERITY: Record<SeverityLabel, string> = { CRITICAL: "1", HIGH: "2", MEDIUM: "3", LOW: "4", INFORMATIONAL: "4" };
export const DEFAULT_OPS_ITEM_PRIORITY: Record<SeverityLabel, number> = { CRITICAL: 1, HIGH: 2, MEDIUM: 3, LOW: 4, INFORMATIONAL: 5 };

export interface BackendSettings {
    /** `incident-manager` (default) or `opscenter`. */
    incidentBackend: IncidentBackend;
    /** OpsCenter: OpsItem Severity per finding severity label (merged over the defaults). */
    opsItemSeverities: Record<SeverityLabel, string>;
    /** OpsCenter: OpsItem Priority per finding severity label (merged over the defaults). */
    opsItemPriorities: Record<SeverityLabel, number>;
    /** OpsCenter: SNS topics an OpsItem of each severity notifies when it changes (at most 1 per label here). */
    opsItemNotificationTopicArns?: Partial<Record<SeverityLabel, string>>;
    /**
     * OpsCenter: the workflow starts the runbook for every OpsItem it opens (StartAutomationExecution,
     * the OpsItem's ID as the runbook's `OpsItemId` parameter) instead of only listing it, and, with
     * resolveIncidentsWithFindings, stops it when it resolves the OpsItem. Default: false (listed only).
     */
    opsItemStartRunbook: boolean;
}

/** A JSON map of severity label → value, each checked by `check`, merged over `defaults`. */
function bySeverity<T>(raw: string, what: string, check: (value: unknown) => T | undefined, defaults: Record<SeverityLabel, T>): Record<SeverityLabel, T> {
    const value = parseJson(raw, `a JSON map of severity label to ${what}`);
    if (value === null || typeof value !== "object" || Array.isArray(value)) throw new SettingError(`${describe(value)} is not a map; give a JSON map of severity label (${SEVERITY_LABELS.join(", ")}) to ${what}`);
    const problems: string[] = [];
    const result = { ...defaults };
    for (const [label, v] of Object.entries(value as Record<string, unknown>)) {
        if (!(SEVERITY_LABELS as readonly string[]).includes(label)) { problems.push(`${describe(label)} is not a severity label; use ${SEVERITY_LABELS.join(", ")}`); continue; }
        const checked = check(v);
        if (checked === undefined) problems.push(`${label}: ${describe(v)} is not ${what}`);
        else result[label as SeverityLabel] = checked;
    }
    if (problems.length > 0) throw new SettingError(problems);
    return result;
}

export const BACKEND_SETTINGS: SettingSpec<BackendSettings> = {
    incidentBackend: { parse: r => oneOf(r, INCIDENT_BACKENDS), default: "incident-manager" },
    opsItemSeverities: {
        parse: r => bySeverity(r, `an OpsItem severity (${OPSCENTER_LIMITS.severities.join(", ")})`, v => (typeof v === "string" || typeof v === "number") && (OPSCENTER_LIMITS.severities as readonly string[]).includes(String(v)) ? String(v) : undefined, DEFAULT_OPS_ITEM_SEVERITY),
        default: DEFAULT_OPS_ITEM_SEVERITY,
    },
    opsItemPriorities: {
        parse: r => bySeverity(r, `an OpsItem priority (${OPSCENTER_LIMITS.minPriority}-${OPSCENTER_LIMITS.maxPriority})`, v => Number.isInteger(Number(v)) && Number(v) >= OPSCENTER_LIMITS.minPriority && Number(v) <= OPSCENTER_LIMITS.maxPriority ? Number(v) : undefined, DEFAULT_OPS_ITEM_PRIORITY),
        default: DEFAULT_OPS_ITEM_PRIORITY,
    },
    opsItemNotificationTopicArns: {
        parse: r => {
            const value = parseJson(r, "a JSON map of severity label to an SNS topic ARN");
            if (value === null || typeof value !== "object" || Array.isArray(value)) throw new SettingError(`${describe(value)} is not a map of severity label to an SNS topic ARN`);
            const problems: string[] = [];
            for (const [label, arn] of Object.entries(value as Record<string, unknown>)) {
                if (!(SEVERITY_LABELS as readonly string[]).includes(label)) problems.push(`${describe(label)} is not a severity label; use ${SEVERITY_LABELS.join(", ")}`);
                else if (typeof arn !== "string" || !SNS_TOPIC_ARN.test(arn)) problems.push(`${label}: ${describe(arn)} is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)`);
            }
            if (problems.length > 0) throw new SettingError(problems);
            return value as Partial<Record<SeverityLabel, string>>;
        },
        default: undefined,
    },
    opsItemStartRunbook: { parse: boolean, default: false },
};

/** opsItemStartRunbook belongs to the OpsCenter backend: Incident Manager's response plans start the runbook. */
export function checkBackend(values: Partial<BackendSettings>): CrossCheckProblem[] {
    if (values.opsItemStartRunbook === true && values.incidentBackend !== "opscenter") {
        return [{ key: "opsItemStartRunbook", message: "is for incidentBackend opscenter; with incident-manager the response plan starts the runbook. Remove it or set incidentBackend to opscenter" }];
    }
    return [];
}
