import { expect } from "chai";
import {
    buildEventPattern, buildLifecyclePattern, buildOcsfEventPattern, buildOcsfLifecyclePattern, EVENT_DETAIL_TYPE, EVENT_SOURCE,
    escalationLabels, EventFilterSettings, OCSF_EVENT_DETAIL_TYPE, ocsfStatusIdsFor,
} from "../lib/eventPattern";
import { NOTE_CLOSED_PREFIX, NOTE_OPEN_PREFIX } from "../lib/stateMachineDefinition";
import { OCSF_SEVERITY_ID_BY_LABEL, ocsfSeverityIdsFor, SEVERITY_LABELS, severityLabelForOcsfId } from "../lib/severity";
import { OCSF_STATUS_ID_BY_WORKFLOW_STATUS } from "../lib/limits";
import { matchEventPattern } from "../offline/eventPatternMatcher";
import { findingEvent, ocsfFindingEvent } from "./support/findings";
import { loadSettings } from "../lib/settings";
import { PROJECT_DIR } from "../offline/stackConfig";

describe("event pattern", () => {
    it("with default settings is the walkthrough's filter", () => {
        const pattern = buildEventPattern(loadSettings(() => undefined, PROJECT_DIR));
        expect(pattern).to.deep.equal({
            source: ["aws.securityhub"],
            "detail-type": ["Security Hub Findings - Imported"],
            detail: {
                findings: {
                    Severity: { Label: ["CRITICAL", "HIGH"] },
                    RecordState: ["ACTIVE"],
                    Workflow: { Status: ["NEW"] },
                    ProductFields: { "aws/securityhub/ProductName": ["Security Hub"] },
                    // Control findings only when they fail (complianceStatuses); other findings have no Compliance.
                    $or: [{ Compliance: { Status: ["FAILED"] } }, { Compliance: { Status: [{ exists: false }] } }],
                },
            },
        });
    });

    it("follows every filter setting", () => {
        const pattern = buildEventPattern({
            severityLabels: ["MEDIUM"],
            recordStates: ["ACTIVE", "ARCHIVED"],
            workflowStatuses: ["NEW", "NOTIFIED"],
            productNames: ["GuardDuty", "Inspector"],
        }) as any;
        expect(pattern.source).to.deep.equal([EVENT_SOURCE]);
        expect(pattern["detail-type"]).to.deep.equal([EVENT_DETAIL_TYPE]);
        expect(pattern.detail.findings.Severity.Label).to.deep.equal(["MEDIUM"]);
        expect(pattern.detail.findings.RecordState).to.deep.equal(["ACTIVE", "ARCHIVED"]);
        expect(pattern.detail.findings.Workflow.Status).to.deep.equal(["NEW", "NOTIFIED"]);
        expect(pattern.detail.findings.ProductFields["aws/securityhub/ProductName"]).to.deep.equal(["GuardDuty", "Inspector"]);
    });
});

const eq = (n: number) => ({ numeric: ["=", n] });
const defaults: EventFilterSettings = { severityLabels: ["CRITICAL", "HIGH"], recordStates: ["ACTIVE"], workflowStatuses: ["NEW"], productNames: ["Security Hub"] };

