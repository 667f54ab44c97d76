import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { declared, valueOf, json } from "./support/mocks";
import { settled } from "../offline/pulumiMocks";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_DIR, readStackConfig } from "../offline/stackConfig";
import { runScript } from "./support/scripts";

describe("the program (index.ts) with the dev stack's config", () => {
    let program: Record<string, pulumi.Output<string>>;
    let mine: typeof declared;

    before(async () => {
        const first = declared.length;
        pulumi.runtime.setAllConfig({
            ...readStackConfig("dev").values,
            "securityhub-incidents:severityLabels": '["CRITICAL","HIGH","MEDIUM","LOW"]',
            "securityhub-incidents:alarmTopicArn": "arn:aws:sns:ap-northeast-1:111122223333:alerts",
        });
        program = require("../index");
        await valueOf(program.stateMachineArn);
        await settled(declared, 20);
        mine = declared.slice(first);
    });

    it("declares the five parts and their alarms", () => {
        const components = mine.filter(r => r.type.startsWith("securityhub-incidents:")).map(r => r.type).sort();
        expect(components).to.deep.equal([
            "securityhub-incidents:dedup:DedupTable",
            "securityhub-incidents:events:FindingEventRule",
            "securityhub-incidents:incidents:ResponsePlan",
            "securityhub-incidents:monitoring:WorkflowAlarms",
            "securityhub-incidents:runbook:RunbookDocument",
            "securityhub-incidents:suppressions:SuppressionRules",
            "securityhub-incidents:workflow:FailedExecutionRetry",
            "securityhub-incidents:workflow:IncidentStateMachine",
        ]);
        // 18, plus the lifecycle rule and its target (notifyFindings is on by default), plus the dev
        // stack's sample suppressions.yaml (3 rules, each a pair of CSPM automation rules), plus the
        // retry of failed executions (9) and its two alarms.
        expect(mine.filter(r => !r.type.startsWith("securityhub-incidents:"))).to.have.length(37);
        expect(mine.filter(r => r.type === "aws:securityhub/automationRule:AutomationRule")).to.have.length(6);
    });

    it("retries failed executions of the workflow: rule, bounded retry machine, narrow IAM, failed-findings queue and its alarm", async () => {
        const byName = (name: string) => mine.find(r => r.name === name)!.inputs;
        const workflowArn = await valueOf(program.stateMachineArn);
        const pattern = json(byName("retry-rule").eventPattern);
        expect(pattern).to.deep.equal({ source: ["aws.states"], "detail-type": ["Step Functions Execution Status Change"], detail: { status: ["FAILED"], stateMachineArn: [workflowArn] } });
        const definition = json(byName("retry-machine").definition);
        expect(definition.States.AttemptsLeft.Choices[0].Condition).to.equal("{% $attempt <= 3 %}");
        expect(definition.States.Delay.Seconds).to.equal(15 * 60);
        expect(definition.States.StartAgain.Arguments.StateMachineArn).to.equal(workflowArn);
        const policy = json(byName("retry-tasks").policy);
        expect(policy.Statement.map((s: { Action: string[]; Resource: string[] }) => [s.Action, s.Resource])).to.deep.equal([
            [["states:StartExecution"], [workflowArn]],
            [["states:DescribeExecution"], [`${workflowArn.replace(":stateMachine:", ":execution:")}:*`]],
            [["sqs:SendMessage"], [policy.Statement[2].Resource[0]]],
        ]);
        expect(policy.Statement[2].Resource[0]).to.match(/^arn:aws:sqs:/);
        expect(byName("retry-target").deadLetterConfig.arn).to.equal(policy.Statement[2].Resource[0]);
        expect(byName("alarms-failed-findings").alarmActions).to.deep.equal(["arn:aws:sns:ap-northeast-1:111122223333:alerts"]);
        expect(await valueOf(program.failedFindingsQueueUrl)).to.match(/^https:\/\/sqs\./);
    });

    it("exports what operators need", async () => {
        expect(await valueOf(program.tableName)).to.equal("dedup-table-0001");
        expect(await valueOf(program.responsePlanArn)).to.equal("arn:aws:ssm-incidents::111122223333:response-plan/securityhub-incidents-test");
        // One plan answers every severity the rule lets through.
        expect(await valueOf(program.responsePlanArns)).to.deep.equal({ "securityhub-incidents-test": "arn:aws:ssm-incidents::111122223333:response-plan/securityhub-incidents-test" });
        expect(Object.keys(await valueOf(program.responsePlanArnsBySeverity))).to.deep.equal(["CRITICAL", "HIGH", "MEDIUM", "LOW"]);
        expect(await valueOf(program.stateMachineArn)).to.match(/^arn:aws:states:ap-northeast-1:111122223333:stateMachine:/);
        expect(await valueOf(program.ruleArn)).to.match(/^arn:aws:events:/);
        expect(await valueOf(program.lifecycleRuleArn)).to.match(/^arn:aws:events:.*:rule\/findings-lifecycle-rule-/);
        // The dev stack listens to ASFF only: no OCSF rules to export.
        expect([program.ocsfRuleArn, program.ocsfLifecycleRuleArn]).to.deep.equal([undefined, undefined]);
        expect(await valueOf(program.deadLetterQueueUrl)).to.match(/^https:\/\/sqs\.ap-northeast-1\.amazonaws\.com\//);
    });

    it("carries config into the artefacts: pattern, definition, runbook, alarms", () => {
        const byName = (name: string) => mine.find(r => r.name === name)!.inputs;
        expect(json(byName("findings-rule").eventPattern).detail.findings.Severity.Label).to.deep.equal(["CRITICAL", "HIGH", "MEDIUM", "LOW"]);
        const definition = json(byName("incidents-workflow").definition);
        expect(definition.States.ClaimFinding.Arguments.TableName).to.equal("dedup-table-0001");
        expect(definition.States.ClaimFinding.Arguments.ExpressionAttributeValues[":expires"].N).to.include(`+ ${7 * 86400})`);
        expect(byName("runbook-document").content).to.include("Security Hub finding response");
        expect(byName("alarms-failed-executions").alarmActions).to.deep.equal(["arn:aws:sns:ap-northeast-1:111122223333:alerts"]);
        expect(byName("incidents-workflow").loggingConfiguration.level).to.equal("ALL");
    });

    it("keeps today's names for its one plan and runbook, and passes the runbook its incident", () => {
        const byName = (name: string) => mine.find(r => r.name === name)!.inputs;
        expect(mine.filter(r => r.type === "aws:ssmincidents/responsePlan:ResponsePlan").map(r => r.name)).to.deep.equal(["response-plan"]);
        expect(mine.filter(r => r.type === "aws:ssm/document:Document").map(r => r.name)).to.deep.equal(["runbook-document"]);
        expect(byName("response-plan").action.ssmAutomations[0].dynamicParameters).to.deep.equal({ INCIDENT_RECORD_ARN: "INCIDENT_RECORD_ARN", INVOLVED_RESOURCES: "INVOLVED_RESOURCES" });
        // No routing map: the workflow's definition is as it was with one plan.
        expect(byName("incidents-workflow").definition).to.include("$lookup({}, $finding.Severity.Label)");
    });
});

describe("the program (index.ts) with response plans per severity", () => {
    const CONTACT = "arn:aws:ssm-contacts:ap-northeast-1:111122223333:contact/security-oncall";
    const CHAT = "arn:aws:sns:ap-northeast-1:111122223333:security-chat";
    const planArn = (plan: string) => `arn:aws:ssm-incidents::111122223333:response-plan/securityhub-incidents-test-${plan}`;
    let program: Record<string, pulumi.Output<any>>;
    let mine: typeof declared;
    const byName = (name: string) => {
        const found = mine.filter(r => r.name === name);
        if (found.length !== 1) throw new Error(`expected one ${name}, found ${found.length}`);
        return found[0].inputs;
    };

    before(async () => {
        const first = declared.length;
        pulumi.runtime.setAllConfig({
            ...readStackConfig("dev").values,
            "securityhub-incidents:createReplicationSet": "true",
            "securityhub-incidents:responsePlans": JSON.stringify({
                standard: { severityLabels: ["MEDIUM", "HIGH"], chatChannelTopicArns: [CHAT], runbookLanguage: "ja" },
                critical: { severityLabels: ["CRITICAL"], engagementContactArns: [CONTACT], incidentTitle: "Critical Security Hub finding" },
            }),
        });
        delete require.cache[require.resolve("../index")];
        program = require("../index");
        await valueOf(program.stateMachineArn);
        await settled(declared, 20);
        mine = declared.slice(first);
    });
    after(() => {
        pulumi.runtime.setAllConfig(readStackConfig("dev").values);
        delete require.cache[require.resolve("../index")];
    });

    it("declares one response plan, runbook role and role policy per plan, and one runbook per distinct file", () => {
        const named = (type: string) => mine.filter(r => r.type === type).map(r => r.name).sort();
        expect(named("securityhub-incidents:incidents:ResponsePlan")).to.deep.equal(["response-critical", "response-standard"]);
        expect(named("aws:ssmincidents/responsePlan:ResponsePlan")).to.deep.equal(["response-critical-plan", "response-standard-plan"]);
        expect(named("aws:iam/role:Role").filter(n => n.includes("runbook"))).to.deep.equal(["response-critical-runbook-role", "response-standard-runbook-role"]);
        expect(named("aws:iam/rolePolicy:RolePolicy").filter(n => n.includes("runbook"))).to.deep.equal(["response-critical-runbook-policy", "response-standard-runbook-policy"]);
        expect(named("aws:ssm/document:Document")).to.deep.equal(["runbook-document", "runbook-securityhub-incident.ja-document"]);
        // An account has one replication set: the default plan creates it.
        expect(named("aws:ssmincidents/replicationSet:ReplicationSet")).to.deep.equal(["response-critical-replication-set"]);
    });

    it("gives each plan its own engagement, channel, title, runbook and dynamic parameters", () => {
        const critical = byName("response-critical-plan");
        const standard = byName("response-standard-plan");
        expect(critical.name).to.equal("securityhub-incidents-test-critical");
        expect(critical.engagements).to.deep.equal([CONTACT]);
        expect(critical.chatChannels).to.deep.equal([]);
        expect(critical.incidentTemplate.title).to.equal("Critical Security Hub finding");
        expect(critical.action.ssmAutomations[0].documentName).to.equal("runbook-document-0001");
        expect(standard.name).to.equal("securityhub-incidents-test-standard");
        expect(standard.engagements).to.deep.equal([]);
        expect(standard.chatChannels).to.deep.equal([CHAT]);
        expect(standard.incidentTemplate.title).to.equal("Security Hub finding");
        expect(standard.action.ssmAutomations[0].documentName).to.equal("runbook-securityhub-incident.ja-document-0001");
        expect(byName("runbook-securityhub-incident.ja-document").content).to.include("インシデント");
        for (const plan of [critical, standard]) {
            expect(plan.action.ssmAutomations[0].dynamicParameters).to.deep.equal({ INCIDENT_RECORD_ARN: "INCIDENT_RECORD_ARN", INVOLVED_RESOURCES: "INVOLVED_RESOURCES" });
        }
    });

    it("scopes each plan's runbook role to its own incident records and its own runbook", () => {
        for (const [plan, document] of [["critical", "runbook-document-0001"], ["standard", "runbook-securityhub-incident.ja-document-0001"]]) {
            const trust = json(byName(`response-${plan}-runbook-role`).assumeRolePolicy);
            expect(trust.Statement[0].Condition.ArnLike["aws:SourceArn"]).to.equal(`arn:aws:ssm-incidents::111122223333:incident-record/securityhub-incidents-test-${plan}/*`);
            const policy = json(byName(`response-${plan}-runbook-policy`).policy);
            expect(policy.Statement[0].Resource).to.deep.equal([
                `arn:aws:ssm:*:111122223333:automation-definition/${document}:*`,
                `arn:aws:ssm:*:111122223333:document/${document}`,
                "arn:aws:ssm:*:111122223333:automation-execution/*",
            ]);
        }
    });

    it("routes each severity to its plan in the workflow, whose role may start incidents on both", () => {
        const definition = byName("incidents-workflow").definition as string;
        // The map sits inside a JSONata expression, i.e. inside a JSON string of the definition.
        const map = JSON.stringify({ CRITICAL: planArn("critical"), HIGH: planArn("standard"), MEDIUM: planArn("standard") });
        expect(definition).to.include(`$lookup(${JSON.stringify(map).slice(1, -1)}, $finding.Severity.Label), '${planArn("critical")}'`);
        const tasks = json(byName("incidents-tasks").policy);
        expect(tasks.Statement.find((s: { Sid: string }) => s.Sid === "StartIncident").Resource).to.deep.equal([planArn("critical"), planArn("standard")]);
    });

    it("exports every plan, the routing, and the default plan (the one answering the most severe label)", async () => {
        expect(await valueOf(program.responsePlanArn)).to.equal(planArn("critical"));
        expect(await valueOf(program.responsePlanArns)).to.deep.equal({
            "securityhub-incidents-test-critical": planArn("critical"),
            "securityhub-incidents-test-standard": planArn("standard"),
        });
        expect(await valueOf(program.responsePlanArnsBySeverity)).to.deep.equal({ CRITICAL: planArn("critical"), HIGH: planArn("standard"), MEDIUM: planArn("standard") });
        expect(await valueOf(program.runbookDocumentName)).to.equal("runbook-document-0001");
    });
});

describe("the program (index.ts) with bad config keys or a bad stack name", () => {
    const run = (config: Record<string, string>, secretKeys: string[] = []) => {
        pulumi.runtime.setAllConfig({ ...readStackConfig("dev").values, ...config }, secretKeys);
        delete require.cache[require.resolve("../index")];
        return () => require("../index");
    };
    after(() => pulumi.runtime.setAllConfig(readStackConfig("dev").values));

    it("refuses a misspelt setting as synth and simulate do, without a stack trace", () => {
        const before = declared.length;
        expect(run({ "securityhub-incidents:severityLables": '["HIGH"]' })).to.throw(pulumi.RunError, /^unknown settings severityLables; known: severityLabels, /);
        expect(declared.length).to.equal(before);
    });

    it("refuses one of its settings stored as a secret, naming it", () => {
        expect(run({ "securityhub-incidents:tableName": "findings" }, ["securityhub-incidents:tableName"]))
            .to.throw(pulumi.RunError, /securityhub-incidents:tableName: is stored as a secret, but none of this project's settings is secret/);
    });

    it("refuses a severity in two plans, naming the setting, without declaring anything", () => {
        const before = declared.length;
        expect(run({ "securityhub-incidents:responsePlans": JSON.stringify({ a: { severityLabels: ["CRITICAL", "HIGH"] }, b: { severityLabels: ["HIGH", "MEDIUM"] } }) }))
            .to.throw(pulumi.RunError, /securityhub-incidents:responsePlans: HIGH is answered by plans "a" and "b"/);
        expect(declared.length).to.equal(before);
    });

    it("refuses a plan whose runbook does not take what the plan passes, naming plan and parameter, without declaring anything", () => {
        const before = declared.length;
        const runbookFile = path.relative(PROJECT_DIR, path.join(__dirname, "fixtures", "runbooks", "without-parameters.yaml"));
        const attempt = run({ "securityhub-incidents:responsePlans": JSON.stringify({ critical: { severityLabels: ["CRITICAL"], runbookFile }, rest: { severityLabels: ["HIGH", "MEDIUM"] } }) });
        expect(attempt).to.throw(pulumi.RunError, /response plan "securityhub-incidents-test-critical" with runbook .*without-parameters\.yaml: the plan passes parameter INCIDENT_RECORD_ARN \(INCIDENT_RECORD_ARN\), which the runbook does not declare/);
        expect(attempt).to.throw(pulumi.RunError, /parameter AutomationAssumeRole has no default and the plan does not pass it/);
        expect(attempt).not.to.throw(/securityhub-incidents-test-rest/);
        expect(declared.length).to.equal(before);
    });

    it("refuses a stack name that would make an invalid response plan name (synth)", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stackname-"));
        try {
            const stackFile = path.join(dir, "Pulumi.team.prod.yaml");
            fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.dev.yaml"), stackFile);
            const synth = runScript("synth", ["--stack", "team.prod", "--stack-file", stackFile, "--out", path.join(dir, "out")]);
            expect(synth.status).to.equal(2);
            expect(synth.stderr).to.include(`stack "team.prod": its response plan would be named "securityhub-incidents-team.prod", which Incident Manager refuses`);
            expect(synth.stderr).not.to.match(/\n\s+at /);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
