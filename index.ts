import * as pulumi from "@pulumi/pulumi";
import { ConfigurationError, loadSettings, responsePlanNameFor, settingWarnings } from "./lib/settings";
import { RunbookError } from "./lib/runbook";
import { DedupTable } from "./components/dedupTable";
import { RunbookDocument } from "./components/runbookDocument";
import { ResponsePlan } from "./components/responsePlan";
import { IncidentStateMachine } from "./components/incidentStateMachine";
import { FindingEventRule } from "./components/findingEventRule";
import { WorkflowAlarms } from "./components/workflowAlarms";

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
const settings = checked(() => loadSettings(key => config.get(key), __dirname, { keys: Object.keys(pulumi.runtime.allConfig()), isSecret: isConfigSecret }));
const responsePlanName = checked(() => responsePlanNameFor(pulumi.getStack()));
// Valid settings that may not do what they seem to (e.g. a filter without an exact OCSF counterpart).
for (const warning of settingWarnings(settings)) pulumi.log.warn(warning);

// The runbook is validated when its component is constructed: declare it first.
const runbook = checked(() => new RunbookDocument("runbook", { file: settings.runbookPath, pauseTimeoutSeconds: settings.runbookPauseTimeoutDays * 86400 }));

const dedup = new DedupTable("dedup", {
    tableName: settings.tableName,
    deletionProtection: settings.tableDeletionProtection,
    pointInTimeRecovery: settings.tablePointInTimeRecovery,
});

const plan = new ResponsePlan("response", {
    responsePlanName,
    runbookDocumentName: runbook.name,
    chatChannelTopicArns: settings.chatChannelTopicArns,
    engagementContactArns: settings.engagementContactArns,
    notificationTopicArns: settings.notificationTopicArns,
    createReplicationSet: settings.createReplicationSet,
    replicationRegions: settings.replicationRegions,
});

const workflow = new IncidentStateMachine("incidents", {
    tableName: dedup.name,
    tableArn: dedup.arn,
    responsePlanArn: plan.arn,
    dedupTtlDays: settings.dedupTtlDays,
    impactBySeverity: settings.impactBySeverity,
    notifyFindings: settings.notifyFindings,
    resolveIncidentsWithFindings: settings.resolveIncidentsWithFindings,
    recordRetentionDays: settings.recordRetentionDays,
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

new WorkflowAlarms("alarms", {
    stateMachineArn: workflow.arn,
    deadLetterQueueName: rule.deadLetterQueue.name,
    alarmTopicArn: settings.alarmTopicArn,
});

export const tableName = dedup.name;
export const stateMachineArn = workflow.arn;
export const responsePlanArn = plan.arn;
export const ruleArn = rule.ruleArn;
export const lifecycleRuleArn = rule.lifecycleRuleArn;
export const ocsfRuleArn = rule.ocsfRuleArn;
export const ocsfLifecycleRuleArn = rule.ocsfLifecycleRuleArn;
export const deadLetterQueueUrl = rule.deadLetterQueueUrl;
export const runbookDocumentName = runbook.name;
