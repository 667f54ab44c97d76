import { expect } from "chai";
import { renderStateMachineDefinition, requiredTaskPermissions, TASK_INTEGRATIONS, WorkflowInputs } from "../lib/stateMachineDefinition";
import { DEFAULT_IMPACT_BY_SEVERITY, SEVERITY_LABELS } from "../lib/severity";
import * as crypto from "crypto";
import { DYNAMODB_LIMITS, INCIDENT_LIMITS, ISO_TIMESTAMP_PATTERN } from "../lib/limits";
import { LocalDynamoDb } from "../offline/localDynamoDb";
import { IncidentManagerStandIn, OpenedIncident } from "../offline/incidentManagerStandIn";
import { OfflineWorkflow } from "../offline/offlineWorkflow";
import { StatesError } from "../offline/stepFunctionsJsonata";
import { taskResources } from "../lib/policies";
import { ACCOUNT, findingEvent } from "./support/findings";
import { failDynamoDbCalls } from "./support/faults";

const TABLE = "securityhub-incidents-dedup";
const PLAN = `arn:aws:ssm-incidents::${ACCOUNT}:response-plan/securityhub-incidents-test`;
// The core of the workflow: claim, open, record, release. With notifyFindings (the default) the same
// states run between the write-back and lifecycle states that tests/lifecycle.test.ts covers.
// Storm roll-ups are off here (tests/storms.test.ts covers them); the hourly cap stays, set high.
// So are problem groups (tests/problemGroups.test.ts).
const INPUTS: WorkflowInputs = {
    tableName: TABLE, responsePlanArn: PLAN, dedupTtlDays: 30, impactBySeverity: { ...DEFAULT_IMPACT_BY_SEVERITY }, notifyFindings: false,
    storms: { stormGroupBy: "off", maxIncidentsPerHour: 100000 }, groupStandardFindings: false,
};
const codePoints = (s: string) => [...s].length;

