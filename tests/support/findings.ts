import { createHash } from "crypto";

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

export interface OcsfFindingOverrides {
    uid?: string;
    title?: string;
    severityId?: number;
    statusId?: number;
    productName?: string;
    comment?: string;
    compliance?: "Pass" | "Warning" | "Fail";
    time?: string;
}

const OCSF_SEVERITY = ["Unknown", "Informational", "Low", "Medium", "High", "Critical", "Fatal"];
const OCSF_STATUS = ["Unknown", "New", "In Progress", "Suppressed", "Resolved", "Archived", "Deleted"];
const COMPLIANCE_ID = { Pass: 1, Warning: 2, Fail: 3 } as const;

/**
 * A "Findings Imported V2" event shaped like the one the new Security Hub sends for a failed CSPM
 * control (OCSF Compliance Finding, class 2003; ../shared/reference/ocsf-v2.md), with overrides.
 * Its finding_info.uid is the same string as findingEvent()'s Id for the same n.
 */
export function ocsfFindingEvent(o: OcsfFindingOverrides = {}): Record<string, any> {
    const uid = o.uid ?? findingId();
    // Security Hub's own id: 64 hex characters (ocsf-v2.md), here derived from the finding's uid.
    const metadataUid = createHash("sha256").update(uid).digest("hex");
    const severityId = o.severityId ?? 4;
    const statusId = o.statusId ?? 1;
    const time = o.time ?? "2026-11-26T01:02:03.000Z";
    const compliance = o.compliance ?? "Fail";
    const finding: Record<string, any> = {
        activity_id: 1,
        activity_name: "Create",
        category_uid: 2,
        class_uid: 2003,
        class_name: "Compliance Finding",
        type_uid: 200301,
        cloud: { account: { uid: ACCOUNT, type: "AWS Account", type_id: 10 }, provider: "AWS", region: REGION },
        compliance: { control: "S3.8", standards: ["aws-foundational-security-best-practices/v/1.0.0"], status: compliance, status_id: COMPLIANCE_ID[compliance] },
        finding_info: {
            uid,
            title: o.title ?? "S3 general purpose buckets should block public access",
            desc: "This control checks whether an Amazon S3 general purpose bucket blocks public access at the bucket level.",
            created_time_dt: "2026-11-20T01:02:03.000Z",
            modified_time_dt: time,
        },
        metadata: {
            uid: metadataUid,
            product: { name: o.productName ?? "Security Hub", uid: `arn:aws:securityhub:${REGION}::productv2/aws/securityhub`, vendor_name: "AWS" },
            version: "1.6.0",
        },
        remediation: { desc: "For information on how to correct this issue, consult the AWS Security Hub controls documentation.", references: ["https://docs.aws.amazon.com/console/securityhub/S3.8/remediation"] },
        resources: [{ type: "AWS::S3::Bucket", uid: "example-public-bucket", uid_alt: "arn:aws:s3:::example-public-bucket", region: REGION, owner: { account: { uid: ACCOUNT } } }],
        severity: OCSF_SEVERITY[severityId] ?? "Other",
        severity_id: severityId,
        status: OCSF_STATUS[statusId] ?? "Other",
        status_id: statusId,
        time: Date.parse(time),
        time_dt: time,
    };
    if (o.comment !== undefined) finding.comment = o.comment;
    return {
        version: "0",
        id: `event-${uid.slice(-12)}-${Math.random().toString(16).slice(2, 10)}`,
        "detail-type": "Findings Imported V2",
        source: "aws.securityhub",
        account: ACCOUNT,
        time: "2026-11-26T01:02:04Z",
        region: REGION,
        resources: [metadataUid],
        detail: { findings: [finding] },
    };
}
