/**
 * Settings: one loader for every concern's settings (lib/config/: formats, filter, dedup, response,
 * response plans, lifecycle, storms, observability, retry of failed executions). Each concern declares its keys with their parsers and defaults and
 * its checks across keys; this module reads them all and reports every problem at once.
 */
import * as path from "path";
import { EVENT_PATTERN_LIMITS, partitionOfRegion, RESPONSE_PLAN_NAME } from "./limits";
import { buildEventPattern, buildLifecyclePattern, buildOcsfEventPattern, buildOcsfLifecyclePattern, EventFilterSettings } from "./eventPattern";
import { runbookFileProblem } from "./runbook";
import { CrossCheckProblem, SettingError } from "./config/values";
import { FILTER_SETTINGS, FilterSettings } from "./config/filter";
import { formatWarnings, FORMAT_SETTINGS, FormatSettings } from "./config/formats";
import { DEDUP_SETTINGS, DedupSettings } from "./config/dedup";
import { checkResponse, RESPONSE_SETTINGS, ResponseSettings, RunbookLanguage } from "./config/response";
import { checkLifecycle, LIFECYCLE_SETTINGS, LifecycleSettings } from "./config/lifecycle";
import { OBSERVABILITY_SETTINGS, ObservabilitySettings } from "./config/observability";
import { STORM_SETTINGS, stormSettingsOf, StormSettings } from "./config/storms";
import { loadSuppressions, SUPPRESSION_SETTINGS, SuppressionSettings, SuppressionsFile, SuppressionsFileError } from "./config/suppressions";
import { RETRY_SETTINGS, RetrySettings } from "./config/retry";
import { BACKEND_SETTINGS, BackendSettings, checkBackend } from "./config/backend";
import { checkResponsePlans, ownRunbook, resolvePlanOptions, RESPONSE_PLANS_SETTINGS, ResolvedResponsePlan, ResponsePlansSettings } from "./config/responsePlans";

export { RECORD_STATES, WORKFLOW_STATUSES } from "./config/filter";
export { INCIDENT_BACKENDS } from "./config/backend";
export type { IncidentBackend } from "./config/backend";
export type { RecordState, WorkflowStatus } from "./config/filter";
export { FINDING_FORMATS } from "./config/formats";
export type { FindingFormat } from "./config/formats";
export { RUNBOOK_LANGUAGES } from "./config/response";
export type { RunbookLanguage } from "./config/response";
export { LOG_LEVELS } from "./config/observability";
export type { LogLevel } from "./config/observability";
export { RESPONSE_PLAN_OPTION_KEYS } from "./config/responsePlans";
export type { ResolvedResponsePlan, ResponsePlanOptions } from "./config/responsePlans";

/** The Pulumi project name: every setting lives under this config namespace. */
export const PROJECT_NAME = "securityhub-incidents";

/** Everything a stack can configure, validated and with defaults applied. */
export interface Settings extends FormatSettings, FilterSettings, DedupSettings, ResponseSettings, ResponsePlansSettings, LifecycleSettings, StormSettings, ObservabilitySettings, SuppressionSettings, RetrySettings, BackendSettings {
    /** Absolute path of the runbook YAML the stack deploys (from runbookFile or runbookLanguage). */
    runbookPath: string;
    /** Plans per severity, each with the top-level settings filled in where it gives none. */
    responsePlans?: Record<string, ResolvedResponsePlan>;
    /** The rules of suppressionsFile, read and checked (lib/config/suppressions.ts). */
    suppressions?: SuppressionsFile;
}

/** Reads one raw config value (a plain string, or JSON for lists, maps, numbers and booleans). */
export type RawConfigReader = (key: string) => string | undefined;

/** Raised when one or more settings are invalid; the message has one line per problem, each naming its key. */
export class ConfigurationError extends Error {
    constructor(readonly problems: string[]) {
        super(problems.join("\n"));
        this.name = "ConfigurationError";
    }
}

