import { expect } from "chai";
import { matchEventPattern } from "../offline/eventPatternMatcher";
import { buildEventPattern, buildOcsfEventPattern, buildOcsfLifecyclePattern } from "../lib/eventPattern";
import { NOTE_OPEN_PREFIX } from "../lib/stateMachineDefinition";
import { findingEvent, ocsfFindingEvent } from "./support/findings";

// The EC2 state-change event the EventBridge user guide uses in its pattern examples.
const ec2Event = {
    version: "0",
    id: "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
    "detail-type": "EC2 Instance State-change Notification",
    source: "aws.ec2",
    account: "111122223333",
    time: "2017-12-22T18:43:48Z",
    region: "us-west-1",
    resources: ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
    detail: { "instance-id": "i-1234567890abcdef0", state: "terminated", "c-count": 5, "d-count": 3, "x-limit": 301.8, "source-ip": "10.0.0.123" },
};

describe("event pattern matcher", () => {
    it("matches $or: any one of its patterns (the user guide's c-count/d-count example)", () => {
        const pattern = { detail: { $or: [{ "c-count": [{ numeric: [">", 0, "<=", 5] }] }, { "d-count": [{ numeric: ["<", 10] }] }, { "x-limit": [{ numeric: ["=", 3.018e2] }] }] } };
        expect(matchEventPattern(pattern, ec2Event)).to.deep.equal({ matched: true });
        const none = { detail: { $or: [{ "c-count": [{ numeric: [">", 5] }] }, { "d-count": [{ numeric: [">", 3] }] }] } };
        expect(matchEventPattern(none, ec2Event)).to.deep.equal({ matched: false, field: "detail.$or" });
        expect(() => matchEventPattern({ detail: { $or: [{ state: ["x"] }] } }, ec2Event)).to.throw(/at least two patterns/);
    });

    it("matches exact values and nested fields (AND across fields, OR within a list)", () => {
        expect(matchEventPattern({ source: ["aws.ec2"], detail: { state: ["running", "terminated"] } }, ec2Event)).to.deep.equal({ matched: true });
        expect(matchEventPattern({ source: ["aws.ec2"], detail: { state: ["running"] } }, ec2Event)).to.deep.equal({ matched: false, field: "detail.state" });
    });

    it("matches an event array when it intersects the pattern's values", () => {
        const pattern = { resources: ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0", "arn:aws:ec2:us-west-1:123456789012:instance/i-other"] };
        expect(matchEventPattern(pattern, ec2Event).matched).to.equal(true);
        expect(matchEventPattern({ resources: ["arn:aws:ec2:us-west-1:123456789012:instance/i-other"] }, ec2Event).matched).to.equal(false);
    });

    it("does not match a field the event lacks", () => {
        expect(matchEventPattern({ detail: { "instance-type": ["t3.micro"] } }, ec2Event)).to.deep.equal({ matched: false, field: "detail.instance-type" });
    });

    it("matches prefixes", () => {
        expect(matchEventPattern({ time: [{ prefix: "2017-12-22" }] }, ec2Event).matched).to.equal(true);
        expect(matchEventPattern({ time: [{ prefix: "2017-10-02" }] }, ec2Event).matched).to.equal(false);
    });

    it("matches anything but a value, a list or a prefix", () => {
        expect(matchEventPattern({ detail: { state: [{ "anything-but": "initializing" }] } }, ec2Event).matched).to.equal(true);
        expect(matchEventPattern({ detail: { state: [{ "anything-but": ["stopped", "terminated"] }] } }, ec2Event).matched).to.equal(false);
        expect(matchEventPattern({ region: [{ "anything-but": { prefix: "us-" } }] }, ec2Event).matched).to.equal(false);
        expect(matchEventPattern({ detail: { "x-limit": [{ "anything-but": 123 }] } }, ec2Event).matched).to.equal(true);
    });

    it("matches numeric ranges", () => {
        expect(matchEventPattern({ detail: { "c-count": [{ numeric: [">", 0, "<=", 5] }] } }, ec2Event).matched).to.equal(true);
        expect(matchEventPattern({ detail: { "d-count": [{ numeric: ["<", 10] }] } }, ec2Event).matched).to.equal(true);
        expect(matchEventPattern({ detail: { "x-limit": [{ numeric: ["=", 3.018e2] }] } }, ec2Event).matched).to.equal(true);
        expect(matchEventPattern({ detail: { "c-count": [{ numeric: [">", 5] }] } }, ec2Event).matched).to.equal(false);
    });

    it("compares numbers numerically: 4 equals 4.0 and 4e0, a string \"4\" matches no numeric matcher", () => {
        const four = { numeric: ["=", 4] };
        for (const text of ['{"n": 4}', '{"n": 4.0}', '{"n": 4e0}', '{"n": 40e-1}']) {
            expect(matchEventPattern({ n: [four] }, JSON.parse(text)).matched, text).to.equal(true);
        }
        expect(matchEventPattern({ n: [four] }, { n: "4" })).to.deep.equal({ matched: false, field: "n" });
        expect(matchEventPattern({ n: [{ numeric: [">=", 4] }] }, { n: "5" }).matched).to.equal(false);
        expect(matchEventPattern({ n: [{ numeric: [">=", 4] }] }, { n: null }).matched).to.equal(false);
        // Several numeric matchers in one list: any one of them (OR), as the OCSF patterns list ids.
        const ids = { n: [{ numeric: ["=", 1] }, { numeric: ["=", 3] }] };
        expect([1, 2, 3, 3.0].map(n => matchEventPattern(ids, { n }).matched)).to.deep.equal([true, false, true, true]);
        // A list of numbers in the event matches when any element does.
        expect(matchEventPattern(ids, { n: [7, 3] }).matched).to.equal(true);
    });

    it("refuses malformed numeric matchers as EventBridge refuses the rule", () => {
        expect(() => matchEventPattern({ n: [{ numeric: ["=="] }] }, { n: 1 })).to.throw(/must be one or two pairs of an operator and a number/);
        expect(() => matchEventPattern({ n: [{ numeric: ["==", 1] }] }, { n: 1 })).to.throw(/numeric operator "==" is not supported/);
        expect(() => matchEventPattern({ n: [{ numeric: ["=", "4"] }] }, { n: 4 })).to.throw(/"4" is not a number/);
        expect(() => matchEventPattern({ n: [{ numeric: 4 }] }, { n: 4 })).to.throw(/must be one or two pairs/);
    });

    it("matches prefixes on strings only, also inside $or and numeric siblings (the OCSF lifecycle pattern)", () => {
        expect(matchEventPattern({ c: [{ prefix: "4" }] }, { c: 42 }).matched).to.equal(false);
        const pattern = { detail: { findings: { comment: [{ prefix: "[x] open:" }], $or: [{ status_id: [{ numeric: [">=", 3, "<=", 5] }] }, { archived: [true] }] } } };
        expect(matchEventPattern(pattern, { detail: { findings: [{ comment: "[x] open: 1", status_id: 4 }] } }).matched).to.equal(true);
        expect(matchEventPattern(pattern, { detail: { findings: [{ comment: "[x] open: 1", status_id: 2 }] } })).to.deep.equal({ matched: false, field: "detail.findings.$or" });
        expect(matchEventPattern(pattern, { detail: { findings: [{ comment: "[x] closed: 1", status_id: 4 }] } })).to.deep.equal({ matched: false, field: "detail.findings.comment" });
    });

    it("applies the project's OCSF patterns to V2 events, naming the OCSF field that filtered", () => {
        const pattern = buildOcsfEventPattern({ severityLabels: ["CRITICAL", "HIGH"], recordStates: ["ACTIVE"], workflowStatuses: ["NEW"], productNames: ["Security Hub"] });
        expect(matchEventPattern(pattern, ocsfFindingEvent()).matched).to.equal(true);
        expect(matchEventPattern(pattern, ocsfFindingEvent({ severityId: 2 }))).to.deep.equal({ matched: false, field: "detail.findings.severity_id" });
        expect(matchEventPattern(pattern, ocsfFindingEvent({ statusId: 2 }))).to.deep.equal({ matched: false, field: "detail.findings.status_id" });
        expect(matchEventPattern(pattern, ocsfFindingEvent({ productName: "Inspector" }))).to.deep.equal({ matched: false, field: "detail.findings.metadata.product.name" });
        expect(matchEventPattern(buildOcsfLifecyclePattern(), ocsfFindingEvent({ statusId: 4, comment: `${NOTE_OPEN_PREFIX} incident x` })).matched).to.equal(true);
        expect(matchEventPattern(pattern, findingEvent())).to.deep.equal({ matched: false, field: "detail-type" });
    });

    it("matches on existence", () => {
        expect(matchEventPattern({ detail: { state: [{ exists: true }] } }, ec2Event).matched).to.equal(true);
        expect(matchEventPattern({ detail: { state: [{ exists: false }] } }, ec2Event).matched).to.equal(false);
        expect(matchEventPattern({ detail: { "no-such-field": [{ exists: false }] } }, ec2Event).matched).to.equal(true);
    });

    it("matches null and empty-string values only to themselves", () => {
        const event = { detail: { responseElements: null, eventVersion: "" } };
        expect(matchEventPattern({ detail: { responseElements: [null] } }, event).matched).to.equal(true);
        expect(matchEventPattern({ detail: { eventVersion: [""] } }, event).matched).to.equal(true);
        expect(matchEventPattern({ detail: { eventVersion: [null] } }, event).matched).to.equal(false);
    });

    it("refuses operators it does not implement", () => {
        expect(() => matchEventPattern({ detail: { "source-ip": [{ cidr: "10.0.0.0/24" }] } }, ec2Event)).to.throw(/not supported by the offline matcher/);
    });

    it("applies the project's own pattern to Security Hub events, naming the field that filtered", () => {
        const pattern = buildEventPattern({ severityLabels: ["CRITICAL", "HIGH"], recordStates: ["ACTIVE"], workflowStatuses: ["NEW"], productNames: ["Security Hub"] });
        expect(matchEventPattern(pattern, findingEvent({ severity: "HIGH" })).matched).to.equal(true);
        expect(matchEventPattern(pattern, findingEvent({ severity: "MEDIUM" }))).to.deep.equal({ matched: false, field: "detail.findings.Severity.Label" });
        expect(matchEventPattern(pattern, findingEvent({ recordState: "ARCHIVED" }))).to.deep.equal({ matched: false, field: "detail.findings.RecordState" });
        expect(matchEventPattern(pattern, findingEvent({ workflowStatus: "NOTIFIED" }))).to.deep.equal({ matched: false, field: "detail.findings.Workflow.Status" });
        expect(matchEventPattern(pattern, findingEvent({ productName: "GuardDuty" }))).to.deep.equal({ matched: false, field: "detail.findings.ProductFields.aws/securityhub/ProductName" });
        expect(matchEventPattern(pattern, { ...findingEvent(), "detail-type": "Findings Imported V2" })).to.deep.equal({ matched: false, field: "detail-type" });
    });
});
