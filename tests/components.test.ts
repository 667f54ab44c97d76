import { expect } from "chai";
import * as yaml from "js-yaml";
import * as path from "path";
import { declared, resource, childrenOf, json, valueOf } from "./support/mocks";
import { DedupTable } from "../components/dedupTable";
import { RunbookDocument } from "../components/runbookDocument";
import { ResponsePlan } from "../components/responsePlan";
import { IncidentStateMachine } from "../components/incidentStateMachine";
import { FindingEventRule } from "../components/findingEventRule";
import { WorkflowAlarms } from "../components/workflowAlarms";
import { DEFAULT_IMPACT_BY_SEVERITY } from "../lib/severity";
import { buildEventPattern, buildLifecyclePattern, buildOcsfEventPattern, buildOcsfLifecyclePattern } from "../lib/eventPattern";
import { renderStateMachineDefinition, requiredTaskPermissions } from "../lib/stateMachineDefinition";
import { RunbookError } from "../lib/runbook";
import { PLAN_DYNAMIC_PARAMETERS } from "../lib/runbookParameters";
import { PROJECT_DIR } from "../offline/stackConfig";

const types = (resources: Array<{ type: string }>) => resources.map(r => r.type).sort();

describe("DedupTable", () => {
    it("is an on-demand, encrypted table keyed by FindingId with TTL on ExpiresAt", async () => {
        const table = new DedupTable("t1");
        await valueOf(table.arn);
        expect(types(await childrenOf("t1"))).to.deep.equal(["aws:dynamodb/table:Table"]);
        const { inputs } = await resource("t1-table");
        expect(inputs.name).to.equal(undefined);
        expect(inputs.billingMode).to.equal("PAY_PER_REQUEST");
        expect(inputs.hashKey).to.equal("FindingId");
        expect(inputs.attributes).to.deep.equal([{ name: "FindingId", type: "S" }]);
        expect(inputs.ttl).to.deep.equal({ attributeName: "ExpiresAt", enabled: true });
        expect(inputs.serverSideEncryption).to.deep.equal({ enabled: true });
        expect(inputs.pointInTimeRecovery).to.deep.equal({ enabled: false });
        expect(inputs.deletionProtectionEnabled).to.equal(false);
    });

    it("takes a name, deletion protection and point-in-time recovery", async () => {
        const table = new DedupTable("t2", { tableName: "prod-findings", deletionProtection: true, pointInTimeRecovery: true });
        expect(await valueOf(table.name)).to.equal("prod-findings");
        const { inputs } = await resource("t2-table");
        expect(inputs.deletionProtectionEnabled).to.equal(true);
        expect(inputs.pointInTimeRecovery).to.deep.equal({ enabled: true });
    });
});

describe("RunbookDocument", () => {
    it("deploys the validated YAML as an Automation document", async () => {
        const file = path.join(PROJECT_DIR, "runbooks", "securityhub-incident.ja.yaml");
        const doc = new RunbookDocument("r1", { file });
        await valueOf(doc.arn);
        const { inputs } = await resource("r1-document");
        expect(inputs.documentType).to.equal("Automation");
        expect(inputs.documentFormat).to.equal("YAML");
        expect(inputs.content).to.equal(doc.runbook.content);
        expect(inputs.content).to.include("インシデント");
    });

    it("gives every pause step the configured timeout and deploys that", async () => {
        const file = path.join(PROJECT_DIR, "runbooks", "securityhub-incident.en.yaml");
        const doc = new RunbookDocument("r3", { file, pauseTimeoutSeconds: 30 * 86400 });
        await valueOf(doc.arn);
        const deployed = yaml.load((await resource("r3-document")).inputs.content) as { mainSteps: Array<{ action: string; timeoutSeconds?: number }> };
        expect(deployed.mainSteps.map(s => [s.action, s.timeoutSeconds])).to.deep.equal(Array(4).fill(["aws:pause", 2592000]));
        expect(() => new RunbookDocument("r4", { file, pauseTimeoutSeconds: 31 * 86400 })).to.throw(/pauseTimeoutSeconds 2678400 is not a whole number from 1 to 2592000/);
    });

    it("declares nothing when the runbook is broken", async () => {
        const before = declared.length;
        const file = path.join(__dirname, "fixtures", "runbooks", "misspelt-action.yaml");
        expect(() => new RunbookDocument("r2", { file })).to.throw(RunbookError, /^runbook \S*misspelt-action\.yaml: step "Investigation"/);
        await new Promise(r => setTimeout(r, 20));
        expect(declared.slice(before).filter(r => r.name.startsWith("r2-"))).to.deep.equal([]);
    });
});

