import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { declared, json, valueOf } from "./support/mocks";
import { settled } from "../offline/pulumiMocks";
import { ConfigurationError, loadSettings } from "../lib/settings";
import { DEFAULT_OPS_ITEM_PRIORITY, DEFAULT_OPS_ITEM_SEVERITY } from "../lib/config/backend";
import { OPSCENTER_LIMITS } from "../lib/limits";
import { OPSCENTER_STATES, renderStateMachineDefinition, requiredTaskPermissions, taskStates, WorkflowInputs } from "../lib/stateMachineDefinition";
import { DEFAULT_IMPACT_BY_SEVERITY } from "../lib/severity";
import { stateMachineTaskPolicy, taskResources } from "../lib/policies";
import { LocalDynamoDb } from "../offline/localDynamoDb";
import { OpsCenterStandIn } from "../offline/opsCenterStandIn";
import { simulate, stackRules } from "../offline/simulation";
import { ReplayAccount } from "../offline/replayAccount";
import { IncidentManagerStandIn } from "../offline/incidentManagerStandIn";
import { PROJECT_DIR, readStackConfig } from "../offline/stackConfig";
import { cellKey, FaultMatrix, HOLDS, SCENARIOS } from "./support/faultMatrix";
import { FAULT_CLASSES } from "../offline/faults";
import { at, findingEvent, findingId, ocsfFindingEvent } from "./support/findings";
import { OPS_ITEM_RUNBOOK_PARAMETERS, opsItemRunbookProblems } from "../lib/runbookParameters";
import { opsCenterRunbookProblems } from "../lib/runbook";

const IM_INPUTS: WorkflowInputs = { tableName: "t", responsePlanArn: "arn:aws:ssm-incidents::111122223333:response-plan/p", dedupTtlDays: 30, impactBySeverity: { ...DEFAULT_IMPACT_BY_SEVERITY }, resolveIncidentsWithFindings: true, findingFormats: ["ASFF", "OCSF"] };
const OPS_INPUTS: WorkflowInputs = {
    tableName: "t", dedupTtlDays: 30, impactBySeverity: { ...DEFAULT_IMPACT_BY_SEVERITY }, resolveIncidentsWithFindings: true, findingFormats: ["ASFF", "OCSF"],
    incidentBackend: "opscenter",
    opsCenter: { severityBySeverity: DEFAULT_OPS_ITEM_SEVERITY, priorityBySeverity: DEFAULT_OPS_ITEM_PRIORITY, runbookDocumentName: "runbook-document" },
};

