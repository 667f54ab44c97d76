/**
 * Response plans per severity: which plan answers which finding severity, and each plan's own
 * engagements, channels and runbook. Without the setting one plan answers every severity.
 */
import { SeverityLabel, SEVERITY_LABELS } from "../severity";
import { INCIDENT_LIMITS, RESPONSE_PLAN_NAME } from "../limits";
import { FILTER_SETTINGS, FilterSettings } from "./filter";
import { RESPONSE_SETTINGS, ResponseSettings, RunbookLanguage } from "./response";
import { CrossCheckProblem, describe, parseJson, SettingError, SettingSpec, stringList } from "./values";

/** One plan's options as written in the stack; everything but severityLabels is optional. */
export interface ResponsePlanOptions {
    /** The finding severities this plan answers. */
    severityLabels: SeverityLabel[];
    engagementContactArns?: string[];
    chatChannelTopicArns?: string[];
    notificationTopicArns?: string[];
    runbookLanguage?: RunbookLanguage;
    runbookFile?: string;
    /** Title of incidents started on this plan without one of their own. */
    incidentTitle?: string;
    /**
     * Account IDs this plan answers (for its severities). Unset: the plan answers its severities
     * for every account no other plan names (routing by account: docs/suppressions.md).
     */
    accounts?: string[];
}

/** A plan's options with the top-level settings filled in where the plan gives none. */
export interface ResolvedResponsePlan extends ResponsePlanOptions {
    engagementContactArns: string[];
    chatChannelTopicArns: string[];
    notificationTopicArns: string[];
    runbookLanguage: RunbookLanguage;
    /** Absolute path of the runbook YAML this plan runs. */
    runbookPath: string;
}

export interface ResponsePlansSettings {
    /** Plan name → options. Unset: the stack's one plan answers every severity. */
    responsePlans?: Record<string, ResponsePlanOptions>;
}

function incidentTitle(raw: string): string {
    const max = INCIDENT_LIMITS.titleLength;
    if (raw.trim().length === 0 || raw.length > max) throw new SettingError(`${describe(raw)} is not an incident title of 1-${max} characters`);
    return raw;
}

/**
 * How each plan option is read: with the parser of the top-level setting of the same name (one
 * source of truth for what a contact ARN or a runbook language is). `text` options must be YAML
 * strings; the others are handed over as JSON, as Pulumi hands over top-level lists.
 */
const PLAN_OPTIONS: { [K in keyof ResponsePlanOptions]-?: { parse: (raw: string) => ResponsePlanOptions[K]; text: boolean } } = {
    severityLabels: { parse: FILTER_SETTINGS.severityLabels.parse, text: false },
    engagementContactArns: { parse: RESPONSE_SETTINGS.engagementContactArns.parse, text: false },
    chatChannelTopicArns: { parse: RESPONSE_SETTINGS.chatChannelTopicArns.parse, text: false },
    notificationTopicArns: { parse: RESPONSE_SETTINGS.notificationTopicArns.parse, text: false },
    runbookLanguage: { parse: RESPONSE_SETTINGS.runbookLanguage.parse, text: true },
    runbookFile: {
        parse: r => {
            if (r.trim().length === 0) throw new SettingError(`${describe(r)} is not a path; give a runbook YAML path relative to the project`);
            return RESPONSE_SETTINGS.runbookFile.parse(r) as string;
        },
        text: true,
    },
    incidentTitle: { parse: incidentTitle, text: true },
    accounts: { parse: r => stringList(r, { pattern: ACCOUNT_ID, what: "12-digit account IDs (quoted strings)", allowEmpty: false }), text: false },
};

const ACCOUNT_ID = /^\d{12}$/;
export const RESPONSE_PLAN_OPTION_KEYS = Object.keys(PLAN_OPTIONS) as Array<keyof ResponsePlanOptions>;

const PLAN_NAME = new RegExp(RESPONSE_PLAN_NAME.pattern);

/** Reads responsePlans: a mapping of plan name → options. Every problem of every plan is reported. */
function responsePlans(raw: string): Record<string, ResponsePlanOptions> {
    const value = parseJson(raw, "a mapping of plan name to its options (severityLabels, …)");
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
        throw new SettingError(`${describe(value)} is not a mapping of plan name to its options, e.g. {"critical": {"severityLabels": ["CRITICAL"]}}`);
    }
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) throw new SettingError("the mapping is empty; give at least one plan, or remove responsePlans to let one plan answer every severity");
    const problems: string[] = [];
    // Plan and option names are the user's data: none may reach Object.prototype (`__proto__`,
    // `constructor`), so the map has no prototype and lookups use Object.hasOwn.
    const plans = Object.create(null) as Record<string, ResponsePlanOptions>;
    for (const [plan, given] of entries) {
        const at = `plan ${describe(plan)}`;
        if (!PLAN_NAME.test(plan)) {
            problems.push(`${at}: the name is not allowed; a plan name is letters, digits, - and _ (it becomes part of the Incident Manager response plan name)`);
            continue;
        }
        if (given === null || typeof given !== "object" || Array.isArray(given)) {
            problems.push(`${at}: ${describe(given)} is not a mapping of options; give at least severityLabels`);
            continue;
        }
        const options: Partial<ResponsePlanOptions> = {};
        for (const [key, optionValue] of Object.entries(given as Record<string, unknown>)) {
            const option = Object.hasOwn(PLAN_OPTIONS, key) ? PLAN_OPTIONS[key as keyof ResponsePlanOptions] : undefined;
            if (!option) {
                problems.push(`${at}: unknown option ${describe(key)}; a plan takes ${RESPONSE_PLAN_OPTION_KEYS.join(", ")}`);
                continue;
            }
            if (option.text && typeof optionValue !== "string") {
                problems.push(`${at}: ${key}: ${describe(optionValue)} is not a string`);
                continue;
            }
            try {
                (options as Record<string, unknown>)[key] = option.parse(typeof optionValue === "string" ? optionValue : JSON.stringify(optionValue));
            } catch (err) {
                if (!(err instanceof SettingError)) throw err;
                for (const message of err.messages) problems.push(`${at}: ${key}: ${message}`);
            }
        }
        if (!Object.hasOwn(given as object, "severityLabels")) problems.push(`${at}: severityLabels is required; list the severities this plan answers (${SEVERITY_LABELS.join(", ")})`);
        plans[plan] = options as ResponsePlanOptions;
    }
    if (problems.length > 0) throw new SettingError(problems);
    return plans;
}

