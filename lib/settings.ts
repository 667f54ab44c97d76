import * as fs from "fs";
import * as path from "path";
import { DEFAULT_IMPACT_BY_SEVERITY, SEVERITY_LABELS, SeverityLabel, isSeverityLabel } from "./severity";
import { AUTOMATION_LIMITS, AWS_REGION_PATTERN, EVENT_RETRY_LIMITS, INCIDENT_LIMITS, LOG_RETENTION_DAYS, RESPONSE_PLAN_NAME, WORKFLOW_STATUS_VALUES } from "./limits";

/** The Pulumi project name: every setting lives under this config namespace. */
export const PROJECT_NAME = "securityhub-incidents";

export const RECORD_STATES = ["ACTIVE", "ARCHIVED"] as const;
export const WORKFLOW_STATUSES = WORKFLOW_STATUS_VALUES;
export const RUNBOOK_LANGUAGES = ["en", "ja"] as const;
export const LOG_LEVELS = ["ALL", "ERROR", "FATAL", "OFF"] as const;

export type RecordState = (typeof RECORD_STATES)[number];
export type WorkflowStatus = (typeof WORKFLOW_STATUSES)[number];
export type RunbookLanguage = (typeof RUNBOOK_LANGUAGES)[number];
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Everything a stack can configure, validated and with defaults applied. */
export interface Settings {
    severityLabels: SeverityLabel[];
    recordStates: RecordState[];
    workflowStatuses: WorkflowStatus[];
    productNames: string[];
    tableName?: string;
    tableDeletionProtection: boolean;
    tablePointInTimeRecovery: boolean;
    dedupTtlDays: number;
    impactBySeverity: Record<SeverityLabel, number>;
    runbookLanguage: RunbookLanguage;
    /** Absolute path of the runbook YAML the stack deploys (from runbookFile or runbookLanguage). */
    runbookPath: string;
    /** Days each aws:pause step of the runbook waits for Resume before it times out. */
    runbookPauseTimeoutDays: number;
    chatChannelTopicArns: string[];
    engagementContactArns: string[];
    notificationTopicArns: string[];
    createReplicationSet: boolean;
    replicationRegions: string[];
    alarmTopicArn?: string;
    logLevel: LogLevel;
    logIncludeExecutionData: boolean;
    logRetentionDays: number;
    tracingEnabled: boolean;
    eventRetryAttempts: number;
    eventMaxAgeSeconds: number;
    notifyFindings: boolean;
    resolveIncidentsWithFindings: boolean;
    recordRetentionDays: number;
}

/** Reads one raw config value (a plain string, or JSON for lists, maps, numbers and booleans). */
export type RawConfigReader = (key: string) => string | undefined;

/** Raised when one or more settings are invalid; the message lists every problem. */
export class ConfigurationError extends Error {
    constructor(readonly problems: string[]) {
        super(`Invalid configuration for ${PROJECT_NAME}:\n` + problems.map(p => `  - ${p}`).join("\n"));
        this.name = "ConfigurationError";
    }
}

class SettingError extends Error {}

const SNS_TOPIC_ARN = /^arn:aws(-cn|-us-gov)?:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;
const CONTACT_ARN = /^arn:aws(-cn|-us-gov)?:ssm-contacts:[a-z0-9-]+:\d{12}:contact\/[a-z0-9_-]+$/;
const REGION = new RegExp(AWS_REGION_PATTERN);
const TABLE_NAME = /^[a-zA-Z0-9_.-]{3,255}$/;

function describe(value: unknown): string {
    return JSON.stringify(value);
}

function parseJson(raw: string, expected: string): unknown {
    try {
        return JSON.parse(raw);
    } catch {
        throw new SettingError(`${describe(raw)} is not ${expected}`);
    }
}

function stringList(raw: string, opts: { allowed?: readonly string[]; pattern?: RegExp; what: string; allowEmpty: boolean }): string[] {
    const value = parseJson(raw, `a JSON list of ${opts.what}`);
    if (!Array.isArray(value)) {
        throw new SettingError(`${describe(value)} is not a list; give a JSON list of ${opts.what}`);
    }
    if (value.length === 0 && !opts.allowEmpty) {
        throw new SettingError(`the list is empty; give at least one of ${opts.what}`);
    }
    for (const item of value) {
        if (typeof item !== "string" || item.length === 0) {
            throw new SettingError(`${describe(item)} is not a non-empty string; give a JSON list of ${opts.what}`);
        }
        if (opts.allowed && !opts.allowed.includes(item)) {
            throw new SettingError(`${describe(item)} is not allowed; use one or more of ${opts.allowed.join(", ")}`);
        }
        if (opts.pattern && !opts.pattern.test(item)) {
            throw new SettingError(`${describe(item)} is not ${opts.what.replace(/s$/, "")}`);
        }
    }
    if (new Set(value).size !== value.length) {
        throw new SettingError(`${describe(value)} lists a value twice`);
    }
    return value as string[];
}

