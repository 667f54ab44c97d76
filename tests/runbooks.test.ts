import { expect } from "chai";
import { buildEventPattern, buildLifecyclePattern } from "../lib/eventPattern";
import { taskResources } from "../lib/policies";
import { loadSettings } from "../lib/settings";
import { DEFAULT_OPS_ITEM_PRIORITY, DEFAULT_OPS_ITEM_SEVERITY } from "../lib/config/backend";
import { renderStateMachineDefinition, requiredTaskPermissions, TASK_INTEGRATIONS, taskStates, WorkflowInputs } from "../lib/stateMachineDefinition";
import { DEFAULT_IMPACT_BY_SEVERITY } from "../lib/severity";
import { LocalDynamoDb } from "../offline/localDynamoDb";
import { IncidentManagerStandIn } from "../offline/incidentManagerStandIn";
import { Delivery, ReplayAccount } from "../offline/replayAccount";
import { SsmAutomationStandIn } from "../offline/ssmAutomationStandIn";
import { PROJECT_DIR } from "../offline/stackConfig";
import { ACCOUNT, at, findingEvent } from "./support/findings";

const TABLE = "securityhub-incidents-runbooks";
const PLAN = `arn:aws:ssm-incidents::${ACCOUNT}:response-plan/securityhub-incidents-test`;
const INPUTS: WorkflowInputs = { tableName: TABLE, responsePlanArn: PLAN, dedupTtlDays: 30, impactBySeverity: { ...DEFAULT_IMPACT_BY_SEVERITY }, resolveIncidentsWithFindings: true };

const statesOf = (d: Delivery) => d.runs.map(r => r.states);

