/** A generated ASFF control finding for the benchmarks: what Security Hub CSPM sends for a failed (or passed) check. */
export interface GeneratedFinding {
    /** Makes the Id unique: the finding's number and a tag of the benchmark. */
    n: number;
    tag: string;
    control: string;
    title: string;
    account: string;
    updatedAt: string;
    severity: string;
    passed?: boolean;
    resource?: { Type: string; Id: string };
}

export function generatedFinding(g: GeneratedFinding): Record<string, unknown> {
    return {
        SchemaVersion: "2018-10-08",
        Id: `arn:aws:securityhub:ap-northeast-1:${g.account}:security-control/${g.control}/finding/${String(g.n).padStart(8, "0")}-${g.tag}`,
        ProductArn: "arn:aws:securityhub:ap-northeast-1::product/aws/securityhub",
        Region: "ap-northeast-1",
        GeneratorId: `security-control/${g.control}`,
        AwsAccountId: g.account,
        Types: ["Software and Configuration Checks/Industry and Regulatory Standards"],
        UpdatedAt: g.updatedAt,
        Severity: { Label: g.severity },
        Title: g.title,
        Description: `This control checks: ${g.title}.`,
        Remediation: { Recommendation: { Text: "See the controls documentation.", Url: `https://docs.aws.amazon.com/console/securityhub/${g.control}/remediation` } },
        ProductFields: { "aws/securityhub/ProductName": "Security Hub" },
        Resources: [g.resource ?? { Type: "AwsS3Bucket", Id: `arn:aws:s3:::${g.tag}-bucket-${g.n}` }],
        Compliance: { Status: g.passed ? "PASSED" : "FAILED", SecurityControlId: g.control },
        Workflow: { Status: "NEW" },
        RecordState: "ACTIVE",
    };
}