describe("ResponsePlan", () => {
    it("runs the runbook through a role only this plan's incidents can assume", async () => {
        const plan = new ResponsePlan("p1", { responsePlanName: "plan-one", runbookDocumentName: "runbook-doc" });
        await valueOf(plan.arn);
        expect(types(await childrenOf("p1"))).to.deep.equal(["aws:iam/role:Role", "aws:iam/rolePolicy:RolePolicy", "aws:ssmincidents/responsePlan:ResponsePlan"]);
        const planInputs = (await resource("p1-plan")).inputs;
        expect(planInputs.name).to.equal("plan-one");
        expect(planInputs.incidentTemplate).to.deep.include({ title: "Security Hub finding", impact: 3 });
        expect(planInputs.incidentTemplate.dedupeString).to.equal(undefined);
        expect(planInputs.action.ssmAutomations).to.have.length(1);
        // An unset version reaches AWS as an empty string: the plan names the default version.
        expect(planInputs.action.ssmAutomations[0]).to.deep.include({ documentName: "runbook-doc", documentVersion: "$DEFAULT", targetAccount: "RESPONSE_PLAN_OWNER_ACCOUNT" });
        expect(planInputs.action.ssmAutomations[0].roleArn).to.match(/^arn:aws:iam::111122223333:role\/p1-runbook-role/);

        const trust = json((await resource("p1-runbook-role")).inputs.assumeRolePolicy);
        expect(trust.Statement).to.deep.equal([{
            Effect: "Allow",
            Principal: { Service: "ssm-incidents.amazonaws.com" },
            Action: "sts:AssumeRole",
            Condition: {
                StringEquals: { "aws:SourceAccount": "111122223333" },
                ArnLike: { "aws:SourceArn": "arn:aws:ssm-incidents::111122223333:incident-record/plan-one/*" },
            },
        }]);
        const policy = json((await resource("p1-runbook-policy")).inputs.policy);
        expect(policy.Statement).to.deep.equal([{
            Sid: "StartTheRunbook",
            Effect: "Allow",
            Action: ["ssm:StartAutomationExecution"],
            // Both readings of AWS's docs, each scoped to this document (see runbookRolePolicy).
            Resource: [
                "arn:aws:ssm:*:111122223333:automation-definition/runbook-doc:*",
                "arn:aws:ssm:*:111122223333:document/runbook-doc",
                "arn:aws:ssm:*:111122223333:automation-execution/*",
            ],
        }]);
    });

    it("wires chat channels, engagements, notifications and an optional replication set", async () => {
        const plan = new ResponsePlan("p2", {
            responsePlanName: "plan-two",
            runbookDocumentName: "doc",
            chatChannelTopicArns: ["arn:aws:sns:ap-northeast-1:111122223333:chat"],
            engagementContactArns: ["arn:aws:ssm-contacts:ap-northeast-1:111122223333:contact/oncall"],
            notificationTopicArns: ["arn:aws:sns:ap-northeast-1:111122223333:updates"],
            createReplicationSet: true,
        });
        await valueOf(plan.arn);
        const inputs = (await resource("p2-plan")).inputs;
        expect(inputs.chatChannels).to.deep.equal(["arn:aws:sns:ap-northeast-1:111122223333:chat"]);
        expect(inputs.engagements).to.deep.equal(["arn:aws:ssm-contacts:ap-northeast-1:111122223333:contact/oncall"]);
        expect(inputs.incidentTemplate.notificationTargets).to.deep.equal([{ snsTopicArn: "arn:aws:sns:ap-northeast-1:111122223333:updates" }]);
        expect((await resource("p2-replication-set")).inputs.regions).to.deep.equal([{ name: "ap-northeast-1" }]);
    });

    it("replicates to the Regions it is given", async () => {
        const plan = new ResponsePlan("p5", { responsePlanName: "plan-five", runbookDocumentName: "doc", createReplicationSet: true, replicationRegions: ["ap-northeast-1", "ap-northeast-3"] });
        await valueOf(plan.arn);
        expect((await resource("p5-replication-set")).inputs.regions).to.deep.equal([{ name: "ap-northeast-1" }, { name: "ap-northeast-3" }]);
    });

    it("creates no replication set unless asked", async () => {
        const plan = new ResponsePlan("p3", { responsePlanName: "plan-three", runbookDocumentName: "doc" });
        await valueOf(plan.arn);
        expect((await childrenOf("p3")).map(r => r.type)).not.to.include("aws:ssmincidents/replicationSet:ReplicationSet");
    });

    it("passes its runbook the incident and its resources as dynamic parameters, and a title of its own", async () => {
        const plan = new ResponsePlan("p6", { responsePlanName: "plan-six", runbookDocumentName: "doc", dynamicParameters: PLAN_DYNAMIC_PARAMETERS, incidentTitle: "Critical Security Hub finding" });
        await valueOf(plan.arn);
        const inputs = (await resource("p6-plan")).inputs;
        expect(inputs.action.ssmAutomations[0].dynamicParameters).to.deep.equal({ INCIDENT_RECORD_ARN: "INCIDENT_RECORD_ARN", INVOLVED_RESOURCES: "INVOLVED_RESOURCES" });
        expect(inputs.incidentTemplate.title).to.equal("Critical Security Hub finding");
        // Without them, the automation is as before.
        expect((await resource("p1-plan")).inputs.action.ssmAutomations[0]).not.to.have.property("dynamicParameters");
    });

    it("refuses a plan name Incident Manager would refuse", () => {
        expect(() => new ResponsePlan("p4", { responsePlanName: "bad name!", runbookDocumentName: "doc" })).to.throw(/responsePlanName "bad name!" must be 1-200 letters, digits, - or _/);
    });

    it("refuses more engagements, chat topics, notification topics or replication Regions than Incident Manager takes", () => {
        const contacts = Array.from({ length: 6 }, (_, i) => `arn:aws:ssm-contacts:us-east-1:111122223333:contact/c${i}`);
        expect(() => new ResponsePlan("p5", { responsePlanName: "p5", runbookDocumentName: "doc", engagementContactArns: contacts })).to.throw("ResponsePlan p5: engagementContactArns has 6 entries; Incident Manager takes at most 5");
        expect(() => new ResponsePlan("p6", { responsePlanName: "p6", runbookDocumentName: "doc", replicationRegions: ["us-east-1", "us-west-2", "eu-west-1", "ap-northeast-1"] })).to.throw("ResponsePlan p6: replicationRegions has 4 entries; Incident Manager takes at most 3");
    });
});