describe("the OpsCenter backend (incidentBackend: opscenter)", function () {
    this.timeout(300000);

    describe("the setting", () => {
        const load = (values: Record<string, string>) => loadSettings(key => values[key], PROJECT_DIR);
        it("defaults to Incident Manager and refuses anything else than the two backends, naming the key and the values allowed", () => {
            expect(load({}).incidentBackend).to.equal("incident-manager");
            expect(load({ incidentBackend: "opscenter" }).incidentBackend).to.equal("opscenter");
            expect(() => load({ incidentBackend: "jira" })).to.throw(ConfigurationError, /^securityhub-incidents:incidentBackend: "jira" is not allowed; use one of incident-manager, opscenter$/);
        });
        it("maps severities to OpsItem Severity and Priority, over the defaults, refusing values OpsCenter does not take", () => {
            const s = load({ incidentBackend: "opscenter", opsItemPriorities: '{"HIGH":1}', opsItemSeverities: '{"LOW":"3"}' });
            expect(s.opsItemPriorities).to.deep.equal({ ...DEFAULT_OPS_ITEM_PRIORITY, HIGH: 1 });
            expect(s.opsItemSeverities.LOW).to.equal("3");
            expect(() => load({ opsItemPriorities: '{"HIGH":6}' })).to.throw(/opsItemPriorities: HIGH: 6 is not an OpsItem priority \(1-5\)/);
            expect(() => load({ opsItemSeverities: '{"HIGH":"5"}' })).to.throw(/opsItemSeverities: HIGH: "5" is not an OpsItem severity \(1, 2, 3, 4\)/);
        });
        it("ships a sample stack that uses it", () => {
            const s = loadSettings(readStackConfig("opscenter").read, PROJECT_DIR);
            expect(s.incidentBackend).to.equal("opscenter");
        });
    });

    describe("the rendered definition: one seam", () => {
        const im = renderStateMachineDefinition(IM_INPUTS);
        const ops = renderStateMachineDefinition(OPS_INPUTS);
        it("calls no Incident Manager API, and only the Incident Manager states changed (plus the look-up of a refused create)", () => {
            expect(JSON.stringify(ops)).not.to.include("ssmincidents");
            expect(JSON.stringify(ops)).not.to.include("SsmIncidents.");
            const imCalls = taskStates(im).filter(t => t.state.Resource.includes(":ssmincidents:")).map(t => t.name).sort();
            // Stopping a resolved incident's runbooks is Incident Manager's alone ([only with stopRunbooks]).
            const runbookStates = ["ReadRunbooks", "AnyRunbookLeft", "StopRunbook"];
            expect(imCalls).to.deep.equal(Object.keys(OPSCENTER_STATES).sort());
            const extra = Object.keys(ops.States).filter(n => !(n in im.States)).sort();
            expect(extra).to.deep.equal(["FindOpsItem", "FindProblemOpsItem", "FindRollupOpsItem", "FoundOpsItem", "FoundProblemOpsItem", "FoundRollupOpsItem"]);
            expect(Object.keys(im.States).filter(n => !(n in ops.States))).to.deep.equal(runbookStates);
            // Every other state is the same state: the workflow is shared, not copied.
            for (const [name, state] of Object.entries<Record<string, any>>(im.States)) {
                if (runbookStates.includes(name)) continue;
                if (name in OPSCENTER_STATES) {
                    expect(ops.States[name].Next, name).to.equal(name === "ResolveIncident" ? "RecordClosed" : state.Next);
                    continue;
                }
                // A problem group's election stores the backend's own request (INCIDENT_REQUEST_PROGRAM), which OpenProblemIncident sends.
                if (name === "ElectProblem") {
                    expect(state.Arguments).to.include("'ResponsePlanArn'").and.not.include("dedupString");
                    expect(ops.States[name].Arguments).to.include("dedupString").and.not.include("'ResponsePlanArn'");
                    expect(ops.States[name].Next).to.equal(state.Next);
                    continue;
                }
                // The Note's console link is the backend's console (incidentsConsolePath): the one other difference.
                // And the other backend's guard (withOtherBackendGuard) names this backend's ARN mark.
                const same = (d: unknown) => JSON.stringify(d).replace(/\/systems-manager\/(incidents\/home|opsitems)/g, "/systems-manager/<console>").replace(/'(:incident-record\/|:opsitem\/)'/g, "'<mark>'");
                expect(same(ops.States[name]), name).to.equal(same(state));
            }
        });
        it("derives its IAM from TASK_INTEGRATIONS: CreateOpsItem and DescribeOpsItems on *, Get/UpdateOpsItem on the Region's OpsItems", () => {
            const permissions = requiredTaskPermissions(ops);
            expect(permissions.responsePlan).to.deep.equal([]);
            expect(permissions.incidentRecords).to.deep.equal([]);
            expect(permissions.anyResource).to.deep.equal(["ssm:CreateOpsItem", "ssm:DescribeOpsItems"]);
            expect(permissions.opsItems).to.deep.equal(["ssm:GetOpsItem", "ssm:UpdateOpsItem"]);
            const policy = stateMachineTaskPolicy(permissions, taskResources({ partition: "aws", region: "ap-northeast-1", accountId: "111122223333", tableArn: "arn:t", responsePlanArns: [] }));
            expect(policy.Statement.filter(s => (s.Action as string[]).some(a => a.startsWith("ssm:"))).map(s => [s.Action, s.Resource])).to.deep.equal([
                [["ssm:CreateOpsItem", "ssm:DescribeOpsItems"], ["*"]],
                [["ssm:GetOpsItem", "ssm:UpdateOpsItem"], ["arn:aws:ssm:ap-northeast-1:111122223333:opsitem/*"]],
            ]);
            // The Incident Manager definition is not touched by the seam.
            expect(requiredTaskPermissions(im).anyResource).to.deep.equal([]);
        });
    });

    /** Runs the program (index.ts) with this config under the mocks; the resources it declared. */
    async function declareProgram(config: Record<string, string>): Promise<typeof declared> {
        const first = declared.length;
        pulumi.runtime.setAllConfig(config);
        delete require.cache[require.resolve("../index")];
        const program = require("../index");
        await valueOf(program.stateMachineArn);
        await settled(declared, 20);
        return declared.slice(first);
    }
    // Other tests require the program with their own stack's config.
    const forgetProgram = () => { delete require.cache[require.resolve("../index")]; };

    describe("the program with the opscenter stack (Pulumi mocks)", () => {
        let mine: typeof declared;
        before(async () => { mine = await declareProgram(readStackConfig("opscenter").values); });
        after(forgetProgram);
        it("declares no Incident Manager resource (no response plan, replication set or plan role), and the runbook it lists", () => {
            expect(mine.filter(r => r.type.startsWith("aws:ssmincidents") || r.type === "securityhub-incidents:incidents:ResponsePlan").map(r => r.type)).to.deep.equal([]);
            const roles = mine.filter(r => r.type === "aws:iam/role:Role").map(r => json(r.inputs.assumeRolePolicy));
            expect(JSON.stringify(roles)).not.to.include("ssm-incidents");
            expect(mine.filter(r => r.type === "aws:ssm/document:Document")).to.have.length(1);
            const definition = json(mine.find(r => r.type === "aws:sfn/stateMachine:StateMachine" && r.name === "incidents-workflow")!.inputs.definition);
            expect(JSON.stringify(definition)).to.include("aws-sdk:ssm:createOpsItem").and.not.include("ssmincidents");
            const policy = json(mine.find(r => r.name === "incidents-tasks")!.inputs.policy);
            expect(JSON.stringify(policy)).not.to.include("ssm-incidents");
        });
    });

    describe("the program with the opscenter stack and opsItemStartRunbook (Pulumi mocks)", () => {
        let mine: typeof declared;
        before(async () => { mine = await declareProgram({ ...readStackConfig("opscenter").values, "securityhub-incidents:opsItemStartRunbook": "true" }); });
        after(forgetProgram);
        it("grants the workflow StartAutomationExecution on the stack's runbook document only, and StopAutomationExecution", () => {
            const document = mine.find(r => r.type === "aws:ssm/document:Document")!;
            const policy = json(mine.find(r => r.name === "incidents-tasks")!.inputs.policy);
            const start = policy.Statement.find((s: any) => s.Sid === "StartRunbooks");
            expect(start.Action).to.deep.equal(["ssm:StartAutomationExecution"]);
            expect(start.Resource).to.have.length(3);
            expect(start.Resource[0]).to.match(new RegExp(`:automation-definition/${document.name}[^:/]*:\\*$`));
            expect(policy.Statement.find((s: any) => s.Sid === "StopRunbooks").Action).to.deep.equal(["ssm:StopAutomationExecution"]);
            const definition = json(mine.find(r => r.type === "aws:sfn/stateMachine:StateMachine" && r.name === "incidents-workflow")!.inputs.definition);
            expect(definition.States.StartRunbook.Arguments.DocumentName).to.equal(start.Resource[0].split("automation-definition/")[1].replace(/:\*$/, ""));
        });
    });

    describe("replayed offline", () => {
        let dynamoDb: LocalDynamoDb;
        before(async () => {
            dynamoDb = await LocalDynamoDb.start();
        });
        after(async () => dynamoDb.stop());
        const settings = (extra: Record<string, string> = {}) => loadSettings(key => ({ incidentBackend: "opscenter", resolveIncidentsWithFindings: "true", ...extra } as Record<string, string>)[key], PROJECT_DIR);
        const replay = (events: Array<Record<string, any>>, extra: Record<string, string> = {}, more: Partial<Parameters<typeof simulate>[0]> = {}) => {
            let standIn: OpsCenterStandIn | undefined;
            return simulate({
                settings: settings(extra), stack: "opscenter", events: events.map((event, i) => ({ event, source: `e${i}`, findingId: event.detail.findings[0].Id })),
                ...more,
                opsCenter: () => (standIn = more.opsCenter?.() ?? new OpsCenterStandIn("111122223333", "us-east-1")),
            }).then(report => ({ report, opsCenter: standIn! }));
        };

        it("opens one OpsItem per finding, every request within OpsCenter's limits, read the way responders read it", async () => {
            const event = findingEvent({ id: findingId() });
            const f = event.detail.findings[0];
            f.Title = "T".repeat(3000);
            f.Description = "D".repeat(5000);
            f.Remediation = { Recommendation: { Text: "Fix it", Url: "https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html" } };
            f.Resources = Array.from({ length: 120 }, (_, i) => ({ Type: "AwsS3Bucket", Id: `arn:aws:s3:::bucket-${i}` }));
            const { report, opsCenter } = await replay([at(event, "2026-11-27T00:00:00Z"), at(event, "2026-11-27T00:05:00Z")]);
            expect(report.backend).to.equal("opscenter");
            expect(report.incidents).to.have.length(1);
            const [item] = opsCenter.opsItems;
            expect(opsCenter.createProblems(item.request)).to.deep.equal([]);
            const r = item.request;
            expect([...r.Title].length).to.equal(OPSCENTER_LIMITS.titleLength);
            expect(r.Title.startsWith(`[${f.AwsAccountId}][${f.Severity.Label}]: TTT`)).to.equal(true);
            expect([...r.Description].length).to.be.at.most(OPSCENTER_LIMITS.descriptionLength);
            expect(r.Description).to.include("[Open the finding in Security Hub](https://").and.include("[Remediation](https://docs.aws.amazon.com/");
            expect([r.Source, r.Category, r.OpsItemType, r.Severity, r.Priority]).to.deep.equal(["securityhub-incidents", "Security", "/aws/issue", DEFAULT_OPS_ITEM_SEVERITY[f.Severity.Label as "HIGH"], DEFAULT_OPS_ITEM_PRIORITY[f.Severity.Label as "HIGH"]]);
            const data = r.OperationalData!;
            expect(JSON.parse(data["/aws/resources"].Value!)).to.have.length(OPSCENTER_LIMITS.resourceArns);
            expect(JSON.parse(data["/aws/automations"].Value!)).to.deep.equal([{ automationType: "AWS::SSM::Automation", automationId: "runbook-document" }]);
            expect(JSON.parse(data["/aws/dedup"].Value!).dedupString).to.match(/^[0-9a-f]{64}$/);
            expect(data["securityhub-incidents:finding-id"].Value).to.equal(f.Id);
            expect(report.incidents[0].opsItem).to.deep.equal({ id: item.opsItemId, arn: item.opsItemArn, severity: r.Severity, priority: r.Priority });
        });

        it("records the finding's closure on the OpsItem and resolves it; a re-open opens a new OpsItem naming the resolved one", async () => {
            const event = findingEvent({ id: findingId() });
            const { report, opsCenter } = await replay([at(event, "2026-11-27T00:00:00Z"), at(event, "2026-11-28T00:00:00Z", { compliance: "PASSED" }), at(event, "2026-12-01T00:00:00Z", { compliance: "FAILED" })]);
            expect(report.failures).to.deep.equal([]);
            expect(opsCenter.opsItems.map(o => o.status)).to.deep.equal(["Resolved", "Open"]);
            const [first, second] = opsCenter.opsItems;
            expect(Object.keys(first.operationalData).filter(k => k.startsWith("securityhub-incidents:resolved:"))).to.have.length(1);
            expect(second.request.RelatedOpsItems).to.deep.equal([{ OpsItemId: first.opsItemId }]);
            expect(report.reopened.newIncident).to.equal(1);
        });

        it("reads a responder's resolution back with GetOpsItem: a re-open then opens a new OpsItem; while open, it is told on the open one", async () => {
            const a = findingEvent({ id: findingId() });
            const b = findingEvent({ id: findingId() });
            const events = [at(a, "2026-11-27T00:00:00Z"), at(a, "2026-11-27T01:00:00Z", { compliance: "PASSED" }), at(a, "2026-11-30T00:00:00Z", { compliance: "FAILED" }),
                at(b, "2026-11-27T00:00:00Z"), at(b, "2026-11-27T01:00:00Z", { compliance: "PASSED" }), at(b, "2026-11-27T02:00:00Z", { compliance: "FAILED" })];
            const { report, opsCenter } = await replay(events, { resolveIncidentsWithFindings: "false" }, { resolveIncidentsAfterMs: 2 * 86400_000 });
            expect(report.failures).to.deep.equal([]);
            expect(opsCenter.callsOf.getOpsItem).to.equal(2);
            expect(report.reopened).to.deep.equal({ timeline: 1, newIncident: 1 });
            expect(opsCenter.opsItems).to.have.length(3);
            const reopenedOnOpen = opsCenter.opsItems.find(o => Object.keys(o.operationalData).some(k => k.startsWith("securityhub-incidents:reopened:")));
            expect(reopenedOnOpen?.request.OperationalData?.["securityhub-incidents:finding-id"].Value).to.equal(b.detail.findings[0].Id);
        });

        it("raises the OpsItem's Severity and Priority once when the finding's OCSF twin arrives more severe, with a note; never lowers them", async () => {
            const table = `escalate-${Date.now()}`;
            await dynamoDb.createDedupTable(table);
            const opsCenter = new OpsCenterStandIn("111122223333", "us-east-1");
            const account = new ReplayAccount({
                definition: renderStateMachineDefinition({ ...OPS_INPUTS, tableName: table, notifyFindings: true }),
                patterns: stackRules(settings({ findingFormats: '["ASFF","OCSF"]' })),
                dynamoDb, incidents: new IncidentManagerStandIn([]), opsCenter,
            });
            const id = findingId();
            const opened = await account.deliverFromInput(at(findingEvent({ id }), "2026-11-27T00:00:00Z"));
            expect(opened.runs[0].status, opened.runs[0].cause).to.equal("SUCCEEDED");
            // The same finding in OCSF (same uid), Critical: raised once; redelivered, and again at High: nothing more.
            const critical = { ...ocsfFindingEvent({ uid: id, severityId: 5, time: "2026-11-27T00:05:00.000Z" }), time: "2026-11-27T00:05:00Z" };
            const raised = await account.deliverFromInput(critical);
            expect(raised.runs[0].states, raised.runs[0].cause).to.include.members(["EscalateIncident", "AddEscalatedTimeline", "RecordEscalation", "NotifyFindingV2"]);
            const updates = opsCenter.callsOf.updateOpsItem;
            await account.redeliver(raised.event);
            await account.deliverFromInput({ ...ocsfFindingEvent({ uid: id, severityId: 4, time: "2026-11-27T00:10:00.000Z" }), time: "2026-11-27T00:10:00Z" });
            expect(opsCenter.callsOf.updateOpsItem).to.equal(updates);
            expect(opsCenter.opsItems).to.have.length(1);
            const [item] = opsCenter.opsItems;
            expect([item.request.Severity, item.request.Priority]).to.deep.equal([DEFAULT_OPS_ITEM_SEVERITY.CRITICAL, DEFAULT_OPS_ITEM_PRIORITY.CRITICAL]);
            const notes = Object.keys(item.operationalData).filter(k => k.startsWith("securityhub-incidents:escalated:"));
            expect(notes).to.have.length(1);
            expect(item.operationalData[notes[0]].Value).to.include("arrived with a higher severity (CRITICAL)");
        });

        it("rolls a storm up into one OpsItem and attaches the further findings to it", async () => {
            const events = Array.from({ length: 5 }, (_, i) => {
                const e = findingEvent({ id: findingId() });
                e.detail.findings[0].Compliance.SecurityControlId = "S3.99";
                return at(e, `2026-11-27T00:0${i}:00Z`);
            });
            const { report, opsCenter } = await replay(events, { stormThreshold: "2" });
            expect(report.failures).to.deep.equal([]);
            expect(report.incidents.map(i => i.kind)).to.deep.equal(["finding", "finding", "rollup"]);
            const rollup = opsCenter.opsItems.find(o => o.request.Title.startsWith("[storm]"))!;
            expect(Object.keys(rollup.operationalData).filter(k => k.startsWith("securityhub-incidents:finding:"))).to.have.length(3);
            expect(opsCenter.opsItems.every(o => opsCenter.createProblems(o.request).length === 0)).to.equal(true);
        });

        it("loses nothing at the monthly quota: the claim is given back, the execution fails (alarm), the finding is retried and opens next month", async () => {
            const a = findingEvent({ id: findingId() });
            const b = findingEvent({ id: findingId() });
            const quota = () => Object.assign(new OpsCenterStandIn("111122223333", "us-east-1"), { monthlyQuota: 1 });
            const { report, opsCenter } = await replay([at(a, "2026-11-30T20:00:00Z"), at(b, "2026-11-30T21:00:00Z"), at(b, "2026-12-01T09:00:00Z")], {}, { opsCenter: quota });
            expect(report.failures.map(f => f.error)).to.include("Ssm.OpsItemLimitExceededException");
            expect(report.retries).to.be.greaterThan(0);
            expect(report.opsItemQuotaRefusals).to.be.greaterThan(0);
            expect(report.stuckClaims).to.equal(0);
            // The December re-import opens b's OpsItem: one per finding, none lost, none doubled.
            expect(opsCenter.opsItems.map(o => o.request.OperationalData!["securityhub-incidents:finding-id"].Value)).to.deep.equal([a.detail.findings[0].Id, b.detail.findings[0].Id]);
        });

        it("gets the OpsItem a lost CreateOpsItem response created (the dedup string refuses a second one; the token finds the first)", async () => {
            const event = findingEvent({ id: findingId() });
            const { report, opsCenter } = await replay([at(event, "2026-11-27T00:00:00Z")], {}, { fail: ["OpenIncident:Ssm.InternalServerErrorException:1:applied"] });
            expect(opsCenter.opsItems).to.have.length(1);
            // The state's own Retry sent the create again: refused as a duplicate, then found by its token.
            expect(opsCenter.callsOf).to.include({ createOpsItem: 2, describeOpsItems: 1 });
            expect(report.failures).to.deep.equal([]);
            expect(report.findings[0]).to.include({ outcome: "incident", incidentArn: opsCenter.opsItems[0].opsItemArn });
            expect(report.stuckClaims).to.equal(0);
        });
    });

    describe("the runbook started by the workflow (opsItemStartRunbook)", () => {
        let dynamoDb: LocalDynamoDb;
        before(async () => {
            dynamoDb = await LocalDynamoDb.start();
        });
        after(async () => dynamoDb.stop());
        const START: WorkflowInputs = { ...OPS_INPUTS, opsCenter: { ...OPS_INPUTS.opsCenter!, startRunbook: true } };
        const settings = (extra: Record<string, string> = {}) => loadSettings(key => ({ incidentBackend: "opscenter", resolveIncidentsWithFindings: "true", opsItemStartRunbook: "true", ...extra } as Record<string, string>)[key], PROJECT_DIR);
        const replay = (events: Array<Record<string, any>>, extra: Record<string, string> = {}, limits?: { concurrentExecutions: number; queuedExecutions: number }) => {
            let opsCenter: OpsCenterStandIn | undefined;
            let incidents: IncidentManagerStandIn | undefined;
            return simulate({
                settings: settings(extra), stack: "opscenter", events: events.map((event, i) => ({ event, source: `e${i}`, findingId: event.detail.findings[0].Id })),
                opsCenter: () => (opsCenter = new OpsCenterStandIn("111122223333", "us-east-1")),
                incidentManager: (_plan, plans) => {
                    incidents = new IncidentManagerStandIn(plans);
                    if (limits) incidents.automation.limits = limits;
                    return incidents;
                },
            }).then(report => ({ report, opsCenter: opsCenter!, automation: incidents!.automation }));
        };

        it("is refused with incident-manager, naming the setting", () => {
            expect(() => loadSettings(key => ({ opsItemStartRunbook: "true" } as Record<string, string>)[key], PROJECT_DIR)).to.throw(ConfigurationError, /securityhub-incidents:opsItemStartRunbook: is for incidentBackend opscenter/);
        });

        it("adds the start and its record after each create, the stop after the resolve, and grants StartAutomationExecution on the stack's runbook only", () => {
            const off = renderStateMachineDefinition(OPS_INPUTS);
            const on = renderStateMachineDefinition(START);
            expect(Object.keys(on.States).filter(n => !(n in off.States)).sort()).to.deep.equal(["AnyRunbookLeft", "ReadRunbooks", "RecordProblemRunbook", "RecordRollupRunbook", "RecordRunbook", "StartProblemRunbook", "StartRollupRunbook", "StartRunbook", "StopRunbook"]);
            // A problem group's OpsItem (problem groups) starts its runbook the same way.
            expect([on.States.OpenProblemIncident.Next, on.States.FoundProblemOpsItem.Choices[0].Next, on.States.RecordProblemRunbook.Next]).to.deep.equal(["StartProblemRunbook", "StartProblemRunbook", off.States.OpenProblemIncident.Next]);
            expect([on.States.OpenIncident.Next, on.States.FoundOpsItem.Choices[0].Next, on.States.RecordRunbook.Next]).to.deep.equal(["StartRunbook", "StartRunbook", off.States.OpenIncident.Next]);
            expect([on.States.OpenRollup.Next, on.States.FoundRollupOpsItem.Choices[0].Next, on.States.RecordRollupRunbook.Next]).to.deep.equal(["StartRollupRunbook", "StartRollupRunbook", off.States.OpenRollup.Next]);
            expect(on.States.ReadRunbooks.Resource).to.equal("arn:aws:states:::aws-sdk:ssm:getOpsItem");
            // No resolve, no stop: the runbook is started all the same.
            const keep = renderStateMachineDefinition({ ...START, resolveIncidentsWithFindings: false });
            expect(["StartRunbook", "ReadRunbooks"].map(n => n in keep.States)).to.deep.equal([true, false]);
            const permissions = requiredTaskPermissions(on);
            expect(permissions.runbookDocument).to.deep.equal(["ssm:StartAutomationExecution"]);
            expect(permissions.automationExecutions).to.deep.equal(["ssm:StopAutomationExecution"]);
            expect(requiredTaskPermissions(off).runbookDocument).to.deep.equal([]);
            const resources = taskResources({ partition: "aws", region: "ap-northeast-1", accountId: "111122223333", tableArn: "arn:t", responsePlanArns: [], runbookDocumentName: "runbook-document" });
            expect(resources.runbookDocument).to.deep.equal([
                "arn:aws:ssm:ap-northeast-1:111122223333:automation-definition/runbook-document:*",
                "arn:aws:ssm:ap-northeast-1:111122223333:document/runbook-document",
                "arn:aws:ssm:ap-northeast-1:111122223333:automation-execution/*",
            ]);
        });

        it("starts the runbook with the OpsItem's ID, names the execution on the OpsItem, and stops it when the finding's closure resolves the OpsItem", async () => {
            const event = findingEvent({ id: findingId() });
            const { report, opsCenter, automation } = await replay([at(event, "2026-11-27T00:00:00Z"), at(event, "2026-11-28T00:00:00Z", { compliance: "PASSED" })]);
            expect(report.failures).to.deep.equal([]);
            const [item] = opsCenter.opsItems;
            expect(automation.executions.map(e => [e.documentName, e.parameters, e.status])).to.deep.equal([["runbook-document", { OpsItemId: [item.opsItemId] }, "Cancelled"]]);
            expect(item.operationalData["securityhub-incidents:runbook"].Value).to.equal(automation.executions[0].automationExecutionId);
            expect(item.status).to.equal("Resolved");
            expect([report.runbooksRunning, report.runbooksNotStarted, report.runbookLimitRefusals]).to.deep.equal([0, 0, 0]);
        });

        it("costs 2 transitions per OpsItem opened and 4 per OpsItem resolved (one runbook), measured against the same replay without the setting", async () => {
            const event = findingEvent({ id: findingId() });
            const open = [at(event, "2026-11-27T00:00:00Z")];
            const both = [...open, at(event, "2026-11-28T00:00:00Z", { compliance: "PASSED" })];
            const transitions = async (events: Array<Record<string, any>>, start: string) => (await replay(events, { opsItemStartRunbook: start })).report.transitions;
            const [openOff, openOn, bothOff, bothOn] = [await transitions(open, "false"), await transitions(open, "true"), await transitions(both, "false"), await transitions(both, "true")];
            // StartRunbook, RecordRunbook; ReadRunbooks, AnyRunbookLeft, StopRunbook, AnyRunbookLeft.
            expect([openOn - openOff, (bothOn - openOn) - (bothOff - openOff)]).to.deep.equal([2, 4]);
        });

        it("loses nothing at Automation's limit: the OpsItem opens and is linked, says the runbook did not start, and the report counts it", async () => {
            const [a, b] = [findingEvent({ id: findingId() }), findingEvent({ id: findingId() })];
            // One execution may run and none wait: the second OpsItem's start is refused past its retries.
            const { report, opsCenter, automation } = await replay([at(a, "2026-11-27T00:00:00Z"), at(b, "2026-11-27T00:01:00Z")], {}, { concurrentExecutions: 1, queuedExecutions: 0 });
            expect(report.failures).to.deep.equal([]);
            expect(report.findings.map(f => f.outcome)).to.deep.equal(["incident", "incident"]);
            expect(opsCenter.opsItems).to.have.length(2);
            const second = opsCenter.opsItems[1];
            expect(second.operationalData["securityhub-incidents:runbook-not-started"].Value).to.include("Ssm.AutomationExecutionLimitExceededException");
            expect(second.request.OperationalData!["/aws/automations"]).to.not.equal(undefined);
            // The first call and the state's 6 retries.
            expect([report.runbooksNotStarted, report.runbookLimitRefusals, automation.running()]).to.deep.equal([1, 7, 1]);
            expect(report.stuckClaims).to.equal(0);
        });

        it("queues past the concurrent executions, and a stopped runbook's slot goes to the first queued one", async () => {
            const [a, b] = [findingEvent({ id: findingId() }), findingEvent({ id: findingId() })];
            const { report, automation } = await replay([at(a, "2026-11-27T00:00:00Z"), at(b, "2026-11-27T00:01:00Z"), at(a, "2026-11-27T01:00:00Z", { compliance: "PASSED" })], {}, { concurrentExecutions: 1, queuedExecutions: 1 });
            expect(report.runbooksNotStarted).to.equal(0);
            expect(automation.executions.map(e => e.status)).to.deep.equal(["Cancelled", "Waiting"]);
        });

        it("refuses a runbook that does not declare OpsItemId, naming the setting, the file and what to add", () => {
            const problems = opsItemRunbookProblems({ file: "runbooks/x.yaml", document: { schemaVersion: "0.3", parameters: { INCIDENT_RECORD_ARN: { type: "String" } }, mainSteps: [] } as any }, OPS_ITEM_RUNBOOK_PARAMETERS);
            expect(problems).to.deep.equal([
                "securityhub-incidents:opsItemStartRunbook: runbook runbooks/x.yaml: the workflow passes parameter OpsItemId (the OpsItem's ID), which the runbook does not declare; add it under parameters with type: String",
                "securityhub-incidents:opsItemStartRunbook: runbook runbooks/x.yaml: parameter INCIDENT_RECORD_ARN has no default and the workflow does not pass it, so the runbook could not start; give it a default (the workflow passes OpsItemId)",
            ]);
            // The bundled runbooks take it.
            for (const language of ["en", "ja"]) expect(opsCenterRunbookProblems(`${PROJECT_DIR}/runbooks/securityhub-incident.${language}.yaml`), language).to.deep.equal([]);
        });
    });

    describe("the fault matrix for the OpsCenter states (CI subset)", () => {
        let dynamoDb: LocalDynamoDb;
        let matrix: FaultMatrix;
        before(async () => {
            dynamoDb = await LocalDynamoDb.start();
            matrix = new FaultMatrix(dynamoDb, "opscenter");
        });
        after(async () => dynamoDb.stop());

        it("holds the invariant and recovers when an OpsCenter call fails, one error class per state in turn, and after a lost create", async () => {
            const reached = await matrix.reach();
            // The matrix's OpsCenter definition starts the runbook (opsItemStartRunbook): its states are rows too.
            const runbookStates = ["StartRunbook", "RecordRunbook", "StartRollupRunbook", "RecordRollupRunbook", "StartProblemRunbook", "RecordProblemRunbook", "StopRunbook"];
            const states = [...Object.keys(OPSCENTER_STATES), ...runbookStates].filter(s => reached.has(s));
            expect(states).to.include.members(["OpenIncident", "CheckIncident", "AddClosedTimeline", "ResolveIncident", "OpenRollup", "AddRelatedItem", "AddAttachedTimeline", "EscalateIncident", "AddEscalatedTimeline", "ReadRunbooks", ...runbookStates]);
            const cells = states.map((state, i) => ({ state, faultClass: FAULT_CLASSES[i % FAULT_CLASSES.length], scenario: reached.get(state)![0] }));
            const rollupScenario = SCENARIOS.find(s => s.name === "storm-open")!;
            cells.push({ state: "OpenIncident", faultClass: "lostResponse", scenario: SCENARIOS[0] }, { state: "OpenRollup", faultClass: "lostResponse", scenario: rollupScenario },
                // A start whose response was lost: the retry's ClientToken gets the same execution, not a second runbook.
                { state: "StartRunbook", faultClass: "lostResponse", scenario: SCENARIOS[0] }, { state: "StartRunbook", faultClass: "throttling", scenario: SCENARIOS[0] });
            const broken: string[] = [];
            for (const cell of cells) {
                const result = await matrix.cell(cell.scenario, cell.state, cell.faultClass);
                if (!HOLDS.has(result.outcome)) broken.push(`${cellKey(result)}: ${result.outcome}: ${result.detail}`);
            }
            expect(broken).to.deep.equal([]);
        });
    });
});