describe("OCSF severity and status ids (defined once)", () => {
    it("maps the five ASFF labels to severity_id 1-5, counts 6 Fatal as CRITICAL and gives 0 Unknown and 99 Other no label", () => {
        expect(OCSF_SEVERITY_ID_BY_LABEL).to.deep.equal({ INFORMATIONAL: 1, LOW: 2, MEDIUM: 3, HIGH: 4, CRITICAL: 5 });
        expect(ocsfSeverityIdsFor("CRITICAL")).to.deep.equal([5, 6]);
        expect(ocsfSeverityIdsFor("HIGH")).to.deep.equal([4]);
        for (const label of SEVERITY_LABELS) expect(severityLabelForOcsfId(OCSF_SEVERITY_ID_BY_LABEL[label])).to.equal(label);
        expect(severityLabelForOcsfId(6)).to.equal("CRITICAL");
        expect([0, 99, 7, "4", null].map(severityLabelForOcsfId)).to.deep.equal([undefined, undefined, undefined, undefined, undefined]);
    });

    it("maps workflow statuses as AWS's remediation solution does and ARCHIVED to status_id 5", () => {
        expect(OCSF_STATUS_ID_BY_WORKFLOW_STATUS).to.deep.equal({ NEW: 1, NOTIFIED: 2, SUPPRESSED: 3, RESOLVED: 4 });
        expect(ocsfStatusIdsFor({ recordStates: ["ACTIVE"], workflowStatuses: ["NEW"] })).to.deep.equal([1]);
        expect(ocsfStatusIdsFor({ recordStates: ["ACTIVE"], workflowStatuses: ["SUPPRESSED", "NEW", "RESOLVED"] })).to.deep.equal([1, 3, 4]);
        expect(ocsfStatusIdsFor({ recordStates: ["ACTIVE", "ARCHIVED"], workflowStatuses: ["NEW"] })).to.deep.equal([1, 5]);
        // ARCHIVED alone: the archived status stands in for every workflow status.
        expect(ocsfStatusIdsFor({ recordStates: ["ARCHIVED"], workflowStatuses: ["NEW", "NOTIFIED"] })).to.deep.equal([5]);
    });
});

describe("OCSF event pattern (Findings Imported V2)", () => {
    it("with default settings matches New High/Critical/Fatal Security Hub findings, numerically", () => {
        expect(buildOcsfEventPattern(defaults)).to.deep.equal({
            source: ["aws.securityhub"],
            "detail-type": ["Findings Imported V2"],
            detail: {
                findings: {
                    severity_id: [eq(4), eq(5), eq(6)],
                    status_id: [eq(1)],
                    metadata: { product: { name: ["Security Hub"] } },
                    $or: [{ compliance: { status: ["Fail"] } }, { compliance: { status: [{ exists: false }] } }],
                },
            },
        });
    });

    it("applies every filter setting through its counterpart", () => {
        const pattern = buildOcsfEventPattern({ severityLabels: ["MEDIUM", "INFORMATIONAL"], recordStates: ["ACTIVE", "ARCHIVED"], workflowStatuses: ["NEW", "SUPPRESSED"], productNames: ["GuardDuty", "Inspector"] }) as any;
        expect(pattern["detail-type"]).to.deep.equal([OCSF_EVENT_DETAIL_TYPE]);
        expect(pattern.detail.findings.severity_id).to.deep.equal([eq(1), eq(3)]);
        expect(pattern.detail.findings.status_id).to.deep.equal([eq(1), eq(3), eq(5)]);
        expect(pattern.detail.findings.metadata.product.name).to.deep.equal(["GuardDuty", "Inspector"]);
    });

    it("matches the findings the ASFF pattern would, and names the OCSF field that filtered the others", () => {
        const pattern = buildOcsfEventPattern(defaults);
        expect(matchEventPattern(pattern, ocsfFindingEvent()).matched).to.equal(true);
        expect(matchEventPattern(pattern, ocsfFindingEvent({ severityId: 6 })).matched).to.equal(true);
        expect(matchEventPattern(pattern, ocsfFindingEvent({ severityId: 3 }))).to.deep.equal({ matched: false, field: "detail.findings.severity_id" });
        expect(matchEventPattern(pattern, ocsfFindingEvent({ severityId: 99 }))).to.deep.equal({ matched: false, field: "detail.findings.severity_id" });
        expect(matchEventPattern(pattern, ocsfFindingEvent({ statusId: 5 }))).to.deep.equal({ matched: false, field: "detail.findings.status_id" });
        expect(matchEventPattern(pattern, ocsfFindingEvent({ productName: "GuardDuty" }))).to.deep.equal({ matched: false, field: "detail.findings.metadata.product.name" });
        // Each pattern only ever matches its own format.
        expect(matchEventPattern(pattern, { ...ocsfFindingEvent(), "detail-type": EVENT_DETAIL_TYPE })).to.deep.equal({ matched: false, field: "detail-type" });
        expect(matchEventPattern(buildEventPattern(defaults), ocsfFindingEvent())).to.deep.equal({ matched: false, field: "detail-type" });
    });

    it("does not match the echo of the workflow's own NOTIFIED write-back (status_id 2 In Progress, with our comment)", () => {
        const echo = ocsfFindingEvent({ statusId: OCSF_STATUS_ID_BY_WORKFLOW_STATUS.NOTIFIED, comment: `${NOTE_OPEN_PREFIX} incident arn:aws:ssm-incidents::111122223333:incident-record/p/1` });
        expect(matchEventPattern(buildOcsfEventPattern(defaults), echo)).to.deep.equal({ matched: false, field: "detail.findings.status_id" });
        // The lifecycle rule lets an In Progress finding in only without compliance (recurring activity); this one is a control.
        expect(matchEventPattern(buildOcsfLifecyclePattern(), echo).matched).to.equal(false);
        const { compliance, ...detection } = echo.detail.findings[0];
        expect(compliance).not.to.equal(undefined);
        expect(matchEventPattern(buildOcsfLifecyclePattern(), { ...echo, detail: { findings: [detection] } }).matched).to.equal(true);
    });

    it("matches a severity_id written as 4.0 but not as the string \"4\"", () => {
        const pattern = buildOcsfEventPattern(defaults);
        const event = ocsfFindingEvent();
        expect(matchEventPattern(pattern, JSON.parse(JSON.stringify(event).replace('"severity_id":4', '"severity_id":4.0'))).matched).to.equal(true);
        event.detail.findings[0].severity_id = "4";
        expect(matchEventPattern(pattern, event)).to.deep.equal({ matched: false, field: "detail.findings.severity_id" });
    });
});

