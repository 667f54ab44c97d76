/**
 * A month of an organisation's findings for bench:month, generated lazily: one finding at a time,
 * in the order of its first event's time, so that nothing holds the whole month in memory.
 *
 * The mix of lives (shares of the findings; documented in docs/performance.md):
 * - `stays-failing` (18%): a control check that fails from its first import to the month's end,
 *   re-imported every 12-24 h (Security Hub CSPM's periodic checks).
 * - `fixed` (37%): fails for 1-4 days, then passes (PASSED re-imports for 1-2 days), then is
 *   archived (the resource was deleted or the control's finding aged out).
 * - `refailed` (10%): fails 1-3 days, passes 1-3 days, fails again for 1-4 days, then passes and
 *   is archived.
 * - `suppressed` (8%): fails, and after 1-2 days someone in the account sets it SUPPRESSED (an
 *   accepted risk); the provider's re-imports go on every 12-24 h until the month's end.
 * - `recurring` (22%): a GuardDuty-like finding whose activity recurs every 2-8 hours for 1-2 days:
 *   each recurrence is an import of the same finding Id with a later UpdatedAt and a higher count.
 * - `storm` (5%): one control newly failing in every account at once (a standard enabled
 *   organisation-wide): all of them first imported within 10 minutes, then re-imported every
 *   12-24 h for 2-5 days and fixed.
 * Control findings' severities: CRITICAL 10%, HIGH 40%, MEDIUM 35%, LOW 15% (a stack that opens
 * incidents for CRITICAL and HIGH stops the others at its rule). About 11 events per finding:
 * 100,000 findings give about 1.1 million events.
 */
import { generatedFinding } from "./generatedFinding";
import { eventForFinding, ReplayEvent } from "../../offline/findingInput";

export type MonthLife = "stays-failing" | "fixed" | "refailed" | "suppressed" | "recurring" | "storm";
export const MONTH_LIVES: MonthLife[] = ["stays-failing", "fixed", "refailed", "suppressed", "recurring", "storm"];

/** Shares of the non-storm lives, in parts of 95 (the storm takes the other 5%). */
const SHARES: Array<[MonthLife, number]> = [["stays-failing", 18], ["fixed", 37], ["refailed", 10], ["suppressed", 8], ["recurring", 22]];
export const STORM_SHARE = 0.05;

const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;
const STORM_MINUTES = 10;

const CONTROLS: Array<[string, string, string]> = [
    ["S3.8", "S3 general purpose buckets should block public access", "AwsS3Bucket"],
    ["EC2.19", "Security groups should not allow unrestricted access to ports with high risk", "AwsEc2SecurityGroup"],
    ["IAM.6", "Hardware MFA should be enabled for the root user", "AwsAccount"],
    ["RDS.2", "RDS DB instances should prohibit public access", "AwsRdsDbInstance"],
    ["Lambda.1", "Lambda function policies should prohibit public access", "AwsLambdaFunction"],
    ["KMS.4", "AWS KMS key rotation should be enabled", "AwsKmsKey"],
    ["EC2.2", "VPC default security groups should not allow inbound or outbound traffic", "AwsEc2SecurityGroup"],
    ["CloudTrail.1", "CloudTrail should be enabled and configured with at least one multi-Region trail", "AwsAccount"],
];
const STORM_CONTROL: [string, string, string] = ["EC2.182", "Amazon EBS Snapshots should not be publicly accessible", "AwsAccount"];
const GUARDDUTY_TYPES = [
    ["TTPs/Command and Control/Backdoor:EC2-C&CActivity.B!DNS", "EC2 instance is querying a domain name associated with a known command and control server."],
    ["Unusual Behaviors/VM/Behavior:EC2-NetworkPortUnusual", "EC2 instance is communicating with a remote host on an unusual server port."],
    ["TTPs/Discovery/Recon:EC2-PortProbeUnprotectedPort", "An unprotected port on an EC2 instance is being probed by a known malicious host."],
];

