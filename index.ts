import * as pulumi from "@pulumi/pulumi";
import { ConfigurationError, loadSettings, settingWarnings, workflowSettingsOf } from "./lib/settings";
import { productFilterNote } from "./lib/producers";
import { opsCenterRunbookProblems, RunbookError, stackRunbookProblems } from "./lib/runbook";
import { responsePlanArnBySeverity, responsePlanLayout } from "./lib/responsePlans";
import { PLAN_DYNAMIC_PARAMETERS } from "./lib/runbookParameters";
import { DedupTable } from "./components/dedupTable";
import { RunbookDocument } from "./components/runbookDocument";
import { ResponsePlan } from "./components/responsePlan";
import { IncidentStateMachine } from "./components/incidentStateMachine";
import { FindingEventRule } from "./components/findingEventRule";
import { WorkflowAlarms } from "./components/workflowAlarms";
import { SuppressionRules } from "./components/suppressionRules";
import { compileSuppressions } from "./lib/suppressions";
import { FailedExecutionRetry } from "./components/failedExecutionRetry";
import { retryPolicyOf } from "./lib/failedExecutionRetry";

/**
 * Validates every setting (and that no key of ours is misspelt or secret) before declaring
 * anything, so bad config stops `pulumi preview` here. A RunError prints its message alone, without
 * Pulumi's stack trace.
 */
function checked<T>(step: () => T): T {
    try {
        return step();
    } catch (err) {
        if (err instanceof ConfigurationError || err instanceof RunbookError) throw new pulumi.RunError(err.message);
        throw err;
    }
}

const config = new pulumi.Config();
// isConfigSecret is Pulumi's own test for `secure:` values (exported by the runtime, not typed).
const isConfigSecret = (pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean }).isConfigSecret ?? (() => false);
// The Region, when the stack sets it, is the partition every ARN setting must be in.
const region = new pulumi.Config("aws").get("region");
const settings = checked(() => loadSettings(key => config.get(key), __dirname, { keys: Object.keys(pulumi.runtime.allConfig()), isSecret: isConfigSecret }, region));
// One plan for every severity, or one per entry of responsePlans (lib/responsePlans.ts).
const layout = checked(() => responsePlanLayout(settings, pulumi.getStack()));
const pauseTimeoutSeconds = settings.runbookPauseTimeoutDays * 86400;
// Valid settings that may not do what they seem to (e.g. a filter without an exact OCSF counterpart).
for (const warning of settingWarnings(settings)) pulumi.log.warn(warning);
// Which well-known producers the product filter drops (lib/producers.ts), said at every preview
// (`pulumi up` previews first); synth prints the same line itself.
const productNote = productFilterNote(settings.productNames, settings.findingFormats ?? ["ASFF"]);
if (productNote && pulumi.runtime.isDryRun()) pulumi.log.info(productNote);

// Every runbook is validated, and takes exactly what its plans pass it, before anything is declared.
// (lib/runbook.ts stackRunbookProblems: simulate makes the same checks.)
checked(() => {
    const problems = stackRunbookProblems(layout.plans, PLAN_DYNAMIC_PARAMETERS, { pauseTimeoutSeconds });
    // The OpsCenter backend starting the runbook itself (opsItemStartRunbook) passes it the OpsItem's ID.
    if (settings.incidentBackend === "opscenter" && settings.opsItemStartRunbook) problems.push(...opsCenterRunbookProblems(layout.defaultPlan.runbookPath, { pauseTimeoutSeconds }));
    if (problems.length > 0) throw new ConfigurationError(problems);
});
// Suppression rules (suppressionsFile) as native automation rules, per format in use; expiry is
// judged on today's date, and limits the rules break stop the preview here.
const suppressions = compileSuppressions(settings.suppressions, { formats: settings.findingFormats, followIncidents: settings.notifyFindings, now: new Date() });
checked(() => {
    if (suppressions.problems.length > 0) throw new ConfigurationError(suppressions.problems.map(p => `securityhub-incidents:suppressionsFile: ${p}`));
});
for (const warning of suppressions.warnings) pulumi.log.warn(`securityhub-incidents:suppressionsFile: ${warning}`);
// With the OpsCenter backend (incidentBackend) there are no response plans: no plan, no replication
// set, no runbook role; the default runbook is declared alone and listed on every OpsItem.
const opsCenter = settings.incidentBackend === "opscenter";
const runbooks = new Map(layout.runbooks
    .filter(r => !opsCenter || r.componentName === layout.defaultPlan.runbookComponentName)
    .map(r => [r.componentName, new RunbookDocument(r.componentName, { file: r.path, pauseTimeoutSeconds })]));

const dedup = new DedupTable("dedup", {
    tableName: settings.tableName,
    deletionProtection: settings.tableDeletionProtection,
    pointInTimeRecovery: settings.tablePointInTimeRecovery,
});