describe("IncidentStateMachine", () => {
    const args = {
        tableName: "dedup-table",
        tableArn: "arn:aws:dynamodb:ap-northeast-1:111122223333:table/dedup-table",
        responsePlanArn: "arn:aws:ssm-incidents::111122223333:response-plan/plan",
        dedupTtlDays: 30,
        impactBySeverity: { ...DEFAULT_IMPACT_BY_SEVERITY },
    };

    it("deploys the rendered definition with a role limited to the actions its tasks call", async () => {
        const machine = new IncidentStateMachine("m1", args);
        await valueOf(machine.arn);
        expect(types(await childrenOf("m1"))).to.deep.equal([
            "aws:cloudwatch/logGroup:LogGroup", "aws:iam/role:Role", "aws:iam/rolePolicy:RolePolicy", "aws:iam/rolePolicy:RolePolicy", "aws:sfn/stateMachine:StateMachine",
        ]);
        const sfn = (await resource("m1-workflow")).inputs;
        const definition = json(sfn.definition);
        expect(definition).to.deep.equal(renderStateMachineDefinition(args));
        expect(sfn.type).to.equal("STANDARD");
        expect(sfn.loggingConfiguration).to.deep.equal({
            level: "ERROR", includeExecutionData: false, logDestination: "arn:aws:logs:ap-northeast-1:111122223333:log-group:/aws/vendedlogs/states/m1-0001:*",
        });
        expect(sfn.tracingConfiguration).to.deep.equal({ enabled: false });

        const trust = json((await resource("m1-role")).inputs.assumeRolePolicy);
        expect(trust.Statement[0].Principal).to.deep.equal({ Service: "states.amazonaws.com" });
        const tasks = json((await resource("m1-tasks")).inputs.policy);
        const derived = requiredTaskPermissions(definition);
        // Each action on the narrowest resources the Service Authorization Reference allows.
        expect(tasks.Statement).to.deep.equal([
            { Sid: "DedupTable", Effect: "Allow", Action: derived.dedupTable, Resource: [args.tableArn] },
            { Sid: "StartIncident", Effect: "Allow", Action: derived.responsePlan, Resource: [args.responsePlanArn] },
            {
                Sid: "FollowIncidents", Effect: "Allow", Action: derived.incidentRecords,
                Resource: [args.responsePlanArn, "arn:aws:ssm-incidents::111122223333:incident-record/plan/*"],
            },
            { Sid: "WriteBackToFindings", Effect: "Allow", Action: derived.securityHub, Resource: ["arn:aws:securityhub:ap-northeast-1:111122223333:hub/default"] },
        ]);
        expect(derived).to.deep.equal({
            dedupTable: ["dynamodb:GetItem", "dynamodb:UpdateItem"],
            responsePlan: ["ssm-incidents:StartIncident"],
            incidentRecords: ["ssm-incidents:CreateTimelineEvent", "ssm-incidents:GetIncidentRecord", "ssm-incidents:UpdateIncidentRecord", "ssm-incidents:UpdateRelatedItems"],
            securityHub: ["securityhub:BatchUpdateFindings"],
            securityHubV2: [],
            anyResource: [],
            opsItems: [],
            automationExecutions: [],
            runbookDocument: [],
        });
        const actions = tasks.Statement.flatMap((s: any) => s.Action);
        expect(actions.some((a: string) => a.includes("*"))).to.equal(false);
        expect((await resource("m1-logs")).inputs.retentionInDays).to.equal(90);
    });

    it("grants UpdateIncidentRecord only with resolveIncidentsWithFindings, and no write-back action without notifyFindings", async () => {
        const resolving = new IncidentStateMachine("m4", { ...args, resolveIncidentsWithFindings: true });
        await valueOf(resolving.arn);
        const statement = async (name: string, sid: string) => json((await resource(name)).inputs.policy).Statement.find((s: any) => s.Sid === sid);
        expect((await statement("m4-tasks", "FollowIncidents")).Action).to.deep.equal(["ssm-incidents:CreateTimelineEvent", "ssm-incidents:GetIncidentRecord", "ssm-incidents:UpdateIncidentRecord", "ssm-incidents:UpdateRelatedItems"]);
        // Resolving an incident stops its plan's runbook (StopRunbook), in the stack's account and Region.
        expect(await statement("m4-tasks", "StopRunbooks")).to.deep.equal({
            Sid: "StopRunbooks", Effect: "Allow", Action: ["ssm:StopAutomationExecution"], Resource: ["arn:aws:ssm:ap-northeast-1:111122223333:automation-execution/*"],
        });
        const plain = new IncidentStateMachine("m5", { ...args, notifyFindings: false });
        await valueOf(plain.arn);
        // Without the write-back: no Security Hub action, and of Incident Manager only what storm roll-ups
        // and problem groups need (GetIncidentRecord: is a problem group's incident still open).
        const statements = json((await resource("m5-tasks")).inputs.policy).Statement;
        expect(statements.map((s: any) => s.Sid)).to.deep.equal(["DedupTable", "StartIncident", "FollowIncidents"]);
        expect(statements[2].Action).to.deep.equal(["ssm-incidents:CreateTimelineEvent", "ssm-incidents:GetIncidentRecord", "ssm-incidents:UpdateRelatedItems"]);
    });

    it("turns logging off without a log group, and X-Ray on with its permissions", async () => {
        const machine = new IncidentStateMachine("m2", { ...args, logLevel: "OFF", tracingEnabled: true });
        await valueOf(machine.arn);
        const children = await childrenOf("m2");
        expect(children.map(r => r.type)).not.to.include("aws:cloudwatch/logGroup:LogGroup");
        const sfn = (await resource("m2-workflow")).inputs;
        expect(sfn.loggingConfiguration).to.deep.equal({ level: "OFF" });
        expect(sfn.tracingConfiguration).to.deep.equal({ enabled: true });
        const observability = json((await resource("m2-observability")).inputs.policy);
        expect(observability.Statement.map((s: any) => s.Sid)).to.deep.equal(["SendTraces"]);
    });

    it("logs execution data only when asked", async () => {
        const machine = new IncidentStateMachine("m3", { ...args, logLevel: "ALL", logIncludeExecutionData: true, logRetentionDays: 14 });
        await valueOf(machine.arn);
        expect((await resource("m3-workflow")).inputs.loggingConfiguration).to.deep.include({ level: "ALL", includeExecutionData: true });
        expect((await resource("m3-logs")).inputs.retentionInDays).to.equal(14);
    });
});