/** A small deterministic generator (mulberry32): the same month for the same finding number. */
function random(seed: number): () => number {
    let a = (seed * 2654435761) >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

export interface MonthOptions {
    /** Distinct findings. Default 100,000. */
    findings?: number;
    /** Length of the month in days. Default 30. */
    days?: number;
    /** The month's first instant. Default 2026-11-01T00:00:00Z. */
    start?: string;
    /** Accounts of the organisation. Default 120. */
    accounts?: number;
}

export interface MonthFinding {
    life: MonthLife;
    findingId: string;
    /** The finding's events in time order. */
    events: ReplayEvent[];
}

function severityOf(r: number): string {
    return r < 0.10 ? "CRITICAL" : r < 0.50 ? "HIGH" : r < 0.85 ? "MEDIUM" : "LOW";
}

/** A GuardDuty finding as Security Hub carries it (ASFF, product GuardDuty). */
function guardDutyFinding(n: number, account: string, updatedAt: string, firstSeen: string, count: number, severity: number): Record<string, unknown> {
    const [type, title] = GUARDDUTY_TYPES[n % GUARDDUTY_TYPES.length];
    const detector = `d${String(n % 97).padStart(31, "0")}`;
    const id = `arn:aws:guardduty:ap-northeast-1:${account}:detector/${detector}/finding/${String(n).padStart(8, "0")}month`;
    return {
        SchemaVersion: "2018-10-08",
        Id: id,
        ProductArn: "arn:aws:securityhub:ap-northeast-1::product/aws/guardduty",
        Region: "ap-northeast-1",
        GeneratorId: `arn:aws:guardduty:ap-northeast-1:${account}:detector/${detector}`,
        AwsAccountId: account,
        Types: [type],
        FirstObservedAt: firstSeen,
        LastObservedAt: updatedAt,
        CreatedAt: firstSeen,
        UpdatedAt: updatedAt,
        Severity: { Product: severity, Normalized: Math.round(severity * 10), Label: severity >= 7 ? "HIGH" : severity >= 4 ? "MEDIUM" : "LOW" },
        Title: title,
        Description: title,
        ProductFields: { "aws/guardduty/service/count": String(count), "aws/securityhub/ProductName": "GuardDuty", "aws/securityhub/CompanyName": "Amazon" },
        Resources: [{ Type: "AwsEc2Instance", Id: `arn:aws:ec2:ap-northeast-1:${account}:instance/i-${n.toString(16).padStart(17, "0")}` }],
        Workflow: { Status: "NEW" },
        RecordState: "ACTIVE",
    };
}

/**
 * The month, one finding at a time, in the order of first events (the storm's findings come as
 * one block a third of the way into the month). Each finding's events are built when it is
 * reached and dropped once the caller is done with them.
 */
export function* monthPopulation(options: MonthOptions = {}): Generator<MonthFinding> {
    const findings = options.findings ?? 100000;
    const days = options.days ?? 30;
    const accounts = options.accounts ?? 120;
    const start = Date.parse(options.start ?? "2026-11-01T00:00:00Z");
    const end = start + days * DAY;
    const storm = Math.round(findings * STORM_SHARE);
    const others = findings - storm;
    // Where the storm begins among the others (their first events spread over the whole month).
    const stormAfter = Math.floor(others / 3);
    const firstOf = (rank: number) => start + Math.floor((rank / Math.max(others, 1)) * (days * DAY - STORM_MINUTES * 60 * 1000)) + (rank >= stormAfter ? STORM_MINUTES * 60 * 1000 : 0);
    const stormAt = start + Math.floor((stormAfter / Math.max(others, 1)) * (days * DAY - STORM_MINUTES * 60 * 1000));
    const totalShare = SHARES.reduce((sum, [, share]) => sum + share, 0);
    const iso = (millis: number) => new Date(millis).toISOString();
    const reimportGap = (r: () => number) => 12 * HOUR + Math.floor(r() * 12 * HOUR);

    let rank = 0;
    for (let n = 0; n < findings; n++) {
        const isStorm = rank === stormAfter && n - rank < storm;
        const r = random(n + 1);
        const events: Array<Record<string, any>> = [];
        let life: MonthLife;
        const account = String(100000000000 + Math.floor(r() * accounts));
        if (isStorm) {
            life = "storm";
            const k = n - rank;
            const first = stormAt + Math.floor((k / storm) * STORM_MINUTES * 60 * 1000);
            const [control, title, type] = STORM_CONTROL;
            const stormAccount = String(100000000000 + (k % Math.max(accounts, 1)));
            const finding = (at: number, passed: boolean, archived = false) => {
                const f = generatedFinding({ n, tag: "month-storm", control, title, account: stormAccount, updatedAt: iso(at), severity: "HIGH", passed, resource: { Type: type, Id: `arn:aws:ec2:ap-northeast-1:${stormAccount}:snapshot/snap-${n}` } });
                if (archived) f.RecordState = "ARCHIVED";
                return f;
            };
            const fixedAt = first + 2 * DAY + Math.floor(r() * 3 * DAY);
            let at = first;
            for (; at < Math.min(fixedAt, end); at += reimportGap(r)) events.push(finding(at, false));
            if (at < end) events.push(finding(at, true));
        } else {
            const first = firstOf(rank);
            rank++;
            let pick = r() * totalShare;
            life = SHARES.find(([, share]) => (pick -= share) < 0)?.[0] ?? "stays-failing";
            if (life === "recurring") {
                const severity = [8, 5, 2][Math.floor(r() * 3)];
                const until = Math.min(end, first + DAY + Math.floor(r() * DAY));
                let count = 1;
                for (let at = first; at < until; at += 2 * HOUR + Math.floor(r() * 6 * HOUR)) {
                    events.push(guardDutyFinding(n, account, iso(at), iso(first), count++, severity));
                }
            } else {
                const [control, title, type] = CONTROLS[Math.floor(r() * CONTROLS.length)];
                const severity = severityOf(r());
                const resource = { Type: type, Id: type === "AwsAccount" ? `AWS::::Account:${account}` : `arn:aws:${type.slice(3).toLowerCase()}:ap-northeast-1:${account}:month-${n}` };
                const finding = (at: number, passed: boolean, extra: Record<string, unknown> = {}) => ({
                    ...generatedFinding({ n, tag: "month", control, title, account, updatedAt: iso(at), severity: passed ? "INFORMATIONAL" : severity, passed, resource }),
                    ...extra,
                });
                /** Imports from `from` every 12-24 h while before `until` (and the month's end); the time after the last. */
                const imports = (from: number, until: number, passed: boolean, extra?: Record<string, unknown>) => {
                    let at = from;
                    for (; at < Math.min(until, end); at += reimportGap(r)) events.push(finding(at, passed, extra));
                    return at;
                };
                const days1to = (most: number) => DAY + Math.floor(r() * (most - 1) * DAY);
                if (life === "stays-failing") {
                    imports(first, end, false);
                } else if (life === "fixed") {
                    let at = imports(first, first + days1to(4), false);
                    at = imports(at, at + days1to(2), true);
                    if (at < end) events.push(finding(at, true, { RecordState: "ARCHIVED" }));
                } else if (life === "refailed") {
                    let at = imports(first, first + days1to(3), false);
                    at = imports(at, at + days1to(3), true);
                    at = imports(at, at + days1to(4), false);
                    if (at < end) events.push(finding(at, true, { RecordState: "ARCHIVED" }));
                } else {
                    // suppressed: a person sets SUPPRESSED (keeping the note); Security Hub's event carries it.
                    const suppressAt = first + days1to(2);
                    let at = imports(first, suppressAt, false);
                    if (suppressAt < end) {
                        events.push(finding(suppressAt, false, { Workflow: { Status: "SUPPRESSED" } }));
                        at = Math.max(at, suppressAt + reimportGap(r));
                    }
                    imports(at, end, false);
                }
            }
        }
        const findingId = events[0]?.Id as string;
        if (!findingId) continue;
        yield {
            life,
            findingId,
            events: events.map((f, i) => ({ source: `month[${n}][${i}]`, event: eventForFinding(f), findingId })),
        };
    }
}