// An account has one replication set: the default plan creates it (when asked), the others wait for it.
const plans = new Map<string, ResponsePlan>();
for (const planned of opsCenter ? [] : layout.plans) {
    const first = plans.size === 0;
    plans.set(planned.componentName, new ResponsePlan(planned.componentName, {
        responsePlanName: planned.responsePlanName,
        runbookDocumentName: runbooks.get(planned.runbookComponentName)!.name,
        dynamicParameters: PLAN_DYNAMIC_PARAMETERS,
        incidentTitle: planned.incidentTitle,
        chatChannelTopicArns: planned.chatChannelTopicArns,
        engagementContactArns: planned.engagementContactArns,
        notificationTopicArns: planned.notificationTopicArns,
        createReplicationSet: first && settings.createReplicationSet,
        replicationRegions: first ? settings.replicationRegions : undefined,
        replicationSetDependency: first ? undefined : plans.get(layout.defaultPlan.componentName)!.replicationSet,
    }));
}
const plan = plans.get(layout.defaultPlan.componentName);
const arnOf = (planned: { componentName: string }) => plans.get(planned.componentName)!.arn;
const defaultRunbookName = runbooks.get(layout.defaultPlan.runbookComponentName)!.name;

const workflow = new IncidentStateMachine("incidents", {
    tableName: dedup.name,
    tableArn: dedup.arn,
    ...(plan ? { responsePlanArn: plan.arn, responsePlanArnBySeverity: responsePlanArnBySeverity(layout, arnOf) } : {}),
    ...workflowSettingsOf(settings, defaultRunbookName),
    logLevel: settings.logLevel,
    logIncludeExecutionData: settings.logIncludeExecutionData,
    logRetentionDays: settings.logRetentionDays,
    tracingEnabled: settings.tracingEnabled,
});

const rule = new FindingEventRule("findings", {
    filter: settings,
    // One findings rule (and lifecycle rule) per format: ASFF, OCSF or both while migrating.
    formats: settings.findingFormats,
    // Resolution and re-open follow the Note the workflow writes back with NOTIFIED.
    followLifecycle: settings.notifyFindings,
    stateMachineArn: workflow.arn,
    retryAttempts: settings.eventRetryAttempts,
    maxEventAgeSeconds: settings.eventMaxAgeSeconds,
});

if (suppressions.asff.length + suppressions.ocsf.length > 0) new SuppressionRules("suppressions", { asff: suppressions.asff, ocsf: suppressions.ocsf });
// A failed execution is retried without waiting for a re-import; what still fails is listed (docs/failures.md).
const retry = new FailedExecutionRetry("retry", {
    stateMachineArn: workflow.arn,
    policy: retryPolicyOf(settings),
});

new WorkflowAlarms("alarms", {
    stateMachineArn: workflow.arn,
    deadLetterQueueName: rule.deadLetterQueue.name,
    failedFindingsQueueName: retry.failedFindingsQueue.name,
    retryMachineArn: retry.retryMachineArn,
    alarmTopicArn: settings.alarmTopicArn,
});

export const tableName = dedup.name;
export const stateMachineArn = workflow.arn;
/** Where incidents are opened (incidentBackend): incident-manager or opscenter. */
export const incidentBackend = settings.incidentBackend;
// With the OpsCenter backend the stack has no response plans: the plan outputs are absent (undefined) or empty.
const declaredPlans = opsCenter ? [] : layout.plans;
/** The default plan: the only one, or the one answering the most severe label (see responsePlans). */
export const responsePlanArn = plan?.arn;
/** Every response plan: Incident Manager plan name → ARN. */
export const responsePlanArns = pulumi.output(Object.fromEntries(declaredPlans.map(p => [p.responsePlanName, arnOf(p)])));
/** Which plan each severity the rule lets through starts its incidents on: label → plan ARN (plans naming no accounts). */
export const responsePlanArnsBySeverity = pulumi.output(Object.fromEntries(declaredPlans.filter(p => p.accounts === undefined).flatMap(p => p.severityLabels.map(label => [label, arnOf(p)]))));
/** Plans naming accounts (responsePlans `accounts`): account → label → plan ARN; they take precedence for those accounts. */
export const responsePlanArnsByAccount = pulumi.output(declaredPlans.filter(p => p.accounts !== undefined).reduce<Record<string, Record<string, pulumi.Output<string>>>>((map, p) => {
    for (const account of p.accounts!) map[account] = { ...(map[account] ?? {}), ...Object.fromEntries(p.severityLabels.map(label => [label, arnOf(p)])) };
    return map;
}, {}));
export const ruleArn = rule.ruleArn;
export const lifecycleRuleArn = rule.lifecycleRuleArn;
export const ocsfRuleArn = rule.ocsfRuleArn;
export const ocsfLifecycleRuleArn = rule.ocsfLifecycleRuleArn;
export const deadLetterQueueUrl = rule.deadLetterQueueUrl;
/** Findings whose workflow still failed after the last retry (their event and last error), for an operator. */
export const failedFindingsQueueUrl = retry.failedFindingsQueue.url;
/** The retry of failed executions and its rule (absent with 0 attempts); npm run verify checks them. */
export const retryMachineArn = retry.retryMachineArn;
export const failedExecutionRuleArn = retry.rule?.arn;
/** The default plan's runbook document. */
export const runbookDocumentName = defaultRunbookName;
/** Every runbook document: Incident Manager plan name → the document its plan runs. */
export const runbookDocumentNames = pulumi.output(Object.fromEntries(declaredPlans.map(p => [p.responsePlanName, runbooks.get(p.runbookComponentName)!.name])));