describe("FindingEventRule", () => {
    const filter = { severityLabels: ["CRITICAL" as const], recordStates: ["ACTIVE" as const], workflowStatuses: ["NEW" as const], productNames: ["Security Hub"] };
    const stateMachineArn = "arn:aws:states:ap-northeast-1:111122223333:stateMachine:incidents";

    it("sends matching findings to the state machine, with retries and an encrypted dead-letter queue", async () => {
        const rule = new FindingEventRule("e1", { filter, stateMachineArn });
        await valueOf(rule.deadLetterQueueUrl);
        expect(types(await childrenOf("e1"))).to.deep.equal([
            "aws:cloudwatch/eventRule:EventRule", "aws:cloudwatch/eventTarget:EventTarget", "aws:iam/role:Role",
            "aws:iam/rolePolicy:RolePolicy", "aws:sqs/queue:Queue", "aws:sqs/queuePolicy:QueuePolicy",
        ]);
        expect(json((await resource("e1-rule")).inputs.eventPattern)).to.deep.equal(buildEventPattern(filter));
        const target = (await resource("e1-target")).inputs;
        expect(target.arn).to.equal(stateMachineArn);
        expect(target.roleArn).to.match(/role\/e1-role/);
        expect(target.deadLetterConfig).to.deep.equal({ arn: "arn:aws:sqs:ap-northeast-1:111122223333:e1-dlq-0001" });
        expect(target.retryPolicy).to.deep.equal({ maximumRetryAttempts: 185, maximumEventAgeInSeconds: 86400 });
        expect((await resource("e1-dlq")).inputs.sqsManagedSseEnabled).to.equal(true);

        expect(json((await resource("e1-start-execution")).inputs.policy).Statement).to.deep.equal([
            { Sid: "StartIncidentWorkflow", Effect: "Allow", Action: ["states:StartExecution"], Resource: [stateMachineArn] },
        ]);
        expect(json((await resource("e1-role")).inputs.assumeRolePolicy).Statement[0].Principal).to.deep.equal({ Service: "events.amazonaws.com" });
        expect(json((await resource("e1-dlq-policy")).inputs.policy).Statement).to.deep.equal([{
            Sid: "EventBridgeDeadLetters",
            Effect: "Allow",
            Principal: { Service: "events.amazonaws.com" },
            Action: "sqs:SendMessage",
            Resource: "arn:aws:sqs:ap-northeast-1:111122223333:e1-dlq-0001",
            Condition: { ArnEquals: { "aws:SourceArn": "arn:aws:events:ap-northeast-1:111122223333:rule/e1-rule-0001" } },
        }]);
    });

    it("adds the lifecycle rule, sharing the target role and dead-letter queue, when asked", async () => {
        const rule = new FindingEventRule("e3", { filter, stateMachineArn, followLifecycle: true });
        await valueOf(rule.deadLetterQueueUrl);
        expect(json((await resource("e3-lifecycle-rule")).inputs.eventPattern)).to.deep.equal(buildLifecyclePattern(filter));
        expect((await resource("e3-lifecycle-target")).inputs).to.deep.include({ arn: stateMachineArn });
        expect((await resource("e3-lifecycle-target")).inputs.deadLetterConfig).to.deep.equal((await resource("e3-target")).inputs.deadLetterConfig);
        expect(json((await resource("e3-dlq-policy")).inputs.policy).Statement[0].Condition).to.deep.equal({
            ArnEquals: { "aws:SourceArn": ["arn:aws:events:ap-northeast-1:111122223333:rule/e3-rule-0001", "arn:aws:events:ap-northeast-1:111122223333:rule/e3-lifecycle-rule-0001"] },
        });
    });

    it("adds OCSF rules beside the ASFF ones, keeping the ASFF names, all sharing the role and dead-letter queue", async () => {
        const rule = new FindingEventRule("e4", { filter, stateMachineArn, formats: ["ASFF", "OCSF"], followLifecycle: true });
        await valueOf(rule.deadLetterQueueUrl);
        const rules = (await childrenOf("e4")).filter(r => r.type === "aws:cloudwatch/eventRule:EventRule");
        expect(rules.map(r => r.name)).to.deep.equal(["e4-rule", "e4-lifecycle-rule", "e4-ocsf-rule", "e4-ocsf-lifecycle-rule"]);
        expect(json((await resource("e4-rule")).inputs.eventPattern)).to.deep.equal(buildEventPattern(filter));
        expect(json((await resource("e4-lifecycle-rule")).inputs.eventPattern)).to.deep.equal(buildLifecyclePattern(filter));
        expect(json((await resource("e4-ocsf-rule")).inputs.eventPattern)).to.deep.equal(buildOcsfEventPattern(filter));
        expect(json((await resource("e4-ocsf-lifecycle-rule")).inputs.eventPattern)).to.deep.equal(buildOcsfLifecyclePattern(filter));
        const targets = await Promise.all(["e4-target", "e4-lifecycle-target", "e4-ocsf-target", "e4-ocsf-lifecycle-target"].map(async n => (await resource(n)).inputs));
        for (const target of targets) {
            expect(target.arn).to.equal(stateMachineArn);
            expect(target.roleArn).to.match(/role\/e4-role/);
            expect(target.deadLetterConfig).to.deep.equal({ arn: "arn:aws:sqs:ap-northeast-1:111122223333:e4-dlq-0001" });
        }
        expect(targets.map(t => t.rule)).to.deep.equal(["e4-rule-0001", "e4-lifecycle-rule-0001", "e4-ocsf-rule-0001", "e4-ocsf-lifecycle-rule-0001"]);
        expect(json((await resource("e4-dlq-policy")).inputs.policy).Statement[0].Condition.ArnEquals["aws:SourceArn"]).to.deep.equal(
            ["e4-rule", "e4-lifecycle-rule", "e4-ocsf-rule", "e4-ocsf-lifecycle-rule"].map(n => `arn:aws:events:ap-northeast-1:111122223333:rule/${n}-0001`));
        expect(await valueOf(rule.ocsfRuleArn!)).to.equal("arn:aws:events:ap-northeast-1:111122223333:rule/e4-ocsf-rule-0001");
        expect(await valueOf(rule.ocsfLifecycleRuleArn!)).to.equal("arn:aws:events:ap-northeast-1:111122223333:rule/e4-ocsf-lifecycle-rule-0001");
        expect(rule.rules.map(r => `${r.format} ${r.kind}`)).to.deep.equal(["ASFF findings", "ASFF lifecycle", "OCSF findings", "OCSF lifecycle"]);
    });

    it("with OCSF alone declares only the OCSF rules", async () => {
        const rule = new FindingEventRule("e5", { filter, stateMachineArn, formats: ["OCSF"] });
        await valueOf(rule.deadLetterQueueUrl);
        expect((await childrenOf("e5")).filter(r => r.type.startsWith("aws:cloudwatch/")).map(r => r.name).sort()).to.deep.equal(["e5-ocsf-rule", "e5-ocsf-target"]);
        expect([rule.rule, rule.ruleArn, rule.lifecycleRule, rule.ocsfLifecycleRule]).to.deep.equal([undefined, undefined, undefined, undefined]);
        expect(json((await resource("e5-dlq-policy")).inputs.policy).Statement[0].Condition).to.deep.equal({
            ArnEquals: { "aws:SourceArn": "arn:aws:events:ap-northeast-1:111122223333:rule/e5-ocsf-rule-0001" },
        });
    });

    it("refuses no formats, an unknown one or one twice before declaring anything", async () => {
        const before = declared.length;
        expect(() => new FindingEventRule("e6", { filter, stateMachineArn, formats: [] })).to.throw(/formats \[\] must name each of ASFF, OCSF at most once, and at least one/);
        expect(() => new FindingEventRule("e7", { filter, stateMachineArn, formats: ["OCSF", "OCSF"] })).to.throw(/formats \["OCSF","OCSF"\]/);
        expect(() => new FindingEventRule("e8", { filter, stateMachineArn, formats: ["V2" as "OCSF"] })).to.throw(/formats \["V2"\]/);
        await new Promise(r => setTimeout(r, 20));
        expect(declared.slice(before).filter(r => /^e[678]-/.test(r.name))).to.deep.equal([]);
    });

    it("takes its retry policy from the arguments", async () => {
        const rule = new FindingEventRule("e2", { filter, stateMachineArn, retryAttempts: 3, maxEventAgeSeconds: 600 });
        await valueOf(rule.deadLetterQueueUrl);
        expect((await resource("e2-target")).inputs.retryPolicy).to.deep.equal({ maximumRetryAttempts: 3, maximumEventAgeInSeconds: 600 });
    });
});

