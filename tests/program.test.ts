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
            "securityhub-incidents:workflow:IncidentStateMachine",
        ]);
        // 18, plus the lifecycle rule and its target (notifyFindings is on by default).
        expect(mine.filter(r => !r.type.startsWith("securityhub-incidents:"))).to.have.length(20);
    });

    it("exports what operators need", async () => {
        expect(await valueOf(program.tableName)).to.equal("dedup-table-0001");
        expect(await valueOf(program.responsePlanArn)).to.equal("arn:aws:ssm-incidents::111122223333:response-plan/securityhub-incidents-test");
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
        expect(definition.States.ClaimFinding.Arguments.Item.ExpiresAt.N).to.include(`+ ${7 * 86400})`);
        expect(byName("runbook-document").content).to.include("Security Hub finding response");
        expect(byName("alarms-failed-executions").alarmActions).to.deep.equal(["arn:aws:sns:ap-northeast-1:111122223333:alerts"]);
        expect(byName("incidents-workflow").loggingConfiguration.level).to.equal("ALL");
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
        expect(run({ "securityhub-incidents:severityLables": '["HIGH"]' })).to.throw(pulumi.RunError, /Invalid configuration for securityhub-incidents:\n {2}- unknown settings severityLables; known: severityLabels, /);
        expect(declared.length).to.equal(before);
    });

    it("refuses one of its settings stored as a secret, naming it", () => {
        expect(run({ "securityhub-incidents:tableName": "findings" }, ["securityhub-incidents:tableName"]))
            .to.throw(pulumi.RunError, /securityhub-incidents:tableName: is stored as a secret, but none of this project's settings is secret/);
    });

    it("refuses a stack name that would make an invalid response plan name (synth)", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stackname-"));
        try {
            const stackFile = path.join(dir, "Pulumi.team.prod.yaml");
            fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.dev.yaml"), stackFile);
            const synth = runScript("synth", ["--stack", "team.prod", "--stack-file", stackFile, "--out", path.join(dir, "out")]);
            expect(synth.status).to.equal(1);
            expect(synth.stderr).to.include(`stack "team.prod": its response plan would be named "securityhub-incidents-team.prod", which Incident Manager refuses`);
            expect(synth.stderr).not.to.match(/\n\s+at /);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
