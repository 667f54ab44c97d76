import { expect } from "chai";
import { renderStateMachineDefinition, taskStates, WorkflowInputs, WRITE_BACK_ATTEMPTS } from "../lib/stateMachineDefinition";
import { DEFAULT_IMPACT_BY_SEVERITY } from "../lib/severity";
import { StartIncidentRequest } from "../offline/incidentManagerStandIn";
import { Delivery } from "../offline/replayAccount";
import { AccountOptions, replayAccounts, TEST_PLAN } from "./support/account";
import { at, findingEvent } from "./support/findings";
import { failDynamoDbCalls } from "./support/faults";

const INPUTS: WorkflowInputs = { tableName: "faults", responsePlanArn: TEST_PLAN, dedupTtlDays: 30, impactBySeverity: { ...DEFAULT_IMPACT_BY_SEVERITY } };

/**
 * The invariant (lib/stateMachineDefinition.ts, WORKFLOW_INVARIANT) at the definition's level:
 * every fault of a service call while an execution holds a claim without an incident ends in the
 * claim given back and a failed execution, and the next attempt completes the finding with exactly
 * one incident. (The generated state × error matrix is tests/faultMatrix; these are the cases the
 * issue names, each failing on the definition before issue 15.)
 */
describe("when AWS fails: nothing lost at any step", function () {
    this.timeout(120000);
    const accounts = replayAccounts("faults");

    async function account(options: AccountOptions = {}) {
        const opened = await accounts.account(options);
        /** What the invariant forbids once an execution ended: a live claim without an incident. */
        const liveClaim = async (event: Record<string, any>) => {
            const r = await opened.record(event);
            return r !== undefined && r.ClaimedBy !== undefined && r.IncidentArn === undefined;
        };
        return { ...opened, liveClaim };
    }
    const control = (id: string, severity = "HIGH") => {
        const event = findingEvent({ severity });
        event.detail.findings[0].Compliance.SecurityControlId = id;
        event.detail.findings[0].GeneratorId = `security-control/${id}`;
        return event;
    };
    const only = (d: Delivery) => { expect(d.runs).to.have.length(1); return d.runs[0]; };

    it("storm attach: a timeline event that never goes through gives the claim back and leaves the roll-up; a re-import attaches the finding", async () => {
        const { replay, incidents, record, item, liveClaim } = await account({ storms: { stormThreshold: 1 } });
        await replay.deliverFromInput(at(control("S3.8"), "2026-11-01T09:00:00Z"));
        const second = control("S3.8");
        const opener = only(await replay.deliverFromInput(at(second, "2026-11-01T09:01:00Z")));
        expect(opener.status, opener.cause).to.equal("SUCCEEDED");
        const rollup = incidents.incident((opener.output as { IncidentArn: string }).IncidentArn)!;
        const storm = (await record(second))!.StormItem.S as string;

        const third = control("S3.8");
        incidents.failAlways("ThrottlingException", "createTimelineEvent");
        const failed = only(await replay.deliverFromInput(at(third, "2026-11-01T09:02:00Z")));
        incidents.recover();
        expect(failed.status).to.equal("FAILED");
        expect(failed.error).to.equal("SsmIncidents.ThrottlingException");
        expect(failed.states.slice(-6)).to.deep.equal(["AddAttachedTimeline", "WhichClaim", "LeaveRollup", "WhichClaim", "ReleaseClaim", "IncidentNotOpened"]);
        expect(await liveClaim(third)).to.equal(false);
        // The roll-up does not wait for a finding that is not on it.
        const openFindings = (await item(storm))!.OpenFindings.SS as string[];
        expect(openFindings).to.have.length(1);

        const again = only(await replay.deliverFromInput(at(third, "2026-11-01T09:12:00Z")));
        expect(again.status, again.cause).to.equal("SUCCEEDED");
        expect((await record(third))!.IncidentArn.S).to.equal(rollup.incidentRecordArn);
        expect((await item(storm))!.OpenFindings.SS).to.have.length(2);
        expect(rollup.timeline.filter(e => e.eventData.includes(third.detail.findings[0].Id))).to.have.length(1);
        expect(incidents.incidents).to.have.length(2);
    });

    it("a claim written but its response lost, then throttled until retries run out: given back, and the next delivery opens the incident", async () => {
        const { replay, incidents, liveClaim } = await account();
        const event = findingEvent();
        const lost = failDynamoDbCalls(accounts.dynamoDb, "UpdateItem", "InternalServerError", { from: 1, afterApplying: true });
        const throttled = failDynamoDbCalls(accounts.dynamoDb, "UpdateItem", "ProvisionedThroughputExceededException", { from: 2, times: 5 });
        const failed = only(await replay.deliverFromInput(at(event, "2026-11-01T00:00:00Z")).finally(() => { throttled(); lost(); }));
        expect(failed.status).to.equal("FAILED");
        expect(failed.error).to.equal("DynamoDB.ProvisionedThroughputExceededException");
        expect(failed.states).to.deep.equal(["Route", "ClaimFinding", "WhichClaim", "ReleaseClaim", "IncidentNotOpened"]);
        expect(await liveClaim(event)).to.equal(false);
        const next = only(await replay.redeliver(event));
        expect(next.status, next.cause).to.equal("SUCCEEDED");
        expect(next.states).to.include("OpenIncident");
        expect(incidents.incidents).to.have.length(1);
    });

    it("a storm slot that cannot be counted gives the claim back", async () => {
        const { replay, incidents, liveClaim } = await account();
        const event = findingEvent();
        // ClaimFinding's write goes through; every attempt of ReserveSlot's fails.
        const restore = failDynamoDbCalls(accounts.dynamoDb, "UpdateItem", "InternalServerError", { from: 2, times: 6 });
        const failed = only(await replay.deliverFromInput(at(event, "2026-11-01T00:00:00Z")).finally(restore));
        expect(failed).to.deep.include({ status: "FAILED", error: "DynamoDB.InternalServerError" });
        expect(failed.states.slice(-4)).to.deep.equal(["ReserveSlot", "WhichClaim", "ReleaseClaim", "IncidentNotOpened"]);
        expect(await liveClaim(event)).to.equal(false);
        expect(only(await replay.redeliver(event)).status).to.equal("SUCCEEDED");
        expect(incidents.incidents).to.have.length(1);
    });

    it("an incident opened but never recorded: the claim is given back, and the next attempt links that same incident (one client token)", async () => {
        const { replay, incidents, record, liveClaim, sh } = await account();
        const event = findingEvent();
        // ClaimFinding, ReserveSlot and ReserveGlobalSlot write; RecordIncident's six attempts fail; ReleaseClaim writes.
        const restore = failDynamoDbCalls(accounts.dynamoDb, "UpdateItem", "InternalServerError", { from: 4, times: 6 });
        const failed = only(await replay.deliverFromInput(at(event, "2026-11-01T00:00:00Z")).finally(restore));
        expect(failed).to.deep.include({ status: "FAILED", error: "DynamoDB.InternalServerError" });
        expect(failed.states.slice(-5)).to.deep.equal(["Notified", "RecordIncident", "WhichClaim", "ReleaseClaim", "IncidentNotOpened"]);
        expect(await liveClaim(event)).to.equal(false);
        expect(incidents.incidents).to.have.length(1);
        const opened = incidents.incidents[0];
        // The finding is NOTIFIED (its re-imports no longer match): the retry of the failed execution is what completes it.
        expect(sh.finding(event.detail.findings[0].Id)!.Workflow.Status).to.equal("NOTIFIED");

        const retried = only(await replay.redeliver(at(event, "2026-11-01T00:10:00Z")));
        expect(retried.status, retried.cause).to.equal("SUCCEEDED");
        expect(retried.states).to.include("OpenIncident");
        expect(incidents.incidents).to.have.length(1);
        expect((await record(event))!.IncidentArn.S).to.equal(opened.incidentRecordArn);
        expect((await record(event))!.TokenSince).to.equal(undefined);
    });

    it("a re-open whose new incident cannot be recorded: the lock is dropped, and the next attempt links that same new incident", async () => {
        const { replay, incidents, record, liveClaim } = await account();
        const event = findingEvent();
        await replay.deliverFromInput(at(event, "2026-11-01T00:00:00Z"));
        incidents.resolve(incidents.incidents[0].incidentRecordArn);
        await replay.deliverFromInput(at(event, "2026-11-02T00:00:00Z", { compliance: "PASSED" }));
        // Failing again, Security Hub resets the finding to NEW. The re-open's UpdateItems: ClaimFinding (refused),
        // ReclaimForReopen, ReserveSlot, ReserveGlobalSlot, then RecordIncident's six attempts.
        const restore = failDynamoDbCalls(accounts.dynamoDb, "UpdateItem", "InternalServerError", { from: 5, times: 6 });
        const reopening = await replay.deliverFromInput(at(event, "2026-11-03T00:00:00Z", { compliance: "FAILED" })).finally(restore);
        const failed = only(reopening);
        expect(failed).to.deep.include({ status: "FAILED", error: "DynamoDB.InternalServerError" });
        expect(failed.states.slice(-3), failed.states.join()).to.deep.equal(["WhichClaim", "ReleaseReopen", "IncidentNotOpened"]);
        expect(await liveClaim(event)).to.equal(false);
        expect((await record(event))!.ReopeningBy).to.equal(undefined);
        expect(incidents.incidents).to.have.length(2);

        const retried = only(await replay.redeliver(reopening.event));
        expect(retried.status, retried.cause).to.equal("SUCCEEDED");
        expect(incidents.incidents).to.have.length(2);
        expect((await record(event))!.IncidentArn.S).to.equal(incidents.incidents[1].incidentRecordArn);
    });

    it("executions racing to open a roll-up send one identical request with the one client token", async () => {
        const { replay, incidents } = await account({ storms: { stormThreshold: 1 } });
        await replay.deliverFromInput(at(control("S3.8"), "2026-11-01T09:00:00Z"));
        // Hold every roll-up StartIncident until both racers have sent theirs, so both really race.
        const requests: StartIncidentRequest[] = [];
        const start = incidents.startIncident.bind(incidents);
        let release!: () => void;
        const bothSent = new Promise<void>(resolve => { release = resolve; });
        incidents.startIncident = async (request: StartIncidentRequest) => {
            if (request.Title?.startsWith("[storm]")) {
                requests.push(JSON.parse(JSON.stringify(request)));
                if (requests.length >= 2) release();
                await Promise.race([bothSent, new Promise(resolve => setTimeout(resolve, 2000))]);
            }
            return start(request);
        };
        const [critical, high] = [control("S3.8", "CRITICAL"), control("S3.8", "HIGH")];
        critical.detail.findings[0].Title = "A different title";
        const runs = (await Promise.all([
            replay.deliverFromInput(at(critical, "2026-11-01T09:05:00Z")),
            replay.deliverFromInput(at(high, "2026-11-01T09:05:00Z")),
        ]).finally(() => { incidents.startIncident = start; })).map(only);
        expect(runs.map(r => r.status)).to.deep.equal(["SUCCEEDED", "SUCCEEDED"]);
        expect(requests).to.have.length(2);
        expect(requests[1]).to.deep.equal(requests[0]);
        const rollups = incidents.incidents.filter(i => i.request.Title!.startsWith("[storm]"));
        expect(rollups).to.have.length(1);
        expect(runs.map(r => (r.output as { IncidentArn: string }).IncidentArn)).to.deep.equal([rollups[0].incidentRecordArn, rollups[0].incidentRecordArn]);
    });

    it("writes timeline EventData as a JSON-encoded string, as AWS's examples do", async () => {
        const { replay, incidents } = await account();
        const event = findingEvent();
        await replay.deliverFromInput(at(event, "2026-11-01T00:00:00Z"));
        await replay.deliverFromInput(at(event, "2026-11-02T00:00:00Z", { compliance: "PASSED" }));
        const [timelineEvent] = incidents.incidents[0].timeline;
        const decoded = JSON.parse(timelineEvent.eventData);
        expect(decoded).to.be.a("string");
        expect(decoded).to.equal(`Security Hub finding ${event.detail.findings[0].Id} was resolved. Workflow status RESOLVED, record state ACTIVE, compliance PASSED, at 2026-11-02T00:00:00Z.`);
    });

    it("a redelivered lifecycle event does not write the closed Note again", async () => {
        const { replay, sh, record } = await account();
        const event = findingEvent();
        await replay.deliverFromInput(at(event, "2026-11-01T00:00:00Z"));
        const closed = await replay.deliverFromInput(at(event, "2026-11-02T00:00:00Z", { compliance: "PASSED" }));
        expect(only(closed).status).to.equal("SUCCEEDED");
        const calls = sh.calls;
        const again = only(await replay.redeliver(closed.event));
        expect(again.status, again.cause).to.equal("SUCCEEDED");
        // The event still carries our open Note: linked, and RecordClosed's live lock stops it.
        expect(again.states).to.deep.equal(["Route", "ReadLinkedRecord", "Linked", "AddClosedTimeline", "RecordClosed", "ReadClosedRecord", "ClosedBefore", "AlreadyClosed"]);
        expect(sh.calls).to.equal(calls);
        expect((await record(event))!.ClosedAs.S).to.equal("resolved");
    });

    it("a closed Note Security Hub never processes fails the execution and leaves the record ready for the next attempt", async () => {
        const { replay, sh, record } = await account();
        const event = findingEvent();
        await replay.deliverFromInput(at(event, "2026-11-01T00:00:00Z"));
        const openNote = (await record(event))!.NoteText.S;
        sh.unprocessNext("ConcurrentUpdateError", WRITE_BACK_ATTEMPTS);
        const closed = only(await replay.deliverFromInput(at(event, "2026-11-02T00:00:00Z", { compliance: "PASSED" })));
        expect(closed).to.deep.include({ status: "FAILED", error: "SecurityHub.UnprocessedFindings" });
        expect(closed.cause).to.include("ConcurrentUpdateError");
        expect(closed.states.slice(-3)).to.deep.equal(["NoteClosed", "RestoreOpenNote", "NoteNotClosed"]);
        expect((await record(event))!.NoteText.S).to.equal(openNote);
        // The finding still carries the open Note: its next re-import (resolved) closes it.
        const next = only(await replay.deliverFromInput(at(event, "2026-11-02T12:00:00Z", { compliance: "PASSED" })));
        expect(next.status, next.cause).to.equal("SUCCEEDED");
        expect(sh.finding(event.detail.findings[0].Id)!.Note.Text).to.match(/^\[securityhub-incidents\] closed:/);
    });

    it("opens the incident of a NEW finding whose Note is not a string, rather than failing in Route", async () => {
        const { replay, incidents, record } = await account();
        const event = findingEvent();
        event.detail.findings[0].Note = { Text: 42, UpdatedBy: "someone" };
        const run = only(await replay.deliverFromInput(at(event, "2026-11-01T00:00:00Z")));
        expect(run.status, run.cause).to.equal("SUCCEEDED");
        expect(run.states.slice(0, 2)).to.deep.equal(["Route", "ClaimFinding"]);
        expect(incidents.incidents).to.have.length(1);
        expect((await record(event))!.IncidentArn.S).to.equal(incidents.incidents[0].incidentRecordArn);
    });

    describe("in the definition itself", () => {
        const definition = renderStateMachineDefinition({ ...INPUTS, resolveIncidentsWithFindings: true, findingFormats: ["ASFF", "OCSF"] });
        const states: Record<string, any> = definition.States;
        // Where a state goes on, giving the claim back aside (a storm slot's refusal is a Catch too).
        const next = (state: Record<string, any>): string[] =>
            [state.Next, state.Default, ...(state.Choices ?? []).map((c: any) => c.Next), ...(state.Catch ?? []).map((c: any) => c.Next)]
                .filter((n): n is string => typeof n === "string" && n !== "WhichClaim");

        it("catches every error into giving the claim back in each Task state that runs while a claim has no incident", () => {
            // The states from a claim taken (ClaimFinding, ReclaimForReopen) to the incident recorded, by normal transitions.
            const holding = new Set<string>(["ClaimFinding", "ReclaimForReopen"]);
            const visit = (name: string) => {
                if (holding.has(name) && name !== "ClaimFinding" && name !== "ReclaimForReopen") return;
                holding.add(name);
                if (name === "RecordIncident" || name === "RecordIncidentNotNotified") return;
                for (const n of next(states[name])) if (states[n].Type !== "Fail" && states[n].Type !== "Succeed") visit(n);
            };
            visit(states.ClaimFinding.Next);
            visit(states.ReclaimForReopen.Next);
            const tasks = [...holding].filter(n => states[n].Type === "Task").sort();
            expect(tasks).to.include.members(["ClaimFinding", "ReclaimForReopen", "ReserveSlot", "ReserveGlobalSlot", "ReadStorm", "ElectOpener", "OpenRollup", "RecordRollup", "AttachFinding", "AddRelatedItem", "AddAttachedTimeline", "OpenIncident", "NotifyFinding", "NotifyFindingV2", "RecordIncident", "RecordIncidentNotNotified"]);
            for (const name of tasks) {
                const all = (states[name].Catch ?? []).find((c: any) => c.ErrorEquals.includes("States.ALL"));
                expect(all, `${name} catches States.ALL`).to.not.equal(undefined);
                // Into giving the claim back, or on towards recording the incident that exists.
                expect(all.Next === "WhichClaim" || holding.has(all.Next), `${name} → ${all.Next}`).to.equal(true);
            }
        });

        it("never raises an error from a state's Output, and never retries a query evaluation error", () => {
            for (const { name, state } of taskStates(definition)) {
                expect(JSON.stringify(state.Output ?? ""), name).not.to.include("$error(");
                const retry: Array<{ ErrorEquals: string[]; MaxAttempts?: number }> = state.Retry ?? [];
                const broad = retry.findIndex(r => r.ErrorEquals.includes("States.TaskFailed") || r.ErrorEquals.includes("States.ALL"));
                if (broad >= 0) expect(retry[0], name).to.deep.equal({ ErrorEquals: ["States.QueryEvaluationError"], MaxAttempts: 0 });
                for (const r of retry.slice(1)) expect(r.ErrorEquals, name).not.to.include("States.QueryEvaluationError");
            }
        });
    });
});
