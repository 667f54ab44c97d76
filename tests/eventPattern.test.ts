import { expect } from "chai";
import { buildEventPattern, EVENT_DETAIL_TYPE, EVENT_SOURCE } from "../lib/eventPattern";
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
