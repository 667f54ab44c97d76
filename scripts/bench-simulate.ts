/**
 * Benchmark of the offline replay: N distinct generated findings, then a re-import of each, through
 * the dev stack's pattern and workflow on the offline engines.
 *   npm run bench:simulate -- [--findings N] [--concurrency C]
 */
import * as os from "os";
import { loadSettings } from "../lib/settings";
import { generatedFinding as generated } from "./support/generatedFinding";
import { eventForFinding, ReplayEvent } from "../offline/findingInput";
import { simulate } from "../offline/simulation";
import { PROJECT_DIR, readStackConfig } from "../offline/stackConfig";

function option(name: string, fallback: number): number {
    const i = process.argv.indexOf(`--${name}`);
    const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
    if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive whole number`);
    return value;
}

const CONTROLS = [["S3.8", "S3 general purpose buckets should block public access", "AwsS3Bucket"], ["EC2.19", "Security groups should not allow unrestricted access to ports with high risk", "AwsEc2SecurityGroup"], ["IAM.6", "Hardware MFA should be enabled for the root user", "AwsAccount"]];

function generatedFinding(n: number, updatedAt: string): Record<string, unknown> {
    const [control, title, type] = CONTROLS[n % CONTROLS.length];
    const account = String(100000000000 + (n % 50));
    const resource = { Type: type, Id: type === "AwsAccount" ? `AWS::::Account:${account}` : `arn:aws:s3:::bench-bucket-${n}` };
    return generated({ n, tag: "bench", control, title, account, updatedAt, severity: n % 4 === 0 ? "CRITICAL" : "HIGH", resource });
}

async function main() {
    const findings = option("findings", 10000);
    const concurrency = option("concurrency", 16);
    // The storm limits as high as they go: all of them arrive at one time, which would otherwise be an
    // incident storm (rolled up). This measures each finding's own path, storm slots included;
    // storms have their own benchmark, bench:storm.
    const settings = { ...loadSettings(readStackConfig("dev").read, PROJECT_DIR), stormThreshold: 10000, maxIncidentsPerHour: 100000 };
    const events: ReplayEvent[] = [];
    for (const updatedAt of ["2026-11-25T00:00:00.000Z", "2026-11-26T00:00:00.000Z"]) {
        for (let n = 0; n < findings; n++) {
            const finding = generatedFinding(n, updatedAt);
            events.push({ source: `generated[${n}]`, event: eventForFinding(finding), findingId: finding.Id as string });
        }
    }
    const started = process.hrtime.bigint();
    const report = await simulate({ settings, stack: "dev", events, concurrency });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;

    // Each finding opens one incident and is marked NOTIFIED: its re-import stops at the rule.
    const stopped = report.filtered["detail.findings.Workflow.Status"] ?? 0;
    const ok = report.incidents.length === findings && stopped === findings && report.duplicates === 0 && report.failures.length === 0;
    const lines = [
        `bench:simulate on ${os.cpus().length} CPU(s), Node ${process.version}, concurrency ${concurrency}`,
        `  findings            ${findings} distinct, each imported twice (${events.length} events)`,
        `  incidents opened    ${report.incidents.length}`,
        `  re-imports stopped  ${stopped} at the rule (the finding is NOTIFIED); duplicates in the workflow ${report.duplicates}`,
        `  executions          ${report.executions} (${report.writeBackEvents.events} write-back events, ${report.writeBackEvents.matched} matched)`,
        `  failures            ${report.failures.length}`,
        `  wall time           ${seconds.toFixed(2)} s`,
        `  findings/s          ${(findings / seconds).toFixed(0)}`,
        `  events/s            ${(events.length / seconds).toFixed(0)}`,
        `  transitions/finding ${(report.transitions / findings).toFixed(2)} (${report.transitions} in all; storm limits raised so that none rolls up)`,
        ok ? "  result              every finding opened exactly one incident, and its re-import started nothing" : "  result              UNEXPECTED: see the counts above",
    ];
    process.stdout.write(lines.join("\n") + "\n");
    process.exit(ok ? 0 : 1);
}

main().catch(err => {
    process.stderr.write(`bench:simulate: ${(err as Error).message}\n`);
    process.exit(2);
});