describe("OCSF lifecycle pattern", () => {
    it("mirrors the ASFF one: any comment but our closed one and Resolved, Suppressed or Archived; or In Progress without compliance", () => {
        expect(buildOcsfLifecyclePattern()).to.deep.equal({
            source: ["aws.securityhub"],
            "detail-type": ["Findings Imported V2"],
            detail: {
                findings: {
                    $or: [
                        { comment: [{ "anything-but": { prefix: NOTE_CLOSED_PREFIX } }], status_id: [eq(3), eq(4), eq(5)] },
                        { status_id: [eq(2)], severity_id: [eq(4), eq(5), eq(6)], metadata: { product: { name: ["Security Hub"] } }, compliance: { status: [{ exists: false }] } },
                    ],
                },
            },
        });
        const asff = (buildLifecyclePattern() as any).detail.findings.$or;
        expect(asff[0].Note.Text).to.deep.equal([{ "anything-but": { prefix: NOTE_CLOSED_PREFIX } }]);
        expect(asff[2]).to.deep.include({ Workflow: { Status: ["NOTIFIED"] }, Compliance: { Status: [{ exists: false }] } });
        // With openFindingsNotifiedByOthers, failing controls too.
        expect((buildLifecyclePattern({ ...defaults, openFindingsNotifiedByOthers: true }) as any).detail.findings.$or[2].Compliance).to.deep.equal({ Status: ["FAILED", { exists: false }] });
    });

    it("matches exactly the findings with a comment (not our closed one) that were resolved, suppressed or archived", () => {
        const pattern = buildOcsfLifecyclePattern();
        const open = `${NOTE_OPEN_PREFIX} incident arn:aws:ssm-incidents::111122223333:incident-record/p/1`;
        const closed = `${NOTE_CLOSED_PREFIX} resolved`;
        for (let statusId = 0; statusId <= 6; statusId++) {
            for (const comment of [open, closed, "looked at it", undefined]) {
                // Any comment but our closed one: the incident comes from the record (another tool may have rewritten ours).
                const expected = comment !== undefined && comment !== closed && [3, 4, 5].includes(statusId);
                expect(matchEventPattern(pattern, ocsfFindingEvent({ statusId, comment })).matched, `status_id ${statusId}, comment ${comment}`).to.equal(expected);
            }
        }
        expect(matchEventPattern(pattern, ocsfFindingEvent({ statusId: 4 })).matched).to.equal(false);
    });
});

