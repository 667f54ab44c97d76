import { expect } from "chai";
import aslValidator from "asl-validator";
import { loadSettings } from "../lib/settings";
import { buildEventPattern } from "../lib/eventPattern";
import { nextAttempt, renderRetryDefinition, retryName, retryPolicyOf } from "../lib/failedExecutionRetry";
import { renderStateMachineDefinition, taskStates } from "../lib/stateMachineDefinition";
import { DEFAULT_IMPACT_BY_SEVERITY } from "../lib/severity";
import { failingFields, matchEventPattern } from "../offline/eventPatternMatcher";
import { FAULT_CLASSES, faultOfClass, FaultSpecError, parseFault, serviceErrors } from "../offline/faults";
import { stuckClaims } from "../offline/claims";
import { LocalDynamoDb } from "../offline/localDynamoDb";
import { simulate } from "../offline/simulation";
import { evaluateTemplate } from "../offline/stepFunctionsJsonata";
import { PROJECT_DIR, readStackConfig } from "../offline/stackConfig";
import { ACCOUNT, at, findingEvent } from "./support/findings";

const PLAN = `arn:aws:ssm-incidents::${ACCOUNT}:response-plan/securityhub-incidents-test`;
const definition = () => renderStateMachineDefinition({ tableName: "t", responsePlanArn: PLAN, dedupTtlDays: 30, impactBySeverity: { ...DEFAULT_IMPACT_BY_SEVERITY } });
const settingsOf = (stack: string, extra: Record<string, string> = {}) => {
    const config = readStackConfig(stack, PROJECT_DIR);
    return loadSettings(key => extra[key] ?? config.read(key), PROJECT_DIR);
};
const replayOf = (event: Record<string, any>, source = "a.json[0]") => ({ source, event, findingId: event.detail.findings[0].Id as string });

