import { expect } from "chai";
import aslValidator from "asl-validator";
import { StateMachine } from "aws-local-stepfunctions";
import {
    applyToggles, CLOSING_LOCK_SECONDS, DEDUP_EXPIRY_ATTRIBUTE, DEDUP_KEY_ATTRIBUTE, loadWorkflowTemplates, NOTE_CLOSED_PREFIX, NOTE_OPEN_PREFIX, renderStateMachineDefinition,
    requiredTaskPermissions, TASK_INTEGRATIONS, taskStates, TemplateError, toOneLine, WorkflowInputs, WorkflowTemplates,
    WRITE_BACK_ATTEMPTS, WRITE_BACK_RETRY_SECONDS,
} from "../lib/stateMachineDefinition";
import { RETRY_SETTINGS } from "../lib/config/retry";
import { buildLifecyclePattern } from "../lib/eventPattern";
import { matchEventPattern } from "../offline/eventPatternMatcher";
import { findingEvent } from "./support/findings";
import { DEFAULT_IMPACT_BY_SEVERITY } from "../lib/severity";
import { DYNAMODB_LIMITS, OCSF_EVENT_DETAIL_TYPE } from "../lib/limits";
import { stateMachineTaskPolicy, taskResources } from "../lib/policies";

const INPUTS: WorkflowInputs = {
    tableName: "securityhub-incidents-test",
    responsePlanArn: "arn:aws:ssm-incidents::111122223333:response-plan/securityhub-incidents-test",
    dedupTtlDays: 30,
    impactBySeverity: { ...DEFAULT_IMPACT_BY_SEVERITY },
};

function withTemplate(mutate: (t: WorkflowTemplates) => void): WorkflowTemplates {
    const templates = loadWorkflowTemplates();
    mutate(templates);
    return templates;
}