describe("escalation of NOTIFIED control findings (escalateNotifiedControlFindings, issue 16 item 7)", () => {
    const settings = (raw: Record<string, string> = {}) => loadSettings(key => raw[key], PROJECT_DIR);
    /** A control finding Security Hub re-imports after the write-back: NOTIFIED, with our Note. */
    const reimport = (severity: string, compliance = "FAILED") => {
        const event = findingEvent({ severity, workflowStatus: "NOTIFIED" });
        event.detail.findings[0].Compliance.Status = compliance;
        event.detail.findings[0].Note = { Text: `${NOTE_OPEN_PREFIX} incident x`, UpdatedBy: "securityhub-incidents", UpdatedAt: "2026-11-26T01:02:03.000Z" };
        return event;
    };
    it("lets in only the labels that could raise an incident: more severe than the least severe label of severityLabels", () => {
        expect(escalationLabels(settings())).to.deep.equal([]);
        expect(escalationLabels(settings({ escalateNotifiedControlFindings: "true" }))).to.deep.equal(["CRITICAL"]);
        expect(escalationLabels(settings({ escalateNotifiedControlFindings: "true", severityLabels: '["CRITICAL","HIGH","MEDIUM"]' }))).to.deep.equal(["CRITICAL", "HIGH"]);
        // Labels of one impact cannot raise each other; openFindingsNotifiedByOthers lets every NOTIFIED control in already.
        expect(escalationLabels(settings({ escalateNotifiedControlFindings: "true", impactBySeverity: '{"HIGH":1}' }))).to.deep.equal([]);
        expect(escalationLabels(settings({ escalateNotifiedControlFindings: "true", openFindingsNotifiedByOthers: "true" }))).to.deep.equal([]);
        expect(() => settings({ escalateNotifiedControlFindings: "true", notifyFindings: "false" })).to.throw(/escalateNotifiedControlFindings: needs notifyFindings/);
    });
    it("off (the default): the lifecycle patterns are unchanged and a NOTIFIED CRITICAL control re-import stays out", () => {
        expect(buildLifecyclePattern(settings({ escalateNotifiedControlFindings: "false" }))).to.deep.equal(buildLifecyclePattern(settings()));
        expect((buildLifecyclePattern(settings()) as any).detail.findings.$or).to.have.length(3);
        expect(matchEventPattern(buildLifecyclePattern(settings()), reimport("CRITICAL")).matched).to.equal(false);
    });
    it("on: the ASFF and OCSF lifecycle patterns match a NOTIFIED failing control of CRITICAL only, nothing else more", () => {
        const on = settings({ escalateNotifiedControlFindings: "true", findingFormats: '["ASFF","OCSF"]' });
        const asff = buildLifecyclePattern(on);
        const off = buildLifecyclePattern(settings());
        for (const severity of ["CRITICAL", "HIGH", "MEDIUM"]) {
            for (const compliance of ["FAILED", "PASSED", "WARNING"]) {
                const expected = severity === "CRITICAL" && compliance === "FAILED";
                expect(matchEventPattern(asff, reimport(severity, compliance)).matched, `${severity} ${compliance}`).to.equal(expected);
                expect(matchEventPattern(off, reimport(severity, compliance)).matched, `${severity} ${compliance} off`).to.equal(false);
            }
        }
        // Archived without a Note, or of a product the filter leaves out: out.
        const archived = reimport("CRITICAL");
        archived.detail.findings[0].RecordState = "ARCHIVED";
        delete archived.detail.findings[0].Note;
        expect(matchEventPattern(asff, archived).matched).to.equal(false);
        const other = reimport("CRITICAL");
        other.detail.findings[0].ProductFields["aws/securityhub/ProductName"] = "Config";
        expect(matchEventPattern(asff, other).matched).to.equal(false);
        const ocsf = buildOcsfLifecyclePattern(on);
        const inProgress = (severityId: number, compliance: "Pass" | "Fail" = "Fail") => ocsfFindingEvent({ statusId: 2, severityId, compliance, comment: `${NOTE_OPEN_PREFIX} incident x` });
        for (const severityId of [3, 4, 5, 6]) {
            expect(matchEventPattern(ocsf, inProgress(severityId)).matched, `severity_id ${severityId}`).to.equal(severityId >= 5);
            expect(matchEventPattern(ocsf, inProgress(severityId, "Pass")).matched, `severity_id ${severityId} Pass`).to.equal(false);
            expect(matchEventPattern(buildOcsfLifecyclePattern(settings()), inProgress(severityId)).matched).to.equal(false);
        }
    });
});
