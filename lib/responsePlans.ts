/**
 * The stack's response plans as the program declares them and the replay stands them in: one plan
 * for every severity (no responsePlans setting, named as before), or one plan per entry of
 * responsePlans, each answering its severities. Pure: names and options only, no resources.
 */
import * as path from "path";
import { SEVERITY_LABELS, SeverityLabel } from "./severity";
import { responsePlanNameFor, Settings } from "./settings";

export interface PlannedResponsePlan {
    /** The plan's key in responsePlans; undefined for the stack's single plan. */
    plan?: string;
    /** Pulumi name of its ResponsePlan component ("response", or "response-<plan>"). */
    componentName: string;
    /** Incident Manager response plan name. */
    responsePlanName: string;
    /** Severities it answers (for the single plan: every severity the rule lets through). */
    severityLabels: SeverityLabel[];
    /** Pulumi name of the RunbookDocument component it runs. */
    runbookComponentName: string;
    runbookPath: string;
    chatChannelTopicArns: string[];
    engagementContactArns: string[];
    notificationTopicArns: string[];
    incidentTitle?: string;
    /** Accounts it answers its severities for; undefined: every account no other plan names. */
    accounts?: string[];
}

export interface ResponsePlanLayout {
    /** The default plan first, then the others by the most severe label each answers. */
    plans: PlannedResponsePlan[];
    /**
     * The plan the workflow falls back to for a severity without a plan of its own (and the
     * stack's `responsePlanArn` output): the single plan, or the one answering the most severe
     * label the rule lets through.
     */
    defaultPlan: PlannedResponsePlan;
    /** One runbook document per distinct runbook file. */
    runbooks: Array<{ componentName: string; path: string }>;
    /** Whether incidents are routed by severity (false: one plan, the workflow gets no map). */
    bySeverity: boolean;
}

const severityRank = (label: SeverityLabel) => SEVERITY_LABELS.indexOf(label);
const mostSevere = (labels: SeverityLabel[]) => Math.max(-1, ...labels.map(severityRank));

/**
 * Runbook documents keep the name "runbook" for the stack's own runbook (as before); another file
 * is named after it (runbook-<file name without .yaml>), made unique when two share a name.
 */
function runbookComponents(settings: Settings, paths: string[]): Map<string, string> {
    const names = new Map<string, string>();
    const used = new Set<string>();
    for (const file of paths) {
        if (names.has(file)) continue;
        let name = file === settings.runbookPath ? "runbook" : `runbook-${path.basename(file).replace(/\.ya?ml$/i, "").replace(/[^A-Za-z0-9_.-]/g, "_")}`;
        for (let n = 2; used.has(name); n++) name = `${name.replace(/-\d+$/, "")}-${n}`;
        used.add(name);
        names.set(file, name);
    }
    return names;
}

/**
 * The plans a stack declares. Throws ConfigurationError when a plan's full name would be one
 * Incident Manager refuses (see responsePlanNameFor).
 */
export function responsePlanLayout(settings: Settings, stack: string): ResponsePlanLayout {
    if (!settings.responsePlans) {
        const plan: PlannedResponsePlan = {
            componentName: "response",
            responsePlanName: responsePlanNameFor(stack),
            severityLabels: [...settings.severityLabels],
            runbookComponentName: "runbook",
            runbookPath: settings.runbookPath,
            chatChannelTopicArns: settings.chatChannelTopicArns,
            engagementContactArns: settings.engagementContactArns,
            notificationTopicArns: settings.notificationTopicArns,
        };
        return { plans: [plan], defaultPlan: plan, runbooks: [{ componentName: "runbook", path: settings.runbookPath }], bySeverity: false };
    }
    const entries = Object.entries(settings.responsePlans)
        // Plans for every account first (the default plan is one of them), then those naming accounts.
        .sort(([a, x], [b, y]) => Number(x.accounts !== undefined) - Number(y.accounts !== undefined)
            || mostSevere(y.severityLabels) - mostSevere(x.severityLabels) || (a < b ? -1 : a > b ? 1 : 0));
    const runbookNames = runbookComponents(settings, entries.map(([, options]) => options.runbookPath));
    const plans = entries.map(([plan, options]): PlannedResponsePlan => ({
        plan,
        componentName: `response-${plan}`,
        responsePlanName: responsePlanNameFor(stack, plan),
        severityLabels: [...options.severityLabels].sort((a, b) => severityRank(b) - severityRank(a)),
        runbookComponentName: runbookNames.get(options.runbookPath)!,
        runbookPath: options.runbookPath,
        chatChannelTopicArns: options.chatChannelTopicArns,
        engagementContactArns: options.engagementContactArns,
        notificationTopicArns: options.notificationTopicArns,
        ...(options.incidentTitle !== undefined ? { incidentTitle: options.incidentTitle } : {}),
        ...(options.accounts !== undefined ? { accounts: [...options.accounts] } : {}),
    }));
    return {
        plans,
        defaultPlan: plans[0],
        runbooks: [...runbookNames].map(([file, componentName]) => ({ componentName, path: file })),
        bySeverity: true,
    };
}

/**
 * The workflow's routing: severity label → the ARN (or whatever `arnOf` gives) of the plan without
 * accounts answering it, and `<account>|<label>` → the plan naming that account for that label. The
 * workflow looks up `<account>|<label>` first, then `<label>` (statemachine/start-incident-arguments.jsonata).
 */
export function responsePlanArnBySeverity<T>(layout: ResponsePlanLayout, arnOf: (plan: PlannedResponsePlan) => T): Partial<Record<SeverityLabel, T>> & Record<string, T | undefined> {
    const map: Partial<Record<SeverityLabel, T>> & Record<string, T | undefined> = {};
    if (!layout.bySeverity) return map;
    for (const plan of layout.plans) {
        for (const label of plan.severityLabels) {
            if (plan.accounts === undefined) map[label] = arnOf(plan);
            else for (const account of plan.accounts) map[`${account}|${label}`] = arnOf(plan);
        }
    }
    return map;
}

/** Which plan a finding of this account and severity starts its incident on (the workflow's lookup, for reports and tests). */
export function planFor(layout: ResponsePlanLayout, account: string | undefined, label: SeverityLabel): PlannedResponsePlan {
    return layout.plans.find(p => p.accounts !== undefined && account !== undefined && p.accounts.includes(account) && p.severityLabels.includes(label))
        ?? layout.plans.find(p => p.accounts === undefined && p.severityLabels.includes(label))
        ?? layout.defaultPlan;
}