function boolean(raw: string): boolean {
    if (raw === "true" || raw === "false") return raw === "true";
    throw new SettingError(`${describe(raw)} is not a boolean; use true or false`);
}

function integer(raw: string, min: number, max: number): number {
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
        throw new SettingError(`${describe(raw)} is not a whole number from ${min} to ${max}`);
    }
    return value;
}

function oneOf<T extends string>(raw: string, allowed: readonly T[]): T {
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    throw new SettingError(`${describe(raw)} is not allowed; use one of ${allowed.join(", ")}`);
}

function matching(raw: string, pattern: RegExp, what: string): string {
    if (pattern.test(raw)) return raw;
    throw new SettingError(`${describe(raw)} is not ${what}`);
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

/**
 * Every setting: its parser and its default. The README's configuration table documents the
 * same keys (a test keeps them in step).
 */
const SPEC = {
    severityLabels: { parse: (r: string) => stringList(r, { allowed: SEVERITY_LABELS, what: "severity labels", allowEmpty: false }), default: ["CRITICAL", "HIGH"] },
    recordStates: { parse: (r: string) => stringList(r, { allowed: RECORD_STATES, what: "record states", allowEmpty: false }), default: ["ACTIVE"] },
    workflowStatuses: { parse: (r: string) => stringList(r, { allowed: WORKFLOW_STATUSES, what: "workflow statuses", allowEmpty: false }), default: ["NEW"] },
    productNames: { parse: (r: string) => stringList(r, { what: "product names", allowEmpty: false }), default: ["Security Hub"] },
    tableName: { parse: (r: string) => matching(r, TABLE_NAME, "a DynamoDB table name (3-255 characters of a-z, A-Z, 0-9, _, -, .)"), default: undefined },
    tableDeletionProtection: { parse: boolean, default: false },
    tablePointInTimeRecovery: { parse: boolean, default: false },
    dedupTtlDays: { parse: (r: string) => integer(r, 1, 3650), default: 30 },
    impactBySeverity: { parse: impactMap, default: { ...DEFAULT_IMPACT_BY_SEVERITY } },
    runbookLanguage: { parse: (r: string) => oneOf(r, RUNBOOK_LANGUAGES), default: "en" },
    runbookFile: { parse: (r: string) => r, default: undefined },
    runbookPauseTimeoutDays: { parse: (r: string) => integer(r, 1, AUTOMATION_LIMITS.pauseMaxTimeoutSeconds / 86400), default: AUTOMATION_LIMITS.pauseMaxTimeoutSeconds / 86400 },
    chatChannelTopicArns: { parse: (r: string) => stringList(r, { pattern: SNS_TOPIC_ARN, what: "SNS topic ARNs", allowEmpty: true }), default: [] },
    engagementContactArns: { parse: (r: string) => stringList(r, { pattern: CONTACT_ARN, what: "Incident Manager contact ARNs", allowEmpty: true }), default: [] },
    notificationTopicArns: { parse: (r: string) => stringList(r, { pattern: SNS_TOPIC_ARN, what: "SNS topic ARNs", allowEmpty: true }), default: [] },
    createReplicationSet: { parse: boolean, default: false },
    replicationRegions: { parse: (r: string) => stringList(r, { pattern: REGION, what: "AWS Regions", allowEmpty: true }), default: [] },
    alarmTopicArn: { parse: (r: string) => matching(r, SNS_TOPIC_ARN, "an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)"), default: undefined },
    logLevel: { parse: (r: string) => oneOf(r, LOG_LEVELS), default: "ERROR" },
    logIncludeExecutionData: { parse: boolean, default: false },
    logRetentionDays: {
        parse: (r: string) => {
            const days = Number(r);
            if ((LOG_RETENTION_DAYS as readonly number[]).includes(days)) return days;
            throw new SettingError(`${describe(r)} is not a CloudWatch Logs retention; use one of ${LOG_RETENTION_DAYS.join(", ")}`);
        },
        default: 90,
    },
    tracingEnabled: { parse: boolean, default: false },
    eventRetryAttempts: { parse: (r: string) => integer(r, 0, EVENT_RETRY_LIMITS.maxRetryAttempts), default: EVENT_RETRY_LIMITS.maxRetryAttempts },
    eventMaxAgeSeconds: { parse: (r: string) => integer(r, EVENT_RETRY_LIMITS.minEventAgeSeconds, EVENT_RETRY_LIMITS.maxEventAgeSeconds), default: EVENT_RETRY_LIMITS.maxEventAgeSeconds },
    notifyFindings: { parse: boolean, default: true },
    resolveIncidentsWithFindings: { parse: boolean, default: false },
    recordRetentionDays: { parse: (r: string) => integer(r, 1, 3650), default: 365 },
} as const;

export type SettingKey = keyof typeof SPEC;
export const SETTING_KEYS = Object.keys(SPEC) as SettingKey[];

/** Names of per-stack resources (the response plan) start with this. */
export function stackPrefix(stack: string): string {
    return `${PROJECT_NAME}-${stack}`;
}

/**
 * The stack's response plan name. Pulumi allows stack names Incident Manager does not allow in a
 * plan name (a dot, or a name too long), so a stack whose plan could not be created is refused
 * here, before anything is declared.
 */
export function responsePlanNameFor(stack: string): string {
    const name = stackPrefix(stack);
    const { pattern, maxLength } = RESPONSE_PLAN_NAME;
    if (!new RegExp(pattern).test(name) || name.length > maxLength) {
        throw new ConfigurationError([
            `stack ${JSON.stringify(stack)}: its response plan would be named ${JSON.stringify(name)}, which Incident Manager refuses; ` +
            `a plan name is 1-${maxLength} letters, digits, - or _, so use a stack name of those characters of at most ${maxLength - PROJECT_NAME.length - 1}`,
        ]);
    }
    return name;
}

/** Where the program's config keys come from, so that misspelt and secret keys can be refused. */
export interface ConfigKeys {
    /** Every config key set for the stack, namespaced (e.g. "securityhub-incidents:tableName"). */
    keys: string[];
    /** Whether a key's value was stored as a secret (`secure:` in the stack file). */
    isSecret: (key: string) => boolean;
}

/**
 * Problems with the keys themselves: settings of ours that do not exist (Pulumi passes a misspelt
 * key through silently, so the setting would just be ignored) and settings stored as secrets
 * (none of ours is secret; a secret value would end up in plain resource inputs).
 */
export function configKeyProblems(config: ConfigKeys): string[] {
    const problems: string[] = [];
    const ours = config.keys.filter(k => k.startsWith(`${PROJECT_NAME}:`));
    const unknown = ours.map(k => k.slice(PROJECT_NAME.length + 1)).filter(k => !(SETTING_KEYS as string[]).includes(k));
    if (unknown.length > 0) problems.push(`unknown settings ${unknown.join(", ")}; known: ${SETTING_KEYS.join(", ")}`);
    for (const key of ours.filter(k => config.isSecret(k))) {
        const name = key.slice(PROJECT_NAME.length + 1);
        if (!(SETTING_KEYS as string[]).includes(name)) continue;
        problems.push(`${key}: is stored as a secret, but none of this project's settings is secret; set it in plain text: pulumi config set ${name} <value>`);
    }
    return problems;
}

/** How the runbook file for a language is named under runbooks/. */
export function bundledRunbookPath(projectDir: string, language: RunbookLanguage): string {
    return path.join(projectDir, "runbooks", `securityhub-incident.${language}.yaml`);
}

/**
 * Reads, validates and completes every setting. Throws one ConfigurationError naming each bad
 * key, its value and what is allowed, so `pulumi preview` stops before declaring anything.
 */
export function loadSettings(read: RawConfigReader, projectDir: string, config?: ConfigKeys): Settings {
    const problems: string[] = config ? configKeyProblems(config) : [];
    const values: Record<string, unknown> = {};
    for (const key of SETTING_KEYS) {
        const raw = read(key);
        if (raw === undefined) {
            values[key] = SPEC[key].default;
            continue;
        }
        try {
            values[key] = SPEC[key].parse(raw);
        } catch (err) {
            if (!(err instanceof SettingError)) throw err;
            problems.push(`${PROJECT_NAME}:${key}: ${err.message}`);
        }
    }

    let runbookPath = "";
    if (!problems.some(p => p.startsWith(`${PROJECT_NAME}:runbook`))) {
        runbookPath = values.runbookFile
            ? path.resolve(projectDir, values.runbookFile as string)
            : bundledRunbookPath(projectDir, values.runbookLanguage as RunbookLanguage);
        if (!fs.existsSync(runbookPath)) {
            const key = values.runbookFile ? "runbookFile" : "runbookLanguage";
            problems.push(`${PROJECT_NAME}:${key}: runbook file ${runbookPath} does not exist; give a path (relative to the project) of an SSM Automation YAML document`);
        }
    }
    if (values.notifyFindings === true && (values.workflowStatuses as string[] | undefined)?.includes("NOTIFIED")) {
        problems.push(`${PROJECT_NAME}:workflowStatuses: includes NOTIFIED, but with notifyFindings the workflow marks every finding NOTIFIED itself, so each of its own updates would start it again; remove NOTIFIED or set notifyFindings to false`);
    }
    if (values.notifyFindings === false && values.resolveIncidentsWithFindings === true) {
        problems.push(`${PROJECT_NAME}:resolveIncidentsWithFindings: needs notifyFindings: the workflow learns that a finding was resolved from the Note it writes with NOTIFIED; set notifyFindings to true or resolveIncidentsWithFindings to false`);
    }
    if (values.createReplicationSet === false && (values.replicationRegions as string[]).length > 0) {
        problems.push(`${PROJECT_NAME}:replicationRegions: is set but createReplicationSet is false; set createReplicationSet to true or remove replicationRegions`);
    }
    if (problems.length > 0) throw new ConfigurationError(problems);
    return { ...(values as Omit<Settings, "runbookPath">), runbookPath } as Settings;
}
