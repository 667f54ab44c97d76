/** How incidents are opened and answered: impact, runbook, response plan and who is engaged. */
import { DEFAULT_IMPACT_BY_SEVERITY, isSeverityLabel, SEVERITY_LABELS, SeverityLabel } from "../severity";
import { AUTOMATION_LIMITS, INCIDENT_LIMITS, RESPONSE_PLAN_LIMITS } from "../limits";
import { boolean, CONTACT_ARN, CrossCheckProblem, describe, integer, oneOf, parseJson, REGION, SettingError, SettingSpec, SNS_TOPIC_ARN, stringList } from "./values";

export const RUNBOOK_LANGUAGES = ["en", "ja"] as const;
export type RunbookLanguage = (typeof RUNBOOK_LANGUAGES)[number];

export interface ResponseSettings {
    impactBySeverity: Record<SeverityLabel, number>;
    runbookLanguage: RunbookLanguage;
    runbookFile?: string;
    /** Days each aws:pause step of the runbook waits for Resume before it times out. */
    runbookPauseTimeoutDays: number;
    chatChannelTopicArns: string[];
    engagementContactArns: string[];
    notificationTopicArns: string[];
    createReplicationSet: boolean;
    replicationRegions: string[];
}

function impactMap(raw: string): Record<SeverityLabel, number> {
    const value = parseJson(raw, "a JSON object of severity label to impact");
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
        throw new SettingError(`${describe(value)} is not an object of severity label to impact (e.g. {"HIGH": 1})`);
    }
    const merged: Record<SeverityLabel, number> = { ...DEFAULT_IMPACT_BY_SEVERITY };
    for (const [label, given] of Object.entries(value)) {
        // `pulumi config set --path 'impactBySeverity.HIGH' 1` may store the number as a string.
        const impact = typeof given === "string" && /^\d+$/.test(given) ? Number(given) : given;
        if (!isSeverityLabel(label)) {
            throw new SettingError(`${describe(label)} is not a severity label; use ${SEVERITY_LABELS.join(", ")}`);
        }
        const { minImpact, maxImpact } = INCIDENT_LIMITS;
        if (!Number.isInteger(impact) || (impact as number) < minImpact || (impact as number) > maxImpact) {
            throw new SettingError(`impact ${describe(impact)} for ${label} is not a whole number from ${minImpact} (critical) to ${maxImpact} (no impact)`);
        }
        merged[label] = impact as number;
    }
    return merged;
}

const MAX_PAUSE_DAYS = AUTOMATION_LIMITS.pauseMaxTimeoutSeconds / 86400;

export const RESPONSE_SETTINGS: SettingSpec<ResponseSettings> = {
    impactBySeverity: { parse: impactMap, default: { ...DEFAULT_IMPACT_BY_SEVERITY } },
    runbookLanguage: { parse: r => oneOf(r, RUNBOOK_LANGUAGES), default: "en" },
    runbookFile: { parse: r => r, default: undefined },
    runbookPauseTimeoutDays: { parse: r => integer(r, 1, MAX_PAUSE_DAYS), default: MAX_PAUSE_DAYS },
    // Limits of CreateResponsePlan and CreateReplicationSet (lib/limits.ts RESPONSE_PLAN_LIMITS).
    chatChannelTopicArns: {
        parse: r => stringList(r, { pattern: SNS_TOPIC_ARN, what: "SNS topic ARNs", allowEmpty: true, max: RESPONSE_PLAN_LIMITS.chatChannelTopicsMax, limitSource: `a response plan's chat channel takes ${RESPONSE_PLAN_LIMITS.chatChannelTopicsMin}-${RESPONSE_PLAN_LIMITS.chatChannelTopicsMax} topics (Incident Manager, ChatChannel chatbotSns)` }),
        default: [],
    },
    engagementContactArns: {
        parse: r => stringList(r, { pattern: CONTACT_ARN, what: "Incident Manager contact ARNs", allowEmpty: true, max: RESPONSE_PLAN_LIMITS.engagements, limitSource: `a response plan engages at most ${RESPONSE_PLAN_LIMITS.engagements} contacts or escalation plans (Incident Manager, CreateResponsePlan engagements)` }),
        default: [],
    },
    notificationTopicArns: {
        parse: r => stringList(r, { pattern: SNS_TOPIC_ARN, what: "SNS topic ARNs", allowEmpty: true, max: RESPONSE_PLAN_LIMITS.notificationTargets, limitSource: `a response plan notifies at most ${RESPONSE_PLAN_LIMITS.notificationTargets} topics (Incident Manager, incidentTemplate notificationTargets)` }),
        default: [],
    },
    createReplicationSet: { parse: boolean, default: false },
    replicationRegions: {
        parse: r => stringList(r, { pattern: REGION, what: "AWS Regions", allowEmpty: true, max: RESPONSE_PLAN_LIMITS.replicationRegionsMax, limitSource: `a replication set has at most ${RESPONSE_PLAN_LIMITS.replicationRegionsMax} Regions (Incident Manager, CreateReplicationSet regions)` }),
        default: [],
    },
};

export function checkResponse(values: Partial<ResponseSettings>): CrossCheckProblem[] {
    if (values.createReplicationSet === false && (values.replicationRegions ?? []).length > 0) {
        return [{ key: "replicationRegions", message: "is set but createReplicationSet is false; set createReplicationSet to true or remove replicationRegions" }];
    }
    return [];
}
