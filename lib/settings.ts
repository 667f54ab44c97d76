/**
 * Settings: one loader for every concern's settings (lib/config/: formats, filter, dedup, response,
 * response plans, lifecycle, storms, observability, retry of failed executions). Each concern declares its keys with their parsers and defaults and
 * its checks across keys; this module reads them all and reports every problem at once.
 */
import * as fs from "fs";
import * as path from "path";
import { RESPONSE_PLAN_NAME } from "./limits";
import { CrossCheckProblem, SettingError } from "./config/values";
import { FILTER_SETTINGS, FilterSettings } from "./config/filter";
import { formatWarnings, FORMAT_SETTINGS, FormatSettings } from "./config/formats";
import { DEDUP_SETTINGS, DedupSettings } from "./config/dedup";
import { checkResponse, RESPONSE_SETTINGS, ResponseSettings, RunbookLanguage } from "./config/response";
import { checkLifecycle, LIFECYCLE_SETTINGS, LifecycleSettings } from "./config/lifecycle";
import { OBSERVABILITY_SETTINGS, ObservabilitySettings } from "./config/observability";
import { STORM_SETTINGS, stormSettingsOf, StormSettings } from "./config/storms";
import { RETRY_SETTINGS, RetrySettings } from "./config/retry";
import { checkResponsePlans, ownRunbook, resolvePlanOptions, RESPONSE_PLANS_SETTINGS, ResolvedResponsePlan, ResponsePlansSettings } from "./config/responsePlans";

export { RECORD_STATES, WORKFLOW_STATUSES } from "./config/filter";
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
export interface Settings extends FormatSettings, FilterSettings, DedupSettings, ResponseSettings, ResponsePlansSettings, LifecycleSettings, StormSettings, ObservabilitySettings, RetrySettings {
    /** Absolute path of the runbook YAML the stack deploys (from runbookFile or runbookLanguage). */
    runbookPath: string;
    /** Plans per severity, each with the top-level settings filled in where it gives none. */
    responsePlans?: Record<string, ResolvedResponsePlan>;
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
    ...RETRY_SETTINGS,
};

/** Checks across keys, by concern. */
const CROSS_CHECKS: Array<(values: Partial<Settings>) => CrossCheckProblem[]> = [checkResponse, checkResponsePlans, checkLifecycle];

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
            for (const message of err.messages) problems.push(`${PROJECT_NAME}:${key}: ${message}`);
        }
    }
    const settings = values as Partial<Settings>;

    let runbookPath = "";
    if (!problems.some(p => p.startsWith(`${PROJECT_NAME}:runbook`))) {
        runbookPath = settings.runbookFile
            ? path.resolve(projectDir, settings.runbookFile)
            : bundledRunbookPath(projectDir, settings.runbookLanguage as RunbookLanguage);
        if (!fs.existsSync(runbookPath)) {
            const key = settings.runbookFile ? "runbookFile" : "runbookLanguage";
            problems.push(`${PROJECT_NAME}:${key}: runbook file ${runbookPath} does not exist; give a path (relative to the project) of an SSM Automation YAML document`);
        }
    }
    // Each plan's runbook: its own runbookFile or runbookLanguage, else the stack's.
    let responsePlans: Record<string, ResolvedResponsePlan> | undefined;
    if (settings.responsePlans && runbookPath) {
        responsePlans = {};
        for (const [plan, options] of Object.entries(settings.responsePlans)) {
            const own = ownRunbook(options);
            let planRunbook = runbookPath;
            if (own) {
                planRunbook = own.runbookFile !== undefined
                    ? path.resolve(projectDir, own.runbookFile)
                    : bundledRunbookPath(projectDir, own.runbookLanguage as RunbookLanguage);
                if (!fs.existsSync(planRunbook)) {
                    const key = own.runbookFile !== undefined ? "runbookFile" : "runbookLanguage";
                    problems.push(`${PROJECT_NAME}:responsePlans: plan ${JSON.stringify(plan)}: ${key}: runbook file ${planRunbook} does not exist; give a path (relative to the project) of an SSM Automation YAML document`);
                }
            }
            responsePlans[plan] = resolvePlanOptions(options, settings as ResponseSettings, planRunbook);
        }
    }
    for (const check of CROSS_CHECKS) {
        for (const { key, message } of check(settings)) problems.push(`${PROJECT_NAME}:${key}: ${message}`);
    }
    if (problems.length > 0) throw new ConfigurationError(problems);
    return { ...(settings as Omit<Settings, "runbookPath" | "responsePlans">), runbookPath, ...(responsePlans ? { responsePlans } : {}) };
}

/**
 * The settings the state machine is rendered with, besides its table and plans: the program and
 * the offline replay both take them from here, so they cannot drift apart.
 */
export function workflowSettingsOf(settings: Settings) {
    return {
        dedupTtlDays: settings.dedupTtlDays,
        impactBySeverity: settings.impactBySeverity,
        notifyFindings: settings.notifyFindings,
        resolveIncidentsWithFindings: settings.resolveIncidentsWithFindings,
        recordRetentionDays: settings.recordRetentionDays,
        storms: stormSettingsOf(settings),
        findingFormats: settings.findingFormats,
    };
}
