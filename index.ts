import * as pulumi from "@pulumi/pulumi";
import { loadSettings, stackPrefix } from "./lib/settings";
import { DedupTable } from "./components/dedupTable";
import { RunbookDocument } from "./components/runbookDocument";
import { ResponsePlan } from "./components/responsePlan";
import { IncidentStateMachine } from "./components/incidentStateMachine";
import { FindingEventRule } from "./components/findingEventRule";
import { WorkflowAlarms } from "./components/workflowAlarms";

// Validate every setting before declaring anything: bad config stops `pulumi preview` here.
const config = new pulumi.Config();
const settings = loadSettings(key => config.get(key), __dirname);

// The runbook is validated when its component is constructed: declare it first.
const runbook = new RunbookDocument("runbook", { file: settings.runbookPath });

const dedup = new DedupTable("dedup", {
    tableName: settings.tableName,
    deletionProtection: settings.tableDeletionProtection,
    pointInTimeRecovery: settings.tablePointInTimeRecovery,
});

const plan = new ResponsePlan("response", {
    responsePlanName: stackPrefix(pulumi.getStack()),
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
    logLevel: settings.logLevel,
    logIncludeExecutionData: settings.logIncludeExecutionData,
    logRetentionDays: settings.logRetentionDays,
    tracingEnabled: settings.tracingEnabled,
});

const rule = new FindingEventRule("findings", {
    filter: settings,
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
export const deadLetterQueueUrl = rule.deadLetterQueueUrl;
export const runbookDocumentName = runbook.name;