describe("WorkflowAlarms", () => {
    it("alarms on failed executions and on dead letters, notifying the topic", async () => {
        const topic = "arn:aws:sns:ap-northeast-1:111122223333:security-alerts";
        const alarms = new WorkflowAlarms("a1", { stateMachineArn: "arn:aws:states:ap-northeast-1:111122223333:stateMachine:sm", deadLetterQueueName: "dlq", alarmTopicArn: topic });
        await valueOf(alarms.deadLetters.arn);
        const failed = (await resource("a1-failed-executions")).inputs;
        expect(failed).to.deep.include({ namespace: "AWS/States", metricName: "ExecutionsFailed", threshold: 0, comparisonOperator: "GreaterThanThreshold" });
        expect(failed.dimensions).to.deep.equal({ StateMachineArn: "arn:aws:states:ap-northeast-1:111122223333:stateMachine:sm" });
        expect(failed.alarmActions).to.deep.equal([topic]);
        const dlq = (await resource("a1-dead-letters")).inputs;
        expect(dlq).to.deep.include({ namespace: "AWS/SQS", metricName: "ApproximateNumberOfMessagesVisible" });
        expect(dlq.dimensions).to.deep.equal({ QueueName: "dlq" });
        expect(dlq.okActions).to.deep.equal([topic]);
    });

    it("still alarms without a topic", async () => {
        const alarms = new WorkflowAlarms("a2", { stateMachineArn: "arn:aws:states:ap-northeast-1:111122223333:stateMachine:sm", deadLetterQueueName: "dlq" });
        await valueOf(alarms.failedExecutions.arn);
        expect((await resource("a2-failed-executions")).inputs.alarmActions).to.deep.equal([]);
    });
});