describe("a resolved incident's runbooks are stopped (Automation's 100 concurrent executions)", function () {
    let dynamoDb: LocalDynamoDb;
    before(async () => {
        dynamoDb = await LocalDynamoDb.start();
    });
    after(async () => dynamoDb.stop());

    let tables = 0;
    async function account() {
        const table = `${TABLE}-${++tables}`;
        await dynamoDb.createDedupTable(table);
        const incidents = new IncidentManagerStandIn([PLAN]);
        const settings = loadSettings(() => undefined, PROJECT_DIR);
        const replay = new ReplayAccount({
            definition: renderStateMachineDefinition({ ...INPUTS, tableName: table }),
            patterns: { findings: buildEventPattern(settings), lifecycle: buildLifecyclePattern() },
            dynamoDb,
            incidents,
        });
        return { replay, incidents, record: (id: string) => dynamoDb.getItem(table, { FindingId: { S: id } }) };
    }

    it("a runbook that ended already (InvalidAutomationStatusUpdateException) is fine: the close goes on", async () => {
        const { replay, incidents, record } = await account();
        const first = findingEvent();
        await replay.deliverFromInput(at(first, "2026-11-01T00:00:00Z"));
        const [execution] = incidents.automation.executions;
        // A responder completed the runbook before the finding closed.
        await incidents.automation.stopAutomationExecution({ AutomationExecutionId: execution.automationExecutionId, Type: "Complete" });
        const closed = await replay.deliverFromInput(at(first, "2026-11-02T00:00:00Z", { compliance: "PASSED" }));
        expect(closed.runs.map(r => r.status)).to.deep.equal(["SUCCEEDED"]);
        const states = statesOf(closed)[0];
        expect(states.slice(states.indexOf("ResolveIncident"), states.indexOf("RecordClosed") + 1)).to.deep.equal(["ResolveIncident", "ReadRunbooks", "AnyRunbookLeft", "StopRunbook", "AnyRunbookLeft", "RecordClosed"]);
        expect(incidents.automation.callsOf.stopAutomationExecution).to.equal(2);
        expect(execution.status).to.equal("Success");
        expect(closed.runs[0].output).not.to.have.property("RunbooksNotStopped");
        expect((await record(first.detail.findings[0].Id))!.ClosedAs.S).to.equal("resolved");
    });

    it("any other error, once retried, is recorded in the execution's output and the close goes on", async () => {
        const { replay, incidents, record } = await account();
        const first = findingEvent();
        await replay.deliverFromInput(at(first, "2026-11-01T00:00:00Z"));
        replay.workflow.faults.arm({ state: "StopRunbook", error: "Ssm.AccessDeniedException" });
        const closed = await replay.deliverFromInput(at(first, "2026-11-02T00:00:00Z", { compliance: "PASSED" }));
        expect(closed.runs.map(r => r.status)).to.deep.equal(["SUCCEEDED"]);
        expect(incidents.incidents[0].status).to.equal("RESOLVED");
        expect((await record(first.detail.findings[0].Id))!.ClosedAs.S).to.equal("resolved");
        const [execution] = incidents.automation.executions;
        expect((closed.runs[0].output as Record<string, unknown>).RunbooksNotStopped).to.deep.equal([{ Runbook: execution.automationExecutionId, Error: "Ssm.AccessDeniedException" }]);
        expect(incidents.automation.running()).to.equal(1);
    });

    it("the stand-in answers StopAutomationExecution with the documented errors", async () => {
        const automation = new SsmAutomationStandIn();
        const started = automation.start();
        expect(started.automationExecutionArn).to.match(/^arn:aws:ssm:us-east-1:123456789012:automation-execution\/[0-9a-f-]{36}$/);
        expect(automation.running()).to.equal(1);
        await automation.stopAutomationExecution({ AutomationExecutionId: started.automationExecutionId, Type: "Cancel" });
        expect(automation.running()).to.equal(0);
        const error = (p: Promise<unknown>) => p.then(() => "none", (e: Error) => e.name);
        expect(await error(automation.stopAutomationExecution({ AutomationExecutionId: started.automationExecutionId }))).to.equal("Ssm.InvalidAutomationStatusUpdateException");
        expect(await error(automation.stopAutomationExecution({ AutomationExecutionId: "00000000-0000-0000-0000-000000000000" }))).to.equal("Ssm.AutomationExecutionNotFoundException");
        expect(await error(automation.stopAutomationExecution({ AutomationExecutionId: "short" }))).to.equal("Ssm.ValidationException");
    });

    it("grants ssm:StopAutomationExecution on the account's automation executions, only when incidents are resolved", () => {
        const resolving = requiredTaskPermissions(renderStateMachineDefinition(INPUTS));
        expect(resolving.automationExecutions).to.deep.equal(["ssm:StopAutomationExecution"]);
        expect(TASK_INTEGRATIONS["arn:aws:states:::aws-sdk:ssm:stopAutomationExecution"].action).to.equal("ssm:StopAutomationExecution");
        expect(taskResources({ partition: "aws", region: "ap-northeast-1", accountId: "111122223333", tableArn: "t", responsePlanArns: [PLAN] }).automationExecutions)
            .to.deep.equal(["arn:aws:ssm:ap-northeast-1:111122223333:automation-execution/*"]);
        expect(requiredTaskPermissions(renderStateMachineDefinition({ ...INPUTS, resolveIncidentsWithFindings: false })).automationExecutions).to.deep.equal([]);
    });

    it("the OpsCenter backend leaves the runbook states out (its OpsItems list the runbook; the workflow starts none)", () => {
        const definition = renderStateMachineDefinition({
            ...INPUTS, responsePlanArn: undefined, incidentBackend: "opscenter",
            opsCenter: { severityBySeverity: DEFAULT_OPS_ITEM_SEVERITY, priorityBySeverity: DEFAULT_OPS_ITEM_PRIORITY, runbookDocumentName: "runbook-document" },
        });
        const names = taskStates(definition).map(t => t.name);
        expect(names).to.include("ResolveIncident");
        expect(names).not.to.include.members(["ReadRunbooks", "StopRunbook"]);
        expect(definition.States).not.to.have.property("AnyRunbookLeft");
        expect(definition.States.ResolveIncident.Next).to.equal("RecordClosed");
        expect(taskStates(definition).filter(t => t.state.Resource.includes(":ssmincidents:"))).to.deep.equal([]);
    });
});