/**
 * Every setting: its parser and its default, by concern. The README's configuration table
 * documents the same keys (a test keeps them in step).
 */
const SPEC = {
    ...FILTER_SETTINGS,
    ...FORMAT_SETTINGS,
    ...DEDUP_SETTINGS,
    ...RESPONSE_SETTINGS,
    ...RESPONSE_PLANS_SETTINGS,
    ...LIFECYCLE_SETTINGS,
    ...STORM_SETTINGS,
    ...OBSERVABILITY_SETTINGS,
    ...SUPPRESSION_SETTINGS,
    ...RETRY_SETTINGS,
    ...BACKEND_SETTINGS,
};

/** Checks across keys, by concern. */
const CROSS_CHECKS: Array<(values: Partial<Settings>) => CrossCheckProblem[]> = [checkResponse, checkResponsePlans, checkLifecycle, checkBackend];

/** Warnings about settings read together, by concern: nothing is wrong, but something may not be as expected. */
const WARNINGS: Array<(values: Partial<Settings>) => CrossCheckProblem[]> = [v => formatWarnings(v)];

/**
 * What `pulumi preview` should warn about for valid settings (e.g. a filter setting whose OCSF
 * counterpart is not exact), one line each, naming the key. Pure: the program logs them.
 */
export function settingWarnings(settings: Partial<Settings>): string[] {
    return WARNINGS.flatMap(warn => warn(settings)).map(({ key, message }) => `${PROJECT_NAME}:${key}: ${message}`);
}

export type SettingKey = keyof typeof SPEC;
export const SETTING_KEYS = Object.keys(SPEC) as SettingKey[];

/** Names of per-stack resources (the response plan) start with this. */
export function stackPrefix(stack: string): string {
    return `${PROJECT_NAME}-${stack}`;
}

/**
 * The stack's response plan name, or with `plan` (a key of responsePlans) that plan's:
 * `securityhub-incidents-<stack>[-<plan>]`. Pulumi allows stack names Incident Manager does not
 * allow in a plan name (a dot, or a name too long), so a stack or plan whose response plan could
 * not be created is refused here, before anything is declared.
 */