describe("when AWS fails (issue 15): --fail, the retry of failed executions, and what the report says", function () {
    this.timeout(300000);

    describe("--fail <State>:<Error>[:<times>][:applied]", () => {
        it("takes a Task state of the definition and an error its service returns, with times and lost responses", () => {
            expect(parseFault("OpenIncident:SsmIncidents.ThrottlingException", definition())).to.deep.equal({ state: "OpenIncident", error: "SsmIncidents.ThrottlingException" });
            expect(parseFault("ClaimFinding:DynamoDB.InternalServerError:2:applied", definition())).to.deep.equal({ state: "ClaimFinding", error: "DynamoDB.InternalServerError", times: 2, afterApplying: true });
            expect(parseFault("NotifyFinding:SecurityHub.LimitExceededException:3", definition()).times).to.equal(3);
        });

        it("refuses an unknown state with the Task states, and an error the state's service does not return with its errors", () => {
            const states = taskStates(definition()).map(t => t.name);
            expect(() => parseFault("Nope:SsmIncidents.ThrottlingException", definition())).to.throw(FaultSpecError, `Task states: ${states.join(", ")}`);
            expect(() => parseFault("OpenIncident:DynamoDB.ValidationException", definition())).to.throw(FaultSpecError, /OpenIncident does not see "DynamoDB.ValidationException"; its service's errors: SsmIncidents.ThrottlingException, /);
            // BatchUpdateFindings throttles with LimitExceededException; ThrottlingException is V2's.
            expect(() => parseFault("NotifyFinding:SecurityHub.ThrottlingException", definition())).to.throw(FaultSpecError, /SecurityHub.LimitExceededException/);
            expect(() => parseFault("OpenIncident:SsmIncidents.ThrottlingException:0", definition())).to.throw(FaultSpecError, /neither a number of calls/);
        });

        it("has every error class for every Task state's service, each among the errors --fail accepts", () => {
            for (const { name, state } of taskStates(definition())) {
                for (const faultClass of FAULT_CLASSES) {
                    const fault = faultOfClass(definition(), name, faultClass);
                    expect(serviceErrors(state.Resource).all, `${name} ${faultClass}`).to.include(fault.error);
                }
            }
        });

        it("is refused by the command with exit 2 and the list of what is allowed", async () => {
            const { runScript } = await import("./support/scripts");
            const run = runScript("simulate", ["--fail", "OpenIncident:Oops"]);
            expect(run.status).to.equal(2);
            expect(run.stderr).to.include("simulate: --fail OpenIncident:Oops: OpenIncident does not see \"Oops\"; its service's errors: SsmIncidents.ThrottlingException");
        });
    });

    describe("the retry of failed executions, as the replay models it", () => {
        it("ends with the finding's incident when the state fails the first two times (a retry after the delay)", async () => {
            const event = findingEvent();
            const report = await simulate({ settings: settingsOf("dev"), stack: "dev", events: [replayOf(event)], fail: ["OpenIncident:SsmIncidents.AccessDeniedException:2"] });
            expect(report.failures.map(f => f.source)).to.deep.equal(["a.json[0]", "a.json[0], retry 1"]);
            expect(report.retries).to.equal(2);
            expect(report.incidents).to.have.length(1);
            expect(report.findings).to.deep.equal([{ findingId: event.detail.findings[0].Id, source: "a.json[0]", outcome: "incident", incidentArn: report.incidents[0].incidentArn }]);
            expect(report.stuckClaims).to.equal(0);
        });

        it("ends failed, with no claim left, when the state always fails: the first execution and every retry", async () => {
            const settings = settingsOf("dev");
            const report = await simulate({ settings, stack: "dev", events: [replayOf(findingEvent())], fail: ["OpenIncident:SsmIncidents.AccessDeniedException"] });
            expect(report.failures).to.have.length(1 + settings.failedExecutionRetryAttempts);
            expect(report.findings.map(f => f.outcome)).to.deep.equal(["failed"]);
            expect(report.incidents).to.deep.equal([]);
            expect(report.stuckClaims).to.equal(0);
        });

        it("retries on the events' clock: a later event of the finding before the retry's time runs first", async () => {
            const base = findingEvent();
            const first = at(base, "2026-11-01T00:00:00Z");
            // 5 minutes later (the retry is due after 15): this redelivery opens the incident, the retry finds it.
            const second = at(base, "2026-11-01T00:05:00Z");
            const report = await simulate({ settings: settingsOf("dev"), stack: "dev", events: [replayOf(first), replayOf(second, "a.json[1]")], fail: ["OpenIncident:SsmIncidents.AccessDeniedException:1"] });
            expect(report.incidents.map(i => i.source)).to.deep.equal(["a.json[1]"]);
            expect(report.retries).to.equal(1);
            expect(report.duplicates).to.equal(1);
        });

        it("agrees with the retry machine on the attempt and the name (its JSONata, evaluated)", async () => {
            const machine = renderRetryDefinition({ workflowArn: "arn:aws:states:us-east-1:111122223333:stateMachine:w", failedFindingsQueueUrl: "https://sqs/q", policy: { attempts: 3, delaySeconds: 900 } });
            for (const name of ["6f1c1b8e-1111-4222-8333-944445555666", "retry1-6f1c1b8e-1111-4222-8333-944445555666", "retry3-abc"]) {
                const assigned = await evaluateTemplate(machine.States.CountAttempt.Assign, { input: { detail: { name } }, context: {} } as any) as { attempt: number; first: string };
                expect(assigned.attempt, name).to.equal(nextAttempt(name));
                expect(`retry${assigned.attempt}-${assigned.first}`).to.equal(retryName(name, nextAttempt(name)));
            }
            expect(retryPolicyOf(settingsOf("dev"))).to.deep.equal({ attempts: 3, delaySeconds: 900 });
            const { isValid, errorsText } = aslValidator(machine as any);
            expect(isValid, errorsText("\n")).to.equal(true);
        });
    });

    describe("the report's findings and stuck claims", () => {
        it("names every pattern field a filtered finding fails, not only the first", async () => {
            const settings = settingsOf("dev");
            const event = findingEvent({ severity: "INFORMATIONAL", recordState: "ARCHIVED", workflowStatus: "SUPPRESSED" });
            const fields = failingFields(buildEventPattern(settings), event);
            expect(fields).to.deep.equal(["detail.findings.Severity.Label", "detail.findings.RecordState", "detail.findings.Workflow.Status"]);
            expect((matchEventPattern(buildEventPattern(settings), event) as { field: string }).field).to.equal(fields[0]);
            const report = await simulate({ settings, stack: "dev", events: [replayOf(event)] });
            expect(report.findings).to.deep.equal([{ findingId: event.detail.findings[0].Id, source: "a.json[0]", outcome: "filtered", filteredBy: fields }]);
        });

        it("counts a record holding a live claim or re-open lock without its incident, not an expired one, a linked one or a storm item", async () => {
            const dynamoDb = await LocalDynamoDb.start();
            try {
                await dynamoDb.createDedupTable("stuck");
                const put = (item: Record<string, unknown>) => dynamoDb.request("PutItem", { TableName: "stuck", Item: item });
                const at2026 = Math.floor(Date.parse("2026-11-01T00:00:00Z") / 1000);
                await put({ FindingId: { S: "claimed" }, FullFindingId: { S: "claimed" }, ClaimedBy: { S: "x" }, ExpiresAt: { N: String(at2026 + 86400) } });
                await put({ FindingId: { S: "expired" }, FullFindingId: { S: "expired" }, ClaimedBy: { S: "x" }, ExpiresAt: { N: String(at2026 - 1) } });
                await put({ FindingId: { S: "linked" }, FullFindingId: { S: "linked" }, IncidentArn: { S: "arn:i" }, ExpiresAt: { N: String(at2026 + 86400) } });
                await put({ FindingId: { S: "reopening" }, FullFindingId: { S: "reopening" }, IncidentArn: { S: "arn:i" }, ReopeningBy: { S: "y" }, ReopeningUntil: { N: String(at2026 + 60) } });
                await put({ FindingId: { S: "lapsed-lock" }, FullFindingId: { S: "lapsed-lock" }, IncidentArn: { S: "arn:i" }, ReopeningBy: { S: "y" }, ReopeningUntil: { N: String(at2026 - 60) } });
                await put({ FindingId: { S: "storm|control|S3.8|2026" }, Attached: { N: "3" } });
                const stuck = await stuckClaims(dynamoDb, "stuck", "2026-11-01T00:00:00Z");
                expect(stuck.map(s => [s.key, s.kind]).sort()).to.deep.equal([["claimed", "claim"], ["reopening", "reopen"]]);
            } finally {
                await dynamoDb.stop();
            }
        });

        it("counts the repeats of findings attached to a roll-up as suppressed duplicates, not dropped deliveries (issue 14, item 10)", async () => {
            const settings = settingsOf("dev", { stormThreshold: "2" });
            const control = () => findingEvent();
            const events = Array.from({ length: 8 }, (_, i) => at(control(), `2026-11-01T09:0${i}:00Z`)).map((e, i) => replayOf(e, `storm.json[${i}]`));
            const report = await simulate({ settings, stack: "dev", events, deliveries: 3 });
            expect(report.failures).to.deep.equal([]);
            expect(report.incidents.filter(i => i.kind === "rollup")).to.have.length(1);
            expect(report.findings.map(f => f.outcome)).to.deep.equal(["incident", "incident", ...Array(6).fill("rollup")]);
            // Every finding is on exactly one incident: the other two deliveries of each are duplicates.
            expect(report.droppedDeliveries).to.equal(0);
            expect(report.duplicates).to.equal(8 * 2);
            expect(report.stuckClaims).to.equal(0);
        });
    });
});
