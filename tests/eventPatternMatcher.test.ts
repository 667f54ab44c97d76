import { expect } from "chai";
import { failingFields, matchEventPattern } from "../offline/eventPatternMatcher";
import { buildEventPattern, buildOcsfEventPattern, buildOcsfLifecyclePattern } from "../lib/eventPattern";
import { NOTE_OPEN_PREFIX } from "../lib/stateMachineDefinition";
import { loadSettings } from "../lib/settings";
import { stackRules } from "../offline/simulation";
import { PROJECT_DIR, readStackConfig } from "../offline/stackConfig";
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

    it("the compiled matcher answers as the rules read plainly, field by field, on the stacks' patterns and hundreds of altered events", () => {
        // The matcher compiles each pattern level once (dotted names, string leaves as sets). The
        // reading below is the matcher as it was before (every level walked from the pattern
        // object, every failing field tried as a pattern of its own): both must give the same
        // result, the same failing fields and the same errors on every event.
        const patterns: Array<Record<string, unknown>> = [
            ...["dev", "prod", "opscenter"].flatMap(stack => Object.values(stackRules({ ...loadSettings(readStackConfig(stack).read, PROJECT_DIR), findingFormats: ["ASFF", "OCSF"] }))),
            { detail: { $or: [{ "c-count": [{ numeric: [">", 0, "<=", 5] }] }, { "d-count": [{ numeric: ["<", 10] }] }] }, source: ["aws.ec2", "aws.securityhub"] },
            { detail: { findings: { Note: { Text: [{ prefix: NOTE_OPEN_PREFIX }, { exists: false }] }, Workflow: { Status: [{ "anything-but": ["RESOLVED", "SUPPRESSED"] }] } } } },
            { detail: { findings: { Resources: { Id: [{ exists: true }], Type: ["AwsS3Bucket", 7, null, ""] } } } },
            { detail: { findings: { $or: [{ RecordState: ["ARCHIVED"] }, { Compliance: { Status: ["PASSED"] } }] } }, region: [{ "anything-but": { prefix: "us-" } }] },
            { detail: { findings: { Severity: { Label: [{ cidr: "10.0.0.0/24" }] } } } },
            { detail: { findings: { Severity: { Normalized: [{ numeric: ["==", 1] }] } } } },
            { detail: { $or: [{ findings: { Id: ["x"] } }] } },
            { detail: { findings: "not a list" } },
        ];
        let seed = 17;
        const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
        const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)];
        const replacements = [undefined, null, "", "NEW", "NOTIFIED", "HIGH", "Security Hub", 0, 5, 70, -1, [], ["HIGH", "LOW"], [null], [[["PASSED"]]], {}, { Status: "PASSED" }, true];
        /** A copy of the event with one value somewhere in it deleted or replaced. */
        const altered = (event: Record<string, any>): Record<string, any> => {
            const copy = JSON.parse(JSON.stringify(event));
            let node: any = copy;
            for (let depth = 0; depth < 6 && node !== null && typeof node === "object"; depth++) {
                const keys = Object.keys(node);
                if (keys.length === 0) break;
                const key = pick(keys);
                if (random() < 0.35 || node[key] === null || typeof node[key] !== "object") {
                    const value = pick(replacements);
                    if (value === undefined) delete node[key];
                    else node[key] = JSON.parse(JSON.stringify(value));
                    break;
                }
                node = node[key];
            }
            return copy;
        };
        const bases = [
            findingEvent(), findingEvent({ severity: "MEDIUM" }), findingEvent({ workflowStatus: "NOTIFIED" }), findingEvent({ productName: "GuardDuty" }),
            ocsfFindingEvent(), ocsfFindingEvent({ statusId: 2 }), ocsfFindingEvent({ severityId: 2 }), ec2Event,
        ];
        // Lists nested in lists (EventBridge flattens them), at the fields the patterns test.
        const nested = findingEvent();
        nested.detail.findings[0].Workflow.Status = [[["NEW"]], "x"];
        nested.detail.findings[0].Compliance = [{ Status: [["PASSED"]] }, { Status: "FAILED" }];
        nested.detail.findings[0].Severity = [[{ Label: "HIGH" }]];
        bases.push(nested, { ...nested, detail: { findings: [[nested.detail.findings[0]], {}] } });
        const events = bases.flatMap(base => [base, ...Array.from({ length: 40 }, () => altered(base))]);
        const outcome = (f: () => unknown) => {
            try {
                return { value: f() };
            } catch (err) {
                return { error: (err as Error).message };
            }
        };
        let compared = 0;
        let matched = 0;
        for (const pattern of patterns) {
            for (const event of events) {
                const [got, expected] = [outcome(() => matchEventPattern(pattern, event)), outcome(() => referenceMatch([event], pattern, ""))];
                expect(got, JSON.stringify({ pattern, event })).to.deep.equal(expected);
                expect(outcome(() => failingFields(pattern, event)), JSON.stringify({ pattern, event })).to.deep.equal(outcome(() => referenceFailing([event], pattern, "")));
                compared++;
                if ((got.value as { matched?: boolean } | undefined)?.matched) matched++;
            }
        }
        // Both outcomes occur (and errors: the last four patterns are malformed or unsupported).
        expect(compared).to.be.greaterThan(5000);
        expect(matched).to.be.greaterThan(100);
    });
});