export function responsePlanNameFor(stack: string, plan?: string): string {
    const prefix = stackPrefix(stack);
    const { pattern, maxLength } = RESPONSE_PLAN_NAME;
    const valid = (name: string) => new RegExp(pattern).test(name) && name.length <= maxLength;
    if (!valid(prefix)) {
        throw new ConfigurationError([
            `stack ${JSON.stringify(stack)}: its response plan would be named ${JSON.stringify(prefix)}, which Incident Manager refuses; ` +
            `a plan name is 1-${maxLength} letters, digits, - or _, so use a stack name of those characters of at most ${maxLength - PROJECT_NAME.length - 1}`,
        ]);
    }
    if (plan === undefined) return prefix;
    const name = `${prefix}-${plan}`;
    if (!valid(name)) {
        throw new ConfigurationError([
            `${PROJECT_NAME}:responsePlans: plan ${JSON.stringify(plan)}: its response plan would be named ${JSON.stringify(name)} (${name.length} characters), which Incident Manager refuses; ` +
            `a plan name is 1-${maxLength} letters, digits, - or _, so in stack ${JSON.stringify(stack)} use a plan name of those characters of at most ${Math.max(0, maxLength - prefix.length - 1)}`,
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

/** Settings that hold ARNs, top level and (the first three) per plan of responsePlans. */
const ARN_SETTINGS = ["engagementContactArns", "chatChannelTopicArns", "notificationTopicArns"] as const;

/**
 * ARNs in another partition than the stack's Region (an aws-cn topic in a stack in us-east-1):
 * Incident Manager and CloudWatch refuse them at `pulumi up`. One problem per ARN.
 */
export function partitionProblems(settings: Partial<Settings>, region: string): string[] {
    const partition = partitionOfRegion(region);
    const problems: string[] = [];
    const check = (key: string, arns: readonly string[] | undefined) => {
        for (const arn of arns ?? []) {
            const given = arn.split(":")[1];
            if (given !== partition) problems.push(`${key}: ${JSON.stringify(arn)} is in partition ${given}, but the stack's Region ${region} (aws:region) is in ${partition}; give an ARN of the form arn:${partition}:…`);
        }
    };
    for (const key of ARN_SETTINGS) check(`${PROJECT_NAME}:${key}`, settings[key]);
    if (settings.alarmTopicArn !== undefined) check(`${PROJECT_NAME}:alarmTopicArn`, [settings.alarmTopicArn]);
    for (const [plan, options] of Object.entries(settings.responsePlans ?? {})) {
        for (const key of ARN_SETTINGS) check(`${PROJECT_NAME}:responsePlans: plan ${JSON.stringify(plan)}: ${key}`, options[key]);
    }
    return problems;
}

/**
 * Patterns over EventBridge's size limit, naming the rule, its size and the settings that make
 * it: the findings rules' patterns, and the lifecycle rules' (whose activity branch takes the same
 * severities and product names), grow with settings.
 */
export function eventPatternProblems(settings: Partial<Settings>): string[] {
    if (!settings.severityLabels || !settings.recordStates || !settings.workflowStatuses || !settings.productNames) return [];
    const filter = settings as EventFilterSettings;
    const { maxLength, maxLengthWithQuotaIncrease } = EVENT_PATTERN_LIMITS;
    const rules: Array<[string, Record<string, unknown>]> = [];
    const formats = settings.findingFormats ?? ["ASFF"];
    if (formats.includes("ASFF")) rules.push(["findings rule (ASFF, findings-rule)", buildEventPattern(filter)]);
    if (formats.includes("OCSF")) rules.push(["OCSF findings rule (findings-ocsf-rule)", buildOcsfEventPattern(filter)]);
    if (settings.notifyFindings !== false) {
        if (formats.includes("ASFF")) rules.push(["lifecycle rule (ASFF, findings-lifecycle-rule)", buildLifecyclePattern(filter)]);
        if (formats.includes("OCSF")) rules.push(["OCSF lifecycle rule (findings-ocsf-lifecycle-rule)", buildOcsfLifecyclePattern(filter)]);
    }
    const problems: string[] = [];
    for (const [rule, pattern] of rules) {
        const length = JSON.stringify(pattern).length;
        if (length <= maxLength) continue;
        const names = filter.productNames;
        const productChars = names.reduce((n, name) => n + name.length, 0);
        problems.push(`${PROJECT_NAME}:productNames: the ${rule}'s event pattern would be ${length.toLocaleString("en")} characters; EventBridge takes at most ${maxLength.toLocaleString("en")} (${maxLengthWithQuotaIncrease.toLocaleString("en")} with a quota increase). productNames makes ${productChars.toLocaleString("en")} of them (${names.length} names, the longest ${Math.max(...names.map(n => n.length)).toLocaleString("en")} characters); list fewer or shorter names`);
    }
    return problems;
}

/**
 * Reads, validates and completes every setting. Throws one ConfigurationError naming each bad
 * key, its value and what is allowed, so `pulumi preview` stops before declaring anything.
 * `region` (the stack's aws:region), when known, is the partition every ARN setting must be in.
 */
export function loadSettings(read: RawConfigReader, projectDir: string, config?: ConfigKeys, region?: string): Settings {
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
            for (const message of err.messages) problems.push(`${PROJECT_NAME}:${key}: ${message}`);
        }
    }
    const settings = values as Partial<Settings>;

    let runbookPath = "";
    if (!problems.some(p => p.startsWith(`${PROJECT_NAME}:runbook`))) {
        runbookPath = settings.runbookFile
            ? path.resolve(projectDir, settings.runbookFile)
            : bundledRunbookPath(projectDir, settings.runbookLanguage as RunbookLanguage);
        // Checked with stat before anything reads it (the same check loadRunbook makes).
        const problem = runbookFileProblem(runbookPath);
        if (problem) problems.push(`${PROJECT_NAME}:${settings.runbookFile ? "runbookFile" : "runbookLanguage"}: ${problem}`);
    }
    // Each plan's runbook: its own runbookFile or runbookLanguage, else the stack's.
    let responsePlans: Record<string, ResolvedResponsePlan> | undefined;
    if (settings.responsePlans && runbookPath) {
        // Plan names are the user's: no key may reach Object.prototype (a plan named __proto__).
        responsePlans = Object.create(null) as Record<string, ResolvedResponsePlan>;
        for (const [plan, options] of Object.entries(settings.responsePlans)) {
            const own = ownRunbook(options);
            let planRunbook = runbookPath;
            if (own) {
                planRunbook = own.runbookFile !== undefined
                    ? path.resolve(projectDir, own.runbookFile)
                    : bundledRunbookPath(projectDir, own.runbookLanguage as RunbookLanguage);
                const problem = runbookFileProblem(planRunbook);
                if (problem) problems.push(`${PROJECT_NAME}:responsePlans: plan ${JSON.stringify(plan)}: ${own.runbookFile !== undefined ? "runbookFile" : "runbookLanguage"}: ${problem}`);
            }
            responsePlans[plan] = resolvePlanOptions(options, settings as ResponseSettings, planRunbook);
        }
    }
    // Suppression rules: the file is read and every rule checked before anything is declared.
    let suppressions: SuppressionsFile | undefined;
    if (settings.suppressionsFile !== undefined) {
        try {
            suppressions = loadSuppressions(projectDir, settings.suppressionsFile);
        } catch (err) {
            if (!(err instanceof SuppressionsFileError)) throw err;
            for (const problem of err.problems) problems.push(`${PROJECT_NAME}:suppressionsFile: ${problem}`);
        }
    }
    for (const check of CROSS_CHECKS) {
        for (const { key, message } of check(settings)) problems.push(`${PROJECT_NAME}:${key}: ${message}`);
    }
    // Each plan's own ARNs (what it takes from the top level is checked there).
    if (region !== undefined) problems.push(...partitionProblems(settings, region));
    problems.push(...eventPatternProblems(settings));
    if (problems.length > 0) throw new ConfigurationError(problems);
    return { ...(settings as Omit<Settings, "runbookPath" | "responsePlans">), runbookPath, ...(responsePlans ? { responsePlans } : {}), ...(suppressions ? { suppressions } : {}) };
}

/**
 * The settings the state machine is rendered with, besides its table and plans: the program and
 * the offline replay both take them from here, so they cannot drift apart.
 */
export function workflowSettingsOf<Name = string>(settings: Settings, runbookDocumentName?: Name) {
    return {
        dedupTtlDays: settings.dedupTtlDays,
        impactBySeverity: settings.impactBySeverity,
        notifyFindings: settings.notifyFindings,
        resolveIncidentsWithFindings: settings.resolveIncidentsWithFindings,
        recordRetentionDays: settings.recordRetentionDays,
        openFindingsNotifiedByOthers: settings.openFindingsNotifiedByOthers,
        groupStandardFindings: settings.groupStandardFindings,
        storms: stormSettingsOf(settings),
        findingFormats: settings.findingFormats,
        incidentBackend: settings.incidentBackend,
        // The OpsCenter backend lists the runbook on every OpsItem (the program passes its document's name).
        ...(settings.incidentBackend === "opscenter" ? {
            opsCenter: {
                severityBySeverity: settings.opsItemSeverities,
                priorityBySeverity: settings.opsItemPriorities,
                notificationTopicArnBySeverity: settings.opsItemNotificationTopicArns ?? {},
                runbookDocumentName: runbookDocumentName as Name,
                startRunbook: settings.opsItemStartRunbook,
            },
        } : {}),
    };
}
