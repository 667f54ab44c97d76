/** The shared corpus of real published findings (../shared/real-findings; never edited) and events made of them. */
import * as fs from "fs";
import * as path from "path";
import { PROJECT_DIR } from "../../offline/stackConfig";

export const CORPUS = path.resolve(PROJECT_DIR, "..", "..", "shared", "real-findings");
const corpusDir = fs.existsSync(CORPUS) ? CORPUS : "/work/shared/real-findings";

/** The findings of one corpus file (wrapped as {"Findings": [...]}, or an event as published). */
export function corpusFindings(file: string): Record<string, any>[] {
    const text = fs.readFileSync(path.join(corpusDir, file), "utf8");
    const parsed = JSON.parse(text);
    return parsed.Findings ?? parsed.detail?.findings ?? (Array.isArray(parsed) ? parsed : [parsed]);
}

/** A finding as the event Security Hub sends it: ASFF "Findings - Imported", OCSF "Findings Imported V2". */
export function eventOf(finding: Record<string, any>, time = "2026-11-02T09:00:00Z"): Record<string, any> {
    const ocsf = "finding_info" in finding;
    return {
        version: "0",
        id: `corpus-${Math.random().toString(16).slice(2)}`,
        "detail-type": ocsf ? "Findings Imported V2" : "Security Hub Findings - Imported",
        source: "aws.securityhub",
        account: ocsf ? finding.cloud?.account?.uid ?? "123456789012" : finding.AwsAccountId ?? "123456789012",
        time,
        region: "eu-west-3",
        resources: [],
        detail: { findings: [JSON.parse(JSON.stringify(finding))] },
    };
}
