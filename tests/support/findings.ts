/**
 * Security Hub "Findings - Imported" events shaped like the ones Security Hub CSPM sends for a
 * failed control check (one finding per event), with overrides for each test case.
 */
export const ACCOUNT = "111122223333";
export const REGION = "ap-northeast-1";

export interface FindingOverrides {
    id?: string;
    title?: string;
    severity?: string;
    resources?: Array<{ Type: string; Id: string }>;
    remediationUrl?: string | null;
    recordState?: string;
    workflowStatus?: string;
    productName?: string;
}

let counter = 0;

export function findingId(n: number = ++counter): string {
    return `arn:aws:securityhub:${REGION}:${ACCOUNT}:security-control/S3.8/finding/${String(n).padStart(8, "0")}-4e7a-4c1f-9a56-1b2c3d4e5f60`;
}

export function findingEvent(o: FindingOverrides = {}): Record<string, any> {
    const id = o.id ?? findingId();
    const finding: Record<string, any> = {
        SchemaVersion: "2018-10-08",
        Id: id,
        ProductArn: `arn:aws:securityhub:${REGION}::product/aws/securityhub`,
        ProductName: "Security Hub",
        CompanyName: "AWS",
        Region: REGION,
        GeneratorId: "security-control/S3.8",
        AwsAccountId: ACCOUNT,
        Types: ["Software and Configuration Checks/Industry and Regulatory Standards"],
        FirstObservedAt: "2026-11-20T01:02:03.000Z",
        UpdatedAt: "2026-11-26T01:02:03.000Z",
        CreatedAt: "2026-11-20T01:02:03.000Z",
        Severity: { Label: o.severity ?? "HIGH", Normalized: 70, Original: o.severity ?? "HIGH" },
        Title: o.title ?? "S3 general purpose buckets should block public access",
        Description: "This control checks whether an Amazon S3 general purpose bucket blocks public access at the bucket level.",
        Remediation: o.remediationUrl === null ? undefined : {
            Recommendation: {
                Text: "For information on how to correct this issue, consult the AWS Security Hub controls documentation.",
                Url: o.remediationUrl ?? "https://docs.aws.amazon.com/console/securityhub/S3.8/remediation",
            },
        },
        ProductFields: { "aws/securityhub/ProductName": o.productName ?? "Security Hub", "aws/securityhub/CompanyName": "AWS" },
        Resources: o.resources ?? [{ Type: "AwsS3Bucket", Id: "arn:aws:s3:::example-public-bucket", Partition: "aws", Region: REGION }],
        Compliance: { Status: "FAILED", SecurityControlId: "S3.8" },
        WorkflowState: "NEW",
        Workflow: { Status: o.workflowStatus ?? "NEW" },
        RecordState: o.recordState ?? "ACTIVE",
    };
    if (finding.Remediation === undefined) delete finding.Remediation;
    return {
        version: "0",
        id: `event-${id.slice(-12)}-${Math.random().toString(16).slice(2, 10)}`,
        "detail-type": "Security Hub Findings - Imported",
        source: "aws.securityhub",
        account: ACCOUNT,
        time: "2026-11-26T01:02:04Z",
        region: REGION,
        resources: [id],
        detail: { findings: [finding] },
    };
}

/** A finding event at a time, with the compliance and states a re-import carries. */
export function at(base: Record<string, any>, time: string, changes: { compliance?: string; workflow?: string; record?: string; updatedAt?: string } = {}): Record<string, any> {
    const event = JSON.parse(JSON.stringify(base));
    const finding = event.detail.findings[0];
    event.id = `${event.id}-${time}`;
    event.time = time;
    finding.UpdatedAt = changes.updatedAt ?? time;
    if (changes.compliance) finding.Compliance.Status = changes.compliance;
    if (changes.workflow) finding.Workflow.Status = changes.workflow;
    if (changes.record) finding.RecordState = changes.record;
    return event;
}