// The matcher as it read patterns before they were compiled (see the test above).
function referenceValues(nodes: unknown[], key: string): unknown[] {
    const values: unknown[] = [];
    for (const node of nodes) {
        if (node === null || typeof node !== "object" || Array.isArray(node) || !(key in node)) continue;
        const value = (node as Record<string, unknown>)[key];
        if (Array.isArray(value)) values.push(...value.flat(Infinity));
        else values.push(value);
    }
    return values;
}

function referenceOne(value: unknown, matcher: unknown): boolean {
    if (matcher === null || typeof matcher !== "object") return value === matcher;
    const [operator, ...rest] = Object.keys(matcher);
    const spec = (matcher as Record<string, unknown>)[operator];
    if (rest.length > 0 || !["prefix", "anything-but", "exists", "numeric"].includes(operator)) throw new Error(`event pattern operator ${JSON.stringify(matcher)} is not supported by the offline matcher`);
    if (operator === "prefix") return typeof value === "string" && typeof spec === "string" && value.startsWith(spec);
    if (operator === "anything-but") {
        if (spec !== null && typeof spec === "object" && !Array.isArray(spec)) {
            const { prefix } = spec as { prefix?: string };
            if (prefix === undefined) throw new Error(`anything-but ${JSON.stringify(spec)} is not supported`);
            return typeof value === "string" && !value.startsWith(prefix);
        }
        return (typeof value === "string" || typeof value === "number") && !(Array.isArray(spec) ? spec : [spec]).includes(value);
    }
    if (operator === "numeric") {
        if (!Array.isArray(spec) || spec.length === 0 || spec.length % 2 !== 0 || spec.length > 4) throw new Error(`numeric ${JSON.stringify(spec)} must be one or two pairs of an operator and a number`);
        for (let i = 0; i < spec.length; i += 2) {
            if (!["<", "<=", "=", ">", ">="].includes(spec[i])) throw new Error(`numeric operator ${JSON.stringify(spec[i])} is not supported`);
            if (typeof spec[i + 1] !== "number" || !Number.isFinite(spec[i + 1])) throw new Error(`numeric ${JSON.stringify(spec)}: ${JSON.stringify(spec[i + 1])} is not a number`);
        }
        if (typeof value !== "number") return false;
        for (let i = 0; i < spec.length; i += 2) {
            const bound = spec[i + 1] as number;
            const ok = { "<": value < bound, "<=": value <= bound, "=": value === bound, ">": value > bound, ">=": value >= bound }[spec[i] as string];
            if (!ok) return false;
        }
        return true;
    }
    return false;
}

function referenceLeaf(values: unknown[], matchers: unknown[]): boolean {
    const existence = matchers.find(m => m !== null && typeof m === "object" && "exists" in (m as object)) as { exists: boolean } | undefined;
    if (existence) return existence.exists ? values.length > 0 : values.length === 0;
    return values.some(value => matchers.some(matcher => referenceOne(value, matcher)));
}

function referenceMatch(nodes: unknown[], pattern: Record<string, unknown>, path: string): { matched: true } | { matched: false; field: string } {
    for (const [key, expected] of Object.entries(pattern)) {
        const field = path ? `${path}.${key}` : key;
        if (key === "$or") {
            if (!Array.isArray(expected) || expected.length < 2) throw new Error(`event pattern field ${field} must be a list of at least two patterns`);
            if (!expected.some(branch => referenceMatch(nodes, branch as Record<string, unknown>, path).matched)) return { matched: false, field };
            continue;
        }
        const values = referenceValues(nodes, key);
        if (Array.isArray(expected)) {
            if (!referenceLeaf(values, expected)) return { matched: false, field };
        } else if (expected !== null && typeof expected === "object") {
            const inner = referenceMatch(values, expected as Record<string, unknown>, field);
            if (!inner.matched) return inner;
        } else {
            throw new Error(`event pattern field ${field} must be a list or an object`);
        }
    }
    return { matched: true };
}

function referenceFailing(nodes: unknown[], pattern: Record<string, unknown>, path: string): string[] {
    const failing: string[] = [];
    for (const [key, expected] of Object.entries(pattern)) {
        const field = path ? `${path}.${key}` : key;
        if (key === "$or" || Array.isArray(expected)) {
            if (!referenceMatch(nodes, { [key]: expected }, path).matched) failing.push(field);
        } else if (expected !== null && typeof expected === "object") {
            failing.push(...referenceFailing(referenceValues(nodes, key), expected as Record<string, unknown>, field));
        } else {
            throw new Error(`event pattern field ${field} must be a list or an object`);
        }
    }
    return failing;
}