describe("the incident workflow, executed offline (without the write-back)", function () {
    let dynamoDb: LocalDynamoDb;
    let incidents: IncidentManagerStandIn;
    let workflow: OfflineWorkflow;
    const workflows: OfflineWorkflow[] = [];

    before(async () => {
        dynamoDb = await LocalDynamoDb.start();
        await dynamoDb.createDedupTable(TABLE);
        incidents = new IncidentManagerStandIn([PLAN]);
        workflow = new OfflineWorkflow(renderStateMachineDefinition(INPUTS), { dynamoDb, incidents });
        workflows.push(workflow);
    });
    after(async () => dynamoDb.stop());
    afterEach(() => incidents.recover());

    const incidentsFor = (id: string): OpenedIncident[] =>
        incidents.incidents.filter(i => i.request.RelatedItems?.some(r => r.Title === "Security Hub finding" && String(r.Identifier.Value.Url).includes(encodeURIComponent(encodeURIComponent(id)))));
    const record = (id: string) => dynamoDb.getItem(TABLE, { FindingId: { S: id } });
    /** A record's live claim without an incident: what the invariant forbids once an execution ended. */
    const liveClaim = async (id: string) => { const item = await record(id); return item !== undefined && item.ClaimedBy !== undefined && item.IncidentArn === undefined; };
    const relatedTitles = (incident: OpenedIncident) => (incident.request.RelatedItems ?? []).map(r => r.Title);

    it("opens one incident for a new finding, with the title, impact, related items and trigger details", async () => {
        const event = findingEvent({ severity: "HIGH" });
        const id = event.detail.findings[0].Id;
        const before = Math.floor(Date.now() / 1000);
        const run = await workflow.run(event);
        expect(run.status).to.equal("SUCCEEDED");
        expect(run.states).to.deep.equal(["ClaimFinding", "ReserveGlobalSlot", "OpenIncident", "RecordIncident"]);

        const [incident, ...others] = incidentsFor(id);
        expect(others).to.have.length(0);
        const request = incident.request;
        expect(request.ResponsePlanArn).to.equal(PLAN);
        expect(request.Title).to.equal(`[${ACCOUNT}][HIGH]: S3 general purpose buckets should block public access`);
        expect(request.Impact).to.equal(2);
        expect(request.ClientToken).to.match(/^[0-9a-f]{64}$/);
        expect(relatedTitles(incident)).to.deep.equal(["Security Hub finding", "Remediation", "Related resource", "Finding ID"]);
        expect(request.RelatedItems![1].Identifier).to.deep.equal({ Type: "OTHER", Value: { Url: "https://docs.aws.amazon.com/console/securityhub/S3.8/remediation" } });
        expect(request.RelatedItems![2].Identifier).to.deep.equal({ Type: "INVOLVED_RESOURCE", Value: { Arn: "arn:aws:s3:::example-public-bucket" } });
        expect(request.RelatedItems![3].Identifier).to.deep.equal({ Type: "OTHER", Value: { Arn: id } });
        expect(request.RelatedItems![0].Identifier.Value.Url).to.match(/^https:\/\/console\.aws\.amazon\.com\/securityhub\/home\?region=ap-northeast-1#\/findings\?search=Id%3D%255Coperator%255C%253AEQUALS%255C%253A/);
        expect(request.TriggerDetails).to.deep.include({ Source: "securityhub-incidents", Timestamp: event.time, TriggerArn: id });
        const raw = JSON.parse(request.TriggerDetails!.RawData!);
        expect(raw).to.deep.include({ FindingId: id, Severity: "HIGH", AwsAccountId: ACCOUNT, ComplianceStatus: "FAILED" });

        const item = (await record(id))!;
        expect(item.IncidentArn.S).to.equal(incident.incidentRecordArn);
        expect(item.ClaimedBy.S).to.equal(run.executionArn);
        const expiresAt = Number(item.ExpiresAt.N);
        expect(expiresAt).to.be.within(before + 30 * 86400, Math.ceil(Date.now() / 1000) + 30 * 86400);
    });

    it("treats a re-import of the same finding as a duplicate", async () => {
        const event = findingEvent();
        const id = event.detail.findings[0].Id;
        expect((await workflow.run(event)).status).to.equal("SUCCEEDED");
        const again = await workflow.run({ ...findingEvent({ id }), time: "2026-11-27T01:02:04Z" });
        expect(again.status).to.equal("SUCCEEDED");
        expect(again.states).to.deep.equal(["ClaimFinding", "DuplicateFinding"]);
        expect(incidentsFor(id)).to.have.length(1);
    });

    it("opens the incident without a Remediation item when the finding has no remediation URL", async () => {
        const event = findingEvent({ remediationUrl: null });
        const run = await workflow.run(event);
        expect(run.status).to.equal("SUCCEEDED");
        const [incident] = incidentsFor(event.detail.findings[0].Id);
        expect(relatedTitles(incident)).to.deep.equal(["Security Hub finding", "Related resource", "Finding ID"]);
    });

    it("cuts a 256-character Japanese title to 200 characters with a visible ellipsis", async () => {
        const title = "公開アクセスがブロックされていないS3バケットが検出されました".repeat(10).slice(0, 256);
        expect(codePoints(title)).to.equal(256);
        const event = findingEvent({ title, severity: "CRITICAL" });
        expect((await workflow.run(event)).status).to.equal("SUCCEEDED");
        const [incident] = incidentsFor(event.detail.findings[0].Id);
        const sent = incident.request.Title!;
        expect(codePoints(sent)).to.equal(INCIDENT_LIMITS.titleLength);
        expect(sent.startsWith(`[${ACCOUNT}][CRITICAL]: 公開アクセス`)).to.equal(true);
        expect(sent.endsWith("…")).to.equal(true);
        expect(incident.request.Impact).to.equal(1);
    });

    it("leaves out a resource ID that is not an ARN instead of failing", async () => {
        const event = findingEvent({ resources: [{ Type: "AwsAccount", Id: `AWS::::Account:${ACCOUNT}` }] });
        const run = await workflow.run(event);
        expect(run.status).to.equal("SUCCEEDED");
        const [incident] = incidentsFor(event.detail.findings[0].Id);
        expect(relatedTitles(incident)).to.deep.equal(["Security Hub finding", "Remediation", "Finding ID"]);
        expect(JSON.parse(incident.request.TriggerDetails!.RawData!).Resources).to.deep.equal([{ Type: "AwsAccount", Id: `AWS::::Account:${ACCOUNT}` }]);
    });

    it("keeps quotes, braces and backslashes in the title as they are", async () => {
        const title = `Bucket "logs-{prod}" allows s3:* via 'C:\\path\\%s' {} [] $x`;
        const event = findingEvent({ title });
        expect((await workflow.run(event)).status).to.equal("SUCCEEDED");
        expect(incidentsFor(event.detail.findings[0].Id)[0].request.Title).to.equal(`[${ACCOUNT}][HIGH]: ${title}`);
    });

    it("adds every resource that is an ARN", async () => {
        const event = findingEvent({
            resources: [
                { Type: "AwsS3Bucket", Id: "arn:aws:s3:::bucket-a" },
                { Type: "AwsAccount", Id: `AWS::::Account:${ACCOUNT}` },
                { Type: "AwsIamRole", Id: `arn:aws:iam::${ACCOUNT}:role/reader` },
            ],
        });
        expect((await workflow.run(event)).status).to.equal("SUCCEEDED");
        const [incident] = incidentsFor(event.detail.findings[0].Id);
        const resources = incident.request.RelatedItems!.filter(r => r.Title === "Related resource").map(r => r.Identifier.Value.Arn);
        expect(resources).to.deep.equal(["arn:aws:s3:::bucket-a", `arn:aws:iam::${ACCOUNT}:role/reader`]);
    });

    it("opens exactly one incident for 50 concurrent deliveries of one new finding", async () => {
        const event = findingEvent();
        // Random delays make the 50 executions' DynamoDB calls interleave (a read-then-write check
        // opens many incidents under this load).
        dynamoDb.jitterMs = 10;
        const runs = await Promise.all(Array.from({ length: 50 }, () => workflow.run(event))).finally(() => { dynamoDb.jitterMs = 0; });
        expect(runs.every(r => r.status === "SUCCEEDED")).to.equal(true);
        expect(runs.filter(r => r.states.includes("OpenIncident"))).to.have.length(1);
        expect(runs.filter(r => r.states.includes("DuplicateFinding"))).to.have.length(49);
        expect(incidentsFor(event.detail.findings[0].Id)).to.have.length(1);
    });

    it("retries StartIncident through throttling and opens one incident", async () => {
        const event = findingEvent();
        incidents.failNext("ThrottlingException", 3);
        const calls = incidents.calls;
        const run = await workflow.run(event);
        expect(run.status).to.equal("SUCCEEDED");
        expect(incidents.calls - calls).to.equal(4);
        expect(run.transitions).to.equal(4 + 3);
        expect(incidentsFor(event.detail.findings[0].Id)).to.have.length(1);
    });

    it("retries conflicts and internal errors too", async () => {
        const event = findingEvent();
        incidents.failNext("ConflictException");
        incidents.failNext("InternalServerException");
        expect((await workflow.run(event)).status).to.equal("SUCCEEDED");
        expect(incidentsFor(event.detail.findings[0].Id)).to.have.length(1);
    });

    it("on permanent failure releases the claim and fails; the next delivery opens the incident", async () => {
        const event = findingEvent();
        const id = event.detail.findings[0].Id;
        incidents.failAlways("InternalServerException");
        const failed = await workflow.run(event);
        expect(failed.status).to.equal("FAILED");
        expect(failed.error).to.equal("SsmIncidents.InternalServerException");
        expect(failed.cause).to.include("InternalServerException");
        expect(failed.states).to.deep.equal(["ClaimFinding", "ReserveGlobalSlot", "OpenIncident", "WhichClaim", "ReleaseClaim", "IncidentNotOpened"]);
        expect(await liveClaim(id)).to.equal(false);
        expect(incidentsFor(id)).to.have.length(0);

        incidents.recover();
        const retried = await workflow.run(event);
        expect(retried.status).to.equal("SUCCEEDED");
        expect(incidentsFor(id)).to.have.length(1);
    });

    it("does not retry a request the service rejects as invalid", async () => {
        const event = findingEvent();
        incidents.failNext("ValidationException");
        const calls = incidents.calls;
        const run = await workflow.run(event);
        expect(run.status).to.equal("FAILED");
        expect(run.error).to.equal("SsmIncidents.ValidationException");
        expect(incidents.calls - calls).to.equal(1);
        expect(await liveClaim(event.detail.findings[0].Id)).to.equal(false);
    });

    it("retries a throttled claim and opens the incident", async () => {
        const event = findingEvent();
        dynamoDb.failNext("UpdateItem", "ProvisionedThroughputExceededException", 2);
        const run = await workflow.run(event);
        expect(run.status).to.equal("SUCCEEDED");
        expect(run.transitions).to.equal(4 + 2);
        expect(incidentsFor(event.detail.findings[0].Id)).to.have.length(1);
    });

    it("still fails with StartIncident's error when the claim cannot be released", async () => {
        const event = findingEvent();
        incidents.failAlways("AccessDeniedException");
        // The claim's and the hourly slot's writes go through; all six of ReleaseClaim's fail.
        const restore = failDynamoDbCalls(dynamoDb, "UpdateItem", "InternalServerError", { from: 3, times: 6 });
        const run = await workflow.run(event).finally(restore);
        expect(run.status).to.equal("FAILED");
        expect(run.error).to.equal("SsmIncidents.AccessDeniedException");
        expect(run.states).to.deep.equal(["ClaimFinding", "ReserveGlobalSlot", "OpenIncident", "WhichClaim", "ReleaseClaim", "IncidentNotOpened"]);
        // The claim stays until ClaimedUntil: the failed-executions alarm is what tells people.
        const item = (await record(event.detail.findings[0].Id))!;
        expect(item.ClaimedBy.S).to.equal(run.executionArn);
        expect(Number(item.ClaimedUntil.N)).to.be.above(Math.floor(Date.now() / 1000));
    });

    it("releases only its own claim", async () => {
        const event = findingEvent();
        const id = event.detail.findings[0].Id;
        // While this execution retries StartIncident, another execution takes the claim over.
        const startIncident = incidents.startIncident;
        incidents.startIncident = async () => {
            await dynamoDb.request("PutItem", { TableName: TABLE, Item: { FindingId: { S: id }, ClaimedBy: { S: "another-execution" }, ClaimedUntil: { N: String(Math.floor(Date.now() / 1000) + 3600) }, ExpiresAt: { N: String(Math.floor(Date.now() / 1000) + 3600) } } });
            throw new StatesError("SsmIncidents.InternalServerException", "injected");
        };
        const run = await workflow.run(event).finally(() => { incidents.startIncident = startIncident; });
        expect(run.status).to.equal("FAILED");
        expect(run.error).to.equal("SsmIncidents.InternalServerException");
        expect(run.states).to.deep.equal(["ClaimFinding", "ReserveGlobalSlot", "OpenIncident", "WhichClaim", "ReleaseClaim", "IncidentNotOpened"]);
        expect((await record(id))!.ClaimedBy.S).to.equal("another-execution");
    });

    it("opens the incident when the claim was written but its response was lost", async () => {
        const event = findingEvent();
        const id = event.detail.findings[0].Id;
        // DynamoDB applies the conditional put, then the call fails (500, timeout): the retry
        // meets the execution's own record and must not call it a duplicate.
        dynamoDb.failNext("UpdateItem", "InternalServerError", 1, { afterApplying: true });
        const run = await workflow.run(event);
        expect(run.status, run.cause).to.equal("SUCCEEDED");
        expect(run.states).to.deep.equal(["ClaimFinding", "ReserveGlobalSlot", "OpenIncident", "RecordIncident"]);
        expect(run.transitions).to.equal(4 + 1);
        expect(incidentsFor(id)).to.have.length(1);
        expect((await record(id))!.ClaimedBy.S).to.equal(run.executionArn);
    });

    it("still treats another execution's live claim as a duplicate after a lost claim response", async () => {
        const event = findingEvent();
        const id = event.detail.findings[0].Id;
        expect((await workflow.run(event)).status).to.equal("SUCCEEDED");
        dynamoDb.failNext("UpdateItem", "InternalServerError", 1, { afterApplying: true });
        const again = await workflow.run(event);
        expect(again.states).to.deep.equal(["ClaimFinding", "DuplicateFinding"]);
        expect(incidentsFor(id)).to.have.length(1);
    });

    it("records the incident when the first RecordIncident response was lost", async () => {
        const event = findingEvent();
        const id = event.detail.findings[0].Id;
        // The claim's and the hourly slot's writes go through; RecordIncident's first is applied, its response lost.
        const restore = failDynamoDbCalls(dynamoDb, "UpdateItem", "InternalServerError", { from: 3, afterApplying: true });
        const run = await workflow.run(event).finally(restore);
        expect(run.status, run.cause).to.equal("SUCCEEDED");
        expect(run.transitions).to.equal(4 + 1);
        expect(incidentsFor(id)).to.have.length(1);
        expect((await record(id))!.IncidentArn.S).to.equal(incidentsFor(id)[0].incidentRecordArn);
    });

    it("releases the claim and fails with StartIncident's error when the release response was lost", async () => {
        const event = findingEvent();
        const id = event.detail.findings[0].Id;
        incidents.failAlways("AccessDeniedException");
        const restore = failDynamoDbCalls(dynamoDb, "UpdateItem", "InternalServerError", { from: 3, afterApplying: true });
        const run = await workflow.run(event).finally(restore);
        expect(run.status).to.equal("FAILED");
        expect(run.error).to.equal("SsmIncidents.AccessDeniedException");
        expect((await record(id))?.ClaimedBy).to.equal(undefined);
        incidents.recover();
        expect((await workflow.run(event)).states).to.deep.equal(["ClaimFinding", "ReserveGlobalSlot", "OpenIncident", "RecordIncident"]);
        expect(incidentsFor(id)).to.have.length(1);
    });

    it("keys a finding ID too long for a DynamoDB partition key by its hash, and opens one incident", async () => {
        // 1,050 Japanese characters: 3,150 bytes of UTF-8, over DynamoDB's 2,048-byte key limit.
        const id = `custom/${"検出".repeat(521)}-1`;
        expect(Buffer.byteLength(id, "utf8")).to.be.above(DYNAMODB_LIMITS.partitionKeyBytes);
        // The offline table refuses such a key as DynamoDB does (dynalite alone counts characters).
        const direct = await dynamoDb.request("PutItem", { TableName: TABLE, Item: { FindingId: { S: id } } }).catch(e => e);
        expect(direct.name).to.equal("ValidationException");
        expect(direct.message).to.include("maximum size limit of2048 bytes");

        const event = findingEvent({ id });
        const run = await workflow.run(event);
        expect(run.status, run.cause).to.equal("SUCCEEDED");
        const key = `sha256:${crypto.createHash("sha256").update(id, "utf8").digest("hex")}`;
        const item = (await record(key))!;
        expect(item.FullFindingId.S).to.equal(id);
        expect(item.IncidentArn.S).to.match(/^arn:aws:ssm-incidents::/);
        expect((await workflow.run(event)).states).to.deep.equal(["ClaimFinding", "DuplicateFinding"]);
        expect(incidents.incidents.filter(i => i.incidentRecordArn === item.IncidentArn.S)).to.have.length(1);
    });

    it("keys a finding ID that fits by the ID itself", async () => {
        const id = `custom/${"検".repeat(DYNAMODB_LIMITS.plainKeyCodePoints - 7)}`;
        expect([...id].length).to.equal(DYNAMODB_LIMITS.plainKeyCodePoints);
        expect((await workflow.run(findingEvent({ id }))).status).to.equal("SUCCEEDED");
        expect((await record(id))!.FullFindingId.S).to.equal(id);
    });

    describe("findings that lack or garble fields AWS always sends", () => {
        const openOne = async (event: Record<string, any>) => {
            const run = await workflow.run(event);
            expect(run.status, run.cause).to.equal("SUCCEEDED");
            const incident = incidents.incident((run.output as { IncidentArn: string }).IncidentArn)!;
            expect(incidents.validate(incident.request)).to.deep.equal([]);
            return incident.request;
        };
        const findingLink = (request: { RelatedItems?: Array<{ Identifier: { Value: Record<string, unknown> } }> }) => String(request.RelatedItems![0].Identifier.Value.Url);

        it("leaves a 1,100-character Region out of the console link and uses the event's Region", async () => {
            const event = findingEvent();
            event.detail.findings[0].Region = "ap-northeast-1".repeat(79).slice(0, 1100);
            const request = await openOne(event);
            expect(findingLink(request)).to.match(/^https:\/\/console\.aws\.amazon\.com\/securityhub\/home\?region=ap-northeast-1#\/findings\?search=/);
            expect(JSON.parse(request.TriggerDetails!.RawData!).Region).to.equal("ap-northeast-1");
        });

        it("never puts a Region that is not a Region name into the link", async () => {
            const event = findingEvent();
            event.detail.findings[0].Region = "us-east-1&x=<script>#";
            event.region = "../evil";
            // Neither do its resources, product ARN and ID (the Region's fallbacks).
            for (const resource of event.detail.findings[0].Resources) resource.Region = "<script>";
            event.detail.findings[0].ProductArn = "arn:aws:securityhub:<script>::product/aws/securityhub";
            event.detail.findings[0].Id = "arn:aws:securityhub:../evil:111122223333:security-control/S3.8/finding/x";
            const request = await openOne(event);
            expect(findingLink(request)).to.match(/^https:\/\/console\.aws\.amazon\.com\/securityhub\/home#\/findings\?search=/);
            expect(findingLink(request)).not.to.include("script");
        });

        it("links the findings page without region= when neither the finding nor the event has one", async () => {
            const event = findingEvent();
            delete event.detail.findings[0].Region;
            delete event.region;
            // Nor its resources, product ARN or ID (a hand-made finding).
            for (const resource of event.detail.findings[0].Resources) delete resource.Region;
            event.detail.findings[0].ProductArn = "arn:aws:securityhub:::product/aws/securityhub";
            event.detail.findings[0].Id = "hand-made-finding-1";
            const request = await openOne(event);
            expect(findingLink(request)).not.to.include("region=");
            expect(findingLink(request)).to.match(/\/securityhub\/home#\/findings\?search=/);
        });

        it("takes the account from the event when the finding has no AwsAccountId", async () => {
            const event = findingEvent({ severity: "CRITICAL" });
            delete event.detail.findings[0].AwsAccountId;
            const request = await openOne(event);
            expect(request.Title).to.equal(`[${ACCOUNT}][CRITICAL]: S3 general purpose buckets should block public access`);
            delete event.account;
            const none = await openOne({ ...event, detail: { findings: [{ ...event.detail.findings[0], Id: `${event.detail.findings[0].Id}-2` }] } });
            expect(none.Title).to.equal("[unknown account][CRITICAL]: S3 general purpose buckets should block public access");
        });

        it("titles a finding without Title by its generator, never ending in ': '", async () => {
            const event = findingEvent();
            delete event.detail.findings[0].Title;
            expect((await openOne(event)).Title).to.equal(`[${ACCOUNT}][HIGH]: security-control/S3.8`);
            const blank = findingEvent({ title: "   " });
            delete blank.detail.findings[0].GeneratorId;
            expect((await openOne(blank)).Title).to.equal(`[${ACCOUNT}][HIGH]: Security Hub finding`);
        });

        it("sends the event time as the trigger timestamp only when it is an ISO-8601 date and time", async () => {
            const valid = findingEvent();
            valid.time = "2026-11-26T01:02:04.5+09:00";
            expect((await openOne(valid)).TriggerDetails!.Timestamp).to.equal("2026-11-26T01:02:04.5+09:00");
            for (const time of ["yesterday", "2026-11-26", 1764118924, "2026-13-01T00:00:00Z"]) {
                const event = { ...findingEvent(), time };
                const request = await openOne(event);
                expect(request.TriggerDetails!.Timestamp, String(time)).to.not.equal(time);
                expect(request.TriggerDetails!.Timestamp).to.match(new RegExp(ISO_TIMESTAMP_PATTERN));
            }
        });
    });

    it("opens a new incident when the finding's record has expired but not yet been deleted", async () => {
        const event = findingEvent();
        const id = event.detail.findings[0].Id;
        await dynamoDb.request("PutItem", {
            TableName: TABLE,
            Item: { FindingId: { S: id }, ClaimedBy: { S: "old-execution" }, ExpiresAt: { N: String(Math.floor(Date.now() / 1000) - 60) }, IncidentArn: { S: "arn:aws:ssm-incidents::111122223333:incident-record/old/1" } },
        });
        const run = await workflow.run(event);
        expect(run.states).to.deep.equal(["ClaimFinding", "ReserveGlobalSlot", "OpenIncident", "RecordIncident"]);
        expect(incidentsFor(id)).to.have.length(1);
        expect((await record(id))!.ClaimedBy.S).to.equal(run.executionArn);
    });

    it("treats a finding whose record expires in the future as a duplicate", async () => {
        const event = findingEvent();
        const id = event.detail.findings[0].Id;
        await dynamoDb.request("PutItem", {
            TableName: TABLE,
            Item: { FindingId: { S: id }, ClaimedBy: { S: "earlier-execution" }, ExpiresAt: { N: String(Math.floor(Date.now() / 1000) + 3600) } },
        });
        const run = await workflow.run(event);
        expect(run.states).to.deep.equal(["ClaimFinding", "DuplicateFinding"]);
        expect(incidentsFor(id)).to.have.length(0);
    });

    it("starts a CRITICAL and a HIGH finding's incidents on their own severities' response plans", async () => {
        const critical = `arn:aws:ssm-incidents::${ACCOUNT}:response-plan/securityhub-incidents-test-critical`;
        const standard = `arn:aws:ssm-incidents::${ACCOUNT}:response-plan/securityhub-incidents-test-standard`;
        const routed = new IncidentManagerStandIn([critical, standard, PLAN]);
        const definition = renderStateMachineDefinition({ ...INPUTS, responsePlanArnBySeverity: { CRITICAL: critical, HIGH: standard } });
        const routing = new OfflineWorkflow(definition, { dynamoDb, incidents: routed });
        for (const severity of ["CRITICAL", "HIGH", "MEDIUM"]) expect((await routing.run(findingEvent({ severity }))).status).to.equal("SUCCEEDED");
        // MEDIUM has no plan of its own: the stack's plan.
        expect(routed.incidents.map(i => i.request.ResponsePlanArn)).to.deep.equal([critical, standard, PLAN]);
        expect(taskResources({ partition: "aws", region: "ap-northeast-1", accountId: ACCOUNT, tableArn: "t", responsePlanArns: [PLAN, critical, standard, critical] }).responsePlan)
            .to.deep.equal([PLAN, critical, standard]);
    });

    it("maps every severity label to its configured impact", async () => {
        const custom = { ...DEFAULT_IMPACT_BY_SEVERITY, MEDIUM: 2 };
        const customWorkflow = new OfflineWorkflow(renderStateMachineDefinition({ ...INPUTS, impactBySeverity: custom }), { dynamoDb, incidents });
        for (const label of SEVERITY_LABELS) {
            const event = findingEvent({ severity: label });
            expect((await customWorkflow.run(event)).status).to.equal("SUCCEEDED");
            expect(incidentsFor(event.detail.findings[0].Id)[0].request.Impact, label).to.equal(custom[label]);
        }
    });

    it("stays within every Incident Manager limit for an oversized finding", async () => {
        const id = `arn:aws:securityhub:ap-northeast-1:${ACCOUNT}:product/${ACCOUNT}/default/` + "a/".repeat(220);
        const resources = Array.from({ length: 32 }, (_, i) => ({ Type: "AwsEc2Instance", Id: `arn:aws:ec2:ap-northeast-1:${ACCOUNT}:instance/i-${String(i).padStart(17, "0")}` + "x".repeat(380) }));
        const event = findingEvent({ id, resources, title: "界".repeat(256) });
        const run = await workflow.run(event);
        expect(run.status, run.cause).to.equal("SUCCEEDED");
        const incident = incidents.incidents[incidents.incidents.length - 1];
        expect(incidents.validate(incident.request)).to.deep.equal([]);
        expect(codePoints(incident.request.TriggerDetails!.RawData!)).to.be.at.most(INCIDENT_LIMITS.triggerRawDataLength);
        expect(incident.request.RelatedItems!.length).to.be.at.most(INCIDENT_LIMITS.relatedItems);
        // The direct console link would pass 1,000 characters: the findings page stands in for it.
        expect(incident.request.RelatedItems![0].Identifier.Value.Url).to.equal("https://console.aws.amazon.com/securityhub/home?region=ap-northeast-1#/findings");
    });

    it("leaves out the finding ID and trigger ARN when they are not ARNs", async () => {
        const id = "custom-product/finding-0001";
        const event = { ...findingEvent({ id }), resources: [] };
        const run = await workflow.run(event);
        expect(run.status, run.cause).to.equal("SUCCEEDED");
        const incident = incidents.incidents[incidents.incidents.length - 1];
        expect(relatedTitles(incident)).to.deep.equal(["Security Hub finding", "Remediation", "Related resource"]);
        expect(incident.request.TriggerDetails).not.to.have.property("TriggerArn");
    });

    it("past the hourly cap attaches the next finding to a global roll-up (related item, timeline event)", async () => {
        // Its own table, so that the hour's count starts at zero.
        await dynamoDb.createDedupTable(`${TABLE}-capped`);
        const capped = new OfflineWorkflow(renderStateMachineDefinition({ ...INPUTS, tableName: `${TABLE}-capped`, storms: { stormGroupBy: "off", maxIncidentsPerHour: 1 } }), { dynamoDb, incidents });
        const first = await capped.run(findingEvent());
        const second = await capped.run(findingEvent());
        expect(first.states).to.deep.equal(["ClaimFinding", "ReserveGlobalSlot", "OpenIncident", "RecordIncident"]);
        expect(second.states).to.deep.equal(["ClaimFinding", "ReserveGlobalSlot", "ReadStorm", "HasRollup", "ElectOpener", "OpenRollup", "RecordRollup", "AttachFinding", "RoomForRelatedItem", "AddRelatedItem", "AddAttachedTimeline", "RecordIncident"]);
        const rollup = incidents.incident((second.output as { IncidentArn: string }).IncidentArn)!;
        expect(rollup.request.Title).to.equal("[storm][HIGH] all findings: more than 1 incidents this hour");
        expect(rollup.timeline).to.have.length(1);
        workflows.push(capped);
    });

    it("called exactly the integrations its IAM policy grants", () => {
        const called = [...new Set(workflows.flatMap(w => [...w.calledResources].map(r => TASK_INTEGRATIONS[r].action)))].sort();
        const granted = Object.values(requiredTaskPermissions(workflow.definition)).flat().sort();
        expect(called).to.deep.equal(granted);
    });
});
