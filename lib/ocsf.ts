/**
 * Reading the new Security Hub's OCSF findings: the paths this project takes a finding's identity,
 * account, Region and time from, and how an OCSF finding is told from an ASFF one. Source:
 * ../shared/reference/ocsf-v2.md ("Finding fields"). The replay input, the Security Hub stand-in
 * and the replay account all read findings through these functions.
 */

/** Paths into an OCSF finding (the object at `detail.findings[0]` of a "Findings Imported V2" event). */
export const OCSF_FINDING_PATHS = {
    /** The provider's finding id (for CSPM controls and GuardDuty the same string as the ASFF `Id`). */
    findingUid: "finding_info.uid",
    /** Security Hub's own id of the finding (64 hex characters in the samples). */
    metadataUid: "metadata.uid",
    productUid: "metadata.product.uid",
    productName: "metadata.product.name",
    account: "cloud.account.uid",
    region: "cloud.region",
    /** RFC 3339 time of the finding's event; `finding_info.modified_time_dt` when it is missing. */
    time: "time_dt",
    modifiedTime: "finding_info.modified_time_dt",
    severityId: "severity_id",
    statusId: "status_id",
    comment: "comment",
} as const;

function isObject(value: unknown): value is Record<string, any> {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The value at a dotted path, or undefined. */
export function ocsfValue(finding: unknown, path: string): unknown {
    let node: unknown = finding;
    for (const key of path.split(".")) {
        if (!isObject(node)) return undefined;
        node = node[key];
    }
    return node;
}

/**
 * Whether a finding is an OCSF document rather than an ASFF finding: it has OCSF's `finding_info`
 * or `metadata` object and no ASFF `Id`/`SchemaVersion`. (ASFF fields are PascalCase, OCSF's
 * snake_case; no ASFF finding has these two objects.)
 */
export function isOcsfFinding(finding: unknown): boolean {
    if (!isObject(finding)) return false;
    if ("Id" in finding || "SchemaVersion" in finding) return false;
    return isObject(finding.finding_info) || isObject(finding.metadata);
}

/** The finding's `finding_info.uid` when it is a non-empty string. */
export function ocsfFindingUid(finding: unknown): string | undefined {
    const uid = ocsfValue(finding, OCSF_FINDING_PATHS.findingUid);
    return typeof uid === "string" && uid.length > 0 ? uid : undefined;
}

/** A string field of an OCSF finding, or undefined when it is missing or not a non-empty string. */
export function ocsfString(finding: unknown, path: string): string | undefined {
    const value = ocsfValue(finding, path);
    return typeof value === "string" && value.length > 0 ? value : undefined;
}
