/**
 * The well-known producers of Security Hub findings: one table, the single source of truth for
 * what preview, synth and simulate say the `productNames` filter excludes, and for the producer
 * table in docs/producers.md (tests/producers.test.ts checks the docs against it).
 *
 * Product names are what the rules filter on: ASFF `ProductFields."aws/securityhub/ProductName"`
 * (Security Hub sets it on import, with the same value as the top-level `ProductName`), OCSF
 * `metadata.product.name` (../shared/reference/ocsf-v2.md, "Finding fields"). Names marked in
 * `checkedIn` were read from published findings in ../shared/real-findings/.
 */
export interface Producer {
    /** What people call it. */
    name: string;
    /** ASFF `ProductFields."aws/securityhub/ProductName"` / `ProductName`, when it sends ASFF. */
    asff?: string;
    /** OCSF `metadata.product.name` in the new Security Hub's "Findings Imported V2", when it sends OCSF. */
    ocsf?: string;
    /** Where the names were checked (a corpus file), or why they are not. */
    checkedIn: string;
}

export const PRODUCERS: readonly Producer[] = [
    { name: "Security Hub (CSPM controls)", asff: "Security Hub", ocsf: "Security Hub", checkedIn: "awsdocs-securityhub/sample-control-findings.*.json (ASFF); ocsf-v2.md (OCSF)" },
    { name: "Amazon GuardDuty", asff: "GuardDuty", ocsf: "GuardDuty", checkedIn: "awsdocs-service-guides/guardduty-typical-finding.json, sumologic-docs-v2/security-hub-ocsf.sample-log-message.json" },
    { name: "Amazon Inspector", asff: "Inspector", ocsf: "Inspector", checkedIn: "ocsf-examples-asff/vulnerability-inspector.raw.json (ASFF); ocsf-v2.md (OCSF)" },
    { name: "Amazon Macie", asff: "Macie", ocsf: "Macie", checkedIn: "not in the corpus: the name AWS's integration list gives" },
    { name: "IAM Access Analyzer", asff: "IAM Access Analyzer", checkedIn: "awsdocs-iam-access-analyzer/unused-access.typical-finding.json (ProductName; its ProductFields copy reads \"AM Access Analyzer\" as published)" },
    { name: "Security Hub exposure findings", ocsf: "Security Hub Exposure Analysis", checkedIn: "awsdocs-securityhub-v2/exposure-finding.sample.json" },
    { name: "AWS Config", asff: "Config", checkedIn: "awsdocs-securityhub/internal-providers.config-typical-finding.json" },
    { name: "AWS Health", asff: "Health", checkedIn: "awsdocs-securityhub/internal-providers.health-typical-finding.repaired.json" },
    { name: "Systems Manager Patch Manager", asff: "Systems Manager Patch Manager", checkedIn: "awsdocs-service-guides/patch-manager-sample-finding.json" },
    { name: "Prowler", asff: "Prowler", checkedIn: "not checked: Prowler's own -M json-asff output carries no product name; Security Hub adds its integration's name on import" },
];

/** The producers (and which of their formats) a `productNames` filter drops, for the formats the stack reads. */
export function producersExcluded(productNames: readonly string[], formats: readonly string[] = ["ASFF"]): Array<{ producer: Producer; names: string[] }> {
    const out: Array<{ producer: Producer; names: string[] }> = [];
    for (const producer of PRODUCERS) {
        const names: string[] = [];
        if (formats.includes("ASFF") && producer.asff !== undefined && !productNames.includes(producer.asff)) names.push(`ASFF "${producer.asff}"`);
        if (formats.includes("OCSF") && producer.ocsf !== undefined && !productNames.includes(producer.ocsf)) names.push(`OCSF "${producer.ocsf}"`);
        const sends = (formats.includes("ASFF") && producer.asff !== undefined) || (formats.includes("OCSF") && producer.ocsf !== undefined);
        if (sends && names.length > 0) out.push({ producer, names });
    }
    return out;
}

/** One line for preview and synth: which well-known producers the filter drops at any severity. */
export function productFilterNote(productNames: readonly string[], formats: readonly string[] = ["ASFF"]): string | undefined {
    const excluded = producersExcluded(productNames, formats);
    if (excluded.length === 0) return undefined;
    return `productNames ${JSON.stringify(productNames)} excludes findings of ${excluded.map(e => `${e.producer.name} (${e.names.join(", ")})`).join(", ")} at any severity; add their product names to productNames to open incidents for them (docs/producers.md)`;
}

/** The product name of a finding in either format, as the rule reads it, or undefined. */
export function productNameOf(finding: Record<string, any> | undefined, format: "ASFF" | "OCSF" | undefined): string | undefined {
    if (!finding) return undefined;
    // The ASFF rule reads ProductFields only: a finding with only the top-level ProductName never matches it.
    const name = format === "OCSF" ? finding.metadata?.product?.name : finding.ProductFields?.["aws/securityhub/ProductName"];
    return typeof name === "string" ? name : undefined;
}