describe("state machine definition", () => {
    const definition = renderStateMachineDefinition(INPUTS);
    const text = JSON.stringify(definition);

    it("fills every placeholder", () => {
        expect(text).not.to.match(/\$\{/);
        expect(text).to.include(INPUTS.responsePlanArn);
        expect(definition.States.ClaimFinding.Arguments.TableName).to.equal(INPUTS.tableName);
        expect(definition.States.RecordIncident.Arguments).to.include(`'TableName': '${INPUTS.tableName}'`);
        expect(definition.States.ReleaseClaim.Arguments.TableName).to.equal(INPUTS.tableName);
        expect(definition.States.ClaimFinding.Arguments.ExpressionAttributeValues[":expires"].N).to.include(`+ ${30 * 86400})`);
    });

    it("passes asl-validator", () => {
        const { isValid, errorsText } = aslValidator(definition as any);
        expect(isValid, errorsText("\n")).to.equal(true);
    });

    it("inserts the JSONata program as one expression", () => {
        const args = definition.States.OpenIncident.Arguments as string;
        expect(args.startsWith("{% (")).to.equal(true);
        expect(args.endsWith(") %}")).to.equal(true);
        expect(args).not.to.include("\n");
        expect(args).not.to.include("/*");
        expect(args).to.include(JSON.stringify(DEFAULT_IMPACT_BY_SEVERITY));
    });

    it("claims with one conditional write on the table's own key and expiry attributes", () => {
        const claim = definition.States.ClaimFinding;
        expect(definition.States[definition.StartAt].Default).to.equal("ClaimFinding");
        expect(claim.Resource).to.equal("arn:aws:states:::dynamodb:updateItem");
        expect(Object.keys(claim.Arguments.Key)).to.deep.equal([DEDUP_KEY_ATTRIBUTE]);
        expect(claim.Arguments.UpdateExpression).to.include(`${DEDUP_EXPIRY_ATTRIBUTE} = :expires`);
        // Its own earlier write (a retry after a lost response) is not someone else's claim; a claim
        // given back, or one without incident past ClaimedUntil, is nobody's.
        expect(claim.Arguments.ConditionExpression).to.equal(`attribute_not_exists(${DEDUP_KEY_ATTRIBUTE}) OR ${DEDUP_EXPIRY_ATTRIBUTE} < :now OR ClaimedBy = :execution OR (attribute_not_exists(IncidentArn) AND (attribute_not_exists(ClaimedBy) OR ClaimedUntil < :now))`);
        expect(claim.Arguments.ExpressionAttributeValues[":execution"]).to.deep.equal({ S: "{% $states.context.Execution.Id %}" });
        // No read before the claim: the one GetItem runs only after the conditional write failed.
        // Each GetItem runs only after a conditional write failed: the claim (ReadRecord) or a storm slot (ReadStorm).
        const reads = taskStates(definition).filter(t => t.state.Resource === "arn:aws:states:::dynamodb:getItem").map(t => t.name);
        // ReadLinkedRecord and ReadRecord also read for the lifecycle rule's events (a closed finding's link, a NOTIFIED finding's activity).
        expect(reads).to.deep.equal(["ReadRecord", "ReadStorm", "ReadClosedRecord", "ReadLinkedRecord"]);
        const into = (name: string) => Object.entries<any>(definition.States).filter(([, s]) => JSON.stringify([s.Next, s.Default, s.Choices, s.Catch]).includes(`"${name}"`)).map(([n]) => n);
        // WaitForOpener: a more severe copy reads again once the execution opening the incident has linked it (after the failed claim's read).
        expect(into("ReadRecord")).to.deep.equal(["Route", "ClaimFinding", "WaitForOpener"]);
        expect(into("WaitForOpener")).to.deep.equal(["Decide"]);
        expect(into("ReadLinkedRecord")).to.deep.equal(["Route"]);
        // A storm slot refused (through StormOrProblem), or a problem group whose elected route is a storm's roll-up.
        expect(into("ReadStorm")).to.deep.equal(["ProblemState", "StormOrProblem"]);
        expect(into("StormOrProblem")).to.deep.equal(["ReserveSlot", "ReserveGlobalSlot"]);
        expect(into("ReadClosedRecord")).to.deep.equal(["RecordClosed"]);
        for (const slot of ["ReserveSlot", "ReserveGlobalSlot"]) expect(definition.States[slot].Catch[0].ErrorEquals).to.deep.equal(["DynamoDB.ConditionalCheckFailedException"]);
        expect(claim.Catch.map((c: any) => [c.ErrorEquals, c.Next])).to.deep.equal([[["DynamoDB.ConditionalCheckFailedException"], "ReadRecord"], [["States.ALL"], "WhichClaim"]]);
    });

    it("keys the record the same way in every state that touches it", () => {
        // The key expression as the claim renders it; every other state that touches the record has the same.
        const dedupKey = (definition.States.ClaimFinding.Arguments.Key[DEDUP_KEY_ATTRIBUTE].S as string).replace(/^\{% /, "").replace(/ %\}$/, "");
        const resolving = renderStateMachineDefinition({ ...INPUTS, resolveIncidentsWithFindings: true });
        const all = taskStates(resolving).filter(t => t.state.Resource.startsWith("arn:aws:states:::dynamodb:"));
        // The finding's record, and the storm items (counters and roll-ups, "#storm|…").
        const recordStates = ["ClaimFinding", "ReadRecord", "ReclaimForReopen", "RecordIncident", "RecordIncidentNotNotified", "ReleaseReopen", "ReleaseClaim", "ReadLinkedRecord", "RecordClosed", "ReadClosedRecord", "RestoreOpenNote", "RecordEscalation"];
        const stormStates = ["ReserveSlot", "ReserveGlobalSlot", "ReadStorm", "ElectOpener", "RecordRollup", "AttachFinding", "DetachFromRollup", "RejoinRollup", "LeaveRollup"];
        // The problem groups' items ("#problem|…", problem-facts.jsonata).
        const problemStates = ["JoinProblem", "ElectProblem", "RecordProblemIncident", "RenewProblem"];
        expect(all.map(t => t.name)).to.have.members([...recordStates, ...stormStates, ...problemStates]);
        for (const { name, state } of all.filter(t => problemStates.includes(t.name))) expect(JSON.stringify(state.Arguments), name).to.match(/ProblemItem/);
        const states = all.filter(t => recordStates.includes(t.name));
        for (const { name, state } of all.filter(t => stormStates.includes(t.name))) expect(JSON.stringify(state.Arguments), name).to.match(/#storm\||StormItem/);
        for (const { name, state } of states) {
            const args = state.Arguments;
            const key = typeof args === "string" ? args : args.Key[DEDUP_KEY_ATTRIBUTE].S;
            expect(key, name).to.include(dedupKey);
        }
        expect(dedupKey).to.include(`$length($id) <= ${DYNAMODB_LIMITS.plainKeyCodePoints} ?`);
        expect(dedupKey).to.include("$hash($id, 'SHA-256')");
        expect(DYNAMODB_LIMITS.plainKeyCodePoints * 4).to.be.at.most(DYNAMODB_LIMITS.partitionKeyBytes);
    });

    it("derives exactly the IAM actions its tasks call", () => {
        expect(requiredTaskPermissions(definition)).to.deep.equal({
            dedupTable: ["dynamodb:GetItem", "dynamodb:UpdateItem"],
            responsePlan: ["ssm-incidents:StartIncident"],
            // UpdateIncidentRecord: the escalation (EscalateIncident) even without resolveIncidentsWithFindings.
            incidentRecords: ["ssm-incidents:CreateTimelineEvent", "ssm-incidents:GetIncidentRecord", "ssm-incidents:UpdateIncidentRecord", "ssm-incidents:UpdateRelatedItems"],
            securityHub: ["securityhub:BatchUpdateFindings"],
            securityHubV2: [],
            anyResource: [],
            opsItems: [],
            automationExecutions: [],
            runbookDocument: [],
        });
        // Without the write-back, only storm roll-ups and problem groups read the table and touch
        // incidents after opening them (GetIncidentRecord: is a problem group's incident still open).
        expect(requiredTaskPermissions(renderStateMachineDefinition({ ...INPUTS, notifyFindings: false }))).to.deep.equal({
            dedupTable: ["dynamodb:GetItem", "dynamodb:UpdateItem"],
            responsePlan: ["ssm-incidents:StartIncident"],
            incidentRecords: ["ssm-incidents:CreateTimelineEvent", "ssm-incidents:GetIncidentRecord", "ssm-incidents:UpdateRelatedItems"],
            securityHub: [],
            securityHubV2: [],
            anyResource: [],
            opsItems: [],
            automationExecutions: [],
            runbookDocument: [],
        });
    });

    it("grants BatchUpdateFindingsV2 on the hubv2 resource type when OCSF findings are on", () => {
        const resources = taskResources({ partition: "aws-cn", region: "cn-north-1", accountId: "111122223333", tableArn: "t", responsePlanArns: [INPUTS.responsePlanArn!] });
        const statements = (formats: string[]) => stateMachineTaskPolicy(requiredTaskPermissions(renderStateMachineDefinition({ ...INPUTS, findingFormats: formats })), resources).Statement;
        const ocsf = statements(["ASFF", "OCSF"]);
        expect(ocsf.filter(s => (s.Action as string[]).includes("securityhub:BatchUpdateFindings")).map(s => [s.Sid, s.Resource])).to.deep.equal([
            ["WriteBackToFindings", ["arn:aws-cn:securityhub:cn-north-1:111122223333:hub/default"]],
            ["WriteBackToOcsfFindings", ["arn:aws-cn:securityhub:cn-north-1:111122223333:hubv2/*"]],
        ]);
        // ASFF only: no hubv2 statement.
        expect(statements(["ASFF"]).map(s => s.Sid)).not.to.include("WriteBackToOcsfFindings");
    });

    it("leaves out the states of features that are off, and every state they alone led to", () => {
        const names = (d: Record<string, any>) => Object.keys(d.States).sort();
        const plain = renderStateMachineDefinition({ ...INPUTS, notifyFindings: false, storms: { stormGroupBy: "off" }, groupStandardFindings: false });
        expect(plain.StartAt).to.equal("ClaimFinding");
        const storm = ["ReserveGlobalSlot", "ReadStorm", "HasRollup", "ElectOpener", "OpenRollup", "RecordRollup", "AttachFinding", "RoomForRelatedItem", "AddRelatedItem", "AddAttachedTimeline", "LeaveRollup"];
        expect(names(plain)).to.deep.equal(["ClaimFinding", "DuplicateFinding", "IncidentNotOpened", "OpenIncident", "RecordIncident", "ReleaseClaim", "ReleaseReopen", "WhichClaim", ...storm].sort());
        expect(plain.States.ClaimFinding.Catch[0].Next).to.equal("DuplicateFinding");
        expect(plain.States.ClaimFinding.Next).to.equal("ReserveGlobalSlot");
        // groupStandardFindings (on by default) adds the problem groups' states, entered from the claim and the slots.
        const problems = ["InProblemGroup", "JoinProblem", "ProblemState", "OwnOrProblem", "StormOrProblem", "ElectProblem", "OpenProblemIncident", "RecordProblemIncident", "CheckProblemIncident", "ProblemStillOpen", "IsProblemOpener", "RenewProblem"];
        const grouped = renderStateMachineDefinition({ ...INPUTS, notifyFindings: false, storms: { stormGroupBy: "off" } });
        expect(names(grouped)).to.deep.equal([...names(plain), ...problems].sort());
        expect(grouped.States.ClaimFinding.Next).to.equal("InProblemGroup");
        expect(grouped.States.InProblemGroup.Default).to.equal("ReserveGlobalSlot");
        expect(grouped.States.ReserveGlobalSlot.Next).to.equal("OwnOrProblem");
        expect(plain.States.OpenIncident.Next).to.equal("RecordIncident");
        expect(definition.States.ClaimFinding.Next).to.equal("InProblemGroup");
        expect(names(definition)).not.to.include("ResolveIncident");
        const resolving = renderStateMachineDefinition({ ...INPUTS, resolveIncidentsWithFindings: true });
        expect(resolving.States.AddClosedTimeline.Next).to.equal("OnRollup");
        expect(resolving.States.OnRollup.Default).to.equal("ResolveIncident");
        expect(definition.States.AddClosedTimeline.Next).to.equal("RecordClosed");
        expect(definition.States.RecordClosed.Next).to.equal("CloseNote");
        for (const d of [plain, resolving]) expect(aslValidator(d as any).isValid).to.equal(true);
        expect(() => applyToggles({ StartAt: "A", States: { A: { Type: "Pass", Comment: "[only with nothing]", End: true } } }, { notifyFindings: true, resolveIncidentsWithFindings: true, stormRollUp: true, ocsfFindings: true, groupStandardFindings: true }))
            .to.throw(TemplateError, /state A names unknown toggle nothing/);
    });

    it("routes exactly the events the lifecycle rule sends to the closing states", async () => {
        // The Route choice, run on the engine, against the EventBridge pattern, for every mix of note, status and record state.
        const route = { ...definition, StartAt: "Route", States: { Route: definition.States.Route, ReadLinkedRecord: { Type: "Succeed" }, ReadRecord: { Type: "Succeed" }, ClaimFinding: { Type: "Succeed" } } };
        const machine = new StateMachine(route as any, { validationOptions: { noValidate: true } });
        for (const note of [undefined, `${NOTE_OPEN_PREFIX} incident x`, `${NOTE_CLOSED_PREFIX} incident x`, "a person's note"]) {
            for (const status of ["NEW", "NOTIFIED", "RESOLVED", "SUPPRESSED", undefined]) {
                for (const record of ["ACTIVE", "ARCHIVED", undefined]) {
                    const event = findingEvent();
                    const finding = event.detail.findings[0];
                    if (note) finding.Note = { Text: note, UpdatedBy: "x" };
                    if (status) finding.Workflow.Status = status; else delete finding.Workflow;
                    if (record) finding.RecordState = record; else delete finding.RecordState;
                    const run = machine.run(event);
                    const states: string[] = [];
                    for await (const entry of run.eventLogs as AsyncGenerator<any>) if (entry.type === "StateEntered") states.push(entry.state.name);
                    await run.result;
                    // Closing events go to the record (whoever wrote the Note); NOTIFIED ones (activity) to ReadRecord.
                    const closes = states.includes("ReadLinkedRecord");
                    // (These are control findings: the pattern's activity branch, for findings without compliance, never matches.)
                    expect(closes, `${note} ${status} ${record}`).to.equal(matchEventPattern(buildLifecyclePattern(), event).matched);
                    if (!closes) expect(states.includes("ReadRecord"), `${note} ${status} ${record}`).to.equal(status === "NOTIFIED");
                }
            }
        }
    });

    it("routes a finding whose Note, comment, status or record state is not a string as a finding, without failing", async () => {
        // issue 14, item 9: StringMatches on a number failed the execution (offline: "Sample must be a string").
        const ocsf = renderStateMachineDefinition({ ...INPUTS, findingFormats: ["ASFF", "OCSF"] });
        const route = { ...ocsf, StartAt: "Route", States: { Route: ocsf.States.Route, ReadLinkedRecord: { Type: "Succeed" }, ReadRecord: { Type: "Succeed" }, ClaimFinding: { Type: "Succeed" } } };
        const machine = new StateMachine(route as any, { validationOptions: { noValidate: true } });
        const shapes: unknown[] = [42, true, null, ["[securityhub-incidents] open: incident x"], { Text: "x" }];
        const events: Array<Record<string, any>> = [];
        for (const shape of shapes) {
            const asff = findingEvent();
            asff.detail.findings[0].Note = { Text: shape, UpdatedBy: "x" };
            asff.detail.findings[0].Workflow.Status = "RESOLVED";
            events.push(asff);
            const status = findingEvent();
            status.detail.findings[0].Note = { Text: `${NOTE_OPEN_PREFIX} incident x`, UpdatedBy: "x" };
            status.detail.findings[0].Workflow = { Status: shape };
            status.detail.findings[0].RecordState = shape;
            events.push(status);
            events.push({ "detail-type": OCSF_EVENT_DETAIL_TYPE, detail: { findings: [{ comment: shape, status_id: 4 }] } });
        }
        for (const event of events) {
            const run = machine.run(event);
            const states: string[] = [];
            for await (const entry of run.eventLogs as AsyncGenerator<any>) if (entry.type === "StateEntered") states.push(entry.state.name);
            await run.result;
            expect(states, JSON.stringify(event.detail.findings[0]).slice(0, 200)).to.deep.equal(["Route", "ClaimFinding"]);
        }
    });

    it("refuses a task whose integration has no known IAM action", () => {
        const bad = { ...definition, States: { ...definition.States, Extra: { Type: "Task", Resource: "arn:aws:states:::sqs:sendMessage", End: true } } };
        expect(() => requiredTaskPermissions(bad)).to.throw(TemplateError, /state Extra: resource arn:aws:states:::sqs:sendMessage is not a known integration/);
        expect(Object.keys(TASK_INTEGRATIONS)).not.to.include("arn:aws:states:::sqs:sendMessage");
    });

    it("throws on an unknown placeholder, naming the file", () => {
        const templates = withTemplate(t => { t.template.text = t.template.text.replace('"${tableName}"', '"${tabelName}"'); });
        expect(() => renderStateMachineDefinition(INPUTS, templates)).to.throw(TemplateError, /incident-workflow\.asl\.json: unknown placeholder \$\{tabelName\}/);
    });

    it("throws on a placeholder left without a value", () => {
        expect(() => renderStateMachineDefinition({ ...INPUTS, responsePlanArn: "" })).to.throw(TemplateError, /(start-(incident|rollup)-arguments\.jsonata|incident-workflow\.asl\.json): placeholder \$\{responsePlanArn\} has no value/);
    });

    it("throws when a value is never used by any placeholder", () => {
        const templates = withTemplate(t => { t.template.text = t.template.text.split("${dedupTtlSeconds}").join("2592000"); });
        expect(() => renderStateMachineDefinition(INPUTS, templates)).to.throw(TemplateError, /values given but never used by any placeholder: dedupTtlSeconds/);
    });

    it("joins a commented JSONata program into one line without touching strings", () => {
        expect(toOneLine("/* note\n   more */\n(\n  $a := 'x  y';\n  /* inline */\n  $a\n)\n")).to.equal("( $a := 'x  y'; $a )");
    });

    it("the close lock outlasts the close path after RecordClosed and lapses before the retry of failed executions comes", () => {
        const full = renderStateMachineDefinition({ ...INPUTS, notifyFindings: true, resolveIncidentsWithFindings: true, findingFormats: ["ASFF", "OCSF"] });
        // Worst case of a state's retriers: every attempt at its capped interval (FULL jitter waits at most that).
        const worst = (name: string) => Math.max(...full.States[name].Retry.map((r: any) =>
            Array.from({ length: r.MaxAttempts ?? 3 }, (_, k) => Math.min((r.IntervalSeconds ?? 1) * (r.BackoffRate ?? 2) ** k, r.MaxDelaySeconds ?? Infinity))
                .reduce((a: number, b: number) => a + b, 0)));
        const closing = WRITE_BACK_ATTEMPTS * Math.max(worst("CloseNote"), worst("CloseNoteV2")) + (WRITE_BACK_ATTEMPTS - 1) * WRITE_BACK_RETRY_SECONDS + worst("RestoreOpenNote");
        expect(closing).to.be.below(CLOSING_LOCK_SECONDS);
        expect(CLOSING_LOCK_SECONDS).to.be.below(RETRY_SETTINGS.failedExecutionRetryDelayMinutes.default * 60);
        expect(full.States.RecordClosed.Arguments.ExpressionAttributeValues[":until"].N).to.include(`+ ${CLOSING_LOCK_SECONDS})`);
    });
});