export const RESPONSE_PLANS_SETTINGS: SettingSpec<ResponsePlansSettings> = {
    responsePlans: { parse: responsePlans, default: undefined },
};

/**
 * Every severity the rule lets through has exactly one plan, and no plan waits for a severity the
 * rule never lets through.
 */
export function checkResponsePlans(values: Partial<ResponsePlansSettings & FilterSettings>): CrossCheckProblem[] {
    const plans = values.responsePlans;
    const filter = values.severityLabels;
    if (!plans || !filter) return [];
    const problems: CrossCheckProblem[] = [];
    const key = "responsePlans";
    // Plans naming no accounts answer every account (the filter lets every account through); a
    // plan naming accounts answers its severities for those accounts and takes precedence there.
    const general = Object.keys(plans).filter(plan => plans[plan].accounts === undefined);
    const servedBy = (label: SeverityLabel, among: string[]) => among.filter(plan => (plans[plan].severityLabels ?? []).includes(label));
    for (const label of filter) {
        const serving = servedBy(label, general);
        if (serving.length === 0) {
            const byAccount = servedBy(label, Object.keys(plans));
            problems.push({
                key,
                message: byAccount.length === 0
                    ? `no plan answers ${label}, which severityLabels lets through; add ${label} to the severityLabels of one plan`
                    : `only plans naming accounts (${byAccount.map(p => describe(p)).join(", ")}) answer ${label}, so ${label} findings of every other account have no plan; add ${label} to the severityLabels of a plan without accounts`,
            });
        } else if (serving.length > 1) {
            problems.push({ key, message: `${label} is answered by plans ${serving.map(p => describe(p)).join(" and ")}; each severity belongs to exactly one plan, so remove it from all but one` });
        }
    }
    // Each account and severity a plan names belongs to exactly one plan naming that account.
    const named = new Map<string, string[]>();
    for (const [plan, options] of Object.entries(plans)) {
        for (const account of options.accounts ?? []) {
            for (const label of options.severityLabels ?? []) {
                const at = `${account}|${label}`;
                named.set(at, [...(named.get(at) ?? []), plan]);
            }
        }
    }
    for (const [at, serving] of named) {
        if (serving.length < 2) continue;
        const [account, label] = at.split("|");
        problems.push({ key, message: `account ${account} with ${label} is answered by plans ${serving.map(p => describe(p)).join(" and ")}; each account and severity belongs to exactly one plan, so remove ${label} or the account from all but one` });
    }
    for (const [plan, options] of Object.entries(plans)) {
        for (const label of options.severityLabels ?? []) {
            if (!filter.includes(label)) {
                problems.push({ key, message: `plan ${describe(plan)} answers ${label}, but severityLabels (${filter.join(", ")}) does not let ${label} findings through; add ${label} to severityLabels or remove it from the plan` });
            }
        }
    }
    return problems;
}

/** Which runbook a plan gives itself, if any: its own runbookFile or runbookLanguage replace both top-level ones. */
export function ownRunbook(options: ResponsePlanOptions): { runbookFile?: string; runbookLanguage?: RunbookLanguage } | undefined {
    if (options.runbookFile === undefined && options.runbookLanguage === undefined) return undefined;
    return { runbookFile: options.runbookFile, runbookLanguage: options.runbookLanguage };
}

/** A plan's options with the top-level settings of the same name where the plan gives none. */
export function resolvePlanOptions(options: ResponsePlanOptions, topLevel: ResponseSettings, runbookPath: string): ResolvedResponsePlan {
    const own = ownRunbook(options);
    return {
        severityLabels: [...options.severityLabels],
        engagementContactArns: options.engagementContactArns ?? topLevel.engagementContactArns,
        chatChannelTopicArns: options.chatChannelTopicArns ?? topLevel.chatChannelTopicArns,
        notificationTopicArns: options.notificationTopicArns ?? topLevel.notificationTopicArns,
        runbookLanguage: own ? (own.runbookLanguage ?? topLevel.runbookLanguage) : topLevel.runbookLanguage,
        ...(own ? (own.runbookFile !== undefined ? { runbookFile: own.runbookFile } : {}) : (topLevel.runbookFile !== undefined ? { runbookFile: topLevel.runbookFile } : {})),
        ...(options.incidentTitle !== undefined ? { incidentTitle: options.incidentTitle } : {}),
        ...(options.accounts !== undefined ? { accounts: [...options.accounts] } : {}),
        runbookPath,
    };
}
