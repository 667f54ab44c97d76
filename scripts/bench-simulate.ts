/**
 * Benchmark of the offline replay: N distinct generated findings, then a re-import of each, through
 * the dev stack's pattern and workflow on the offline engines.
 * Then N × 2 re-imports of findings already NOTIFIED, which the findings rule stops: how fast the
 * replay gets through the events that need no work (most of a real month).
 *   npm run bench:simulate -- [--findings N] [--concurrency C] [--dynamodb in-process|dynalite]
 */
import * as os from "os";
import { loadSettings } from "../lib/settings";
import { generatedFinding as generated } from "./support/generatedFinding";
import { eventForFinding, ReplayEvent } from "../offline/findingInput";
import { simulate } from "../offline/simulation";
import { DYNAMODB_BACKENDS, DynamoDbBackend } from "../offline/localDynamoDb";
import { cpuSeconds } from "./support/measure";
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
    const backendAt = process.argv.indexOf("--dynamodb");
    const dynamoDb = backendAt >= 0 ? process.argv[backendAt + 1] as DynamoDbBackend : undefined;
    if (dynamoDb !== undefined && !DYNAMODB_BACKENDS.includes(dynamoDb)) throw new Error(`--dynamodb must be ${DYNAMODB_BACKENDS.join(" or ")}`);
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
    const cpuStarted = cpuSeconds();
    const report = await simulate({ settings, stack: "dev", events, concurrency, dynamoDb });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const cpu = cpuSeconds() - cpuStarted;

    // Re-imports of notified findings (Security Hub keeps the NOTIFIED status the workflow set):
    // every one stops at the findings rule, no execution starts.
    const reimports: ReplayEvent[] = [];
    for (const updatedAt of ["2026-11-27T00:00:00.000Z", "2026-11-28T00:00:00.000Z"]) {
        for (let n = 0; n < findings; n++) {
            const finding = generatedFinding(n, updatedAt);
            (finding.Workflow as { Status: string }).Status = "NOTIFIED";
            reimports.push({ source: `reimport[${n}]`, event: eventForFinding(finding), findingId: finding.Id as string });
        }
    }
    const filterStarted = process.hrtime.bigint();
    const filterCpuStarted = cpuSeconds();
    const filtering = await simulate({ settings, stack: "dev", events: reimports, concurrency, dynamoDb });
    const filterSeconds = Number(process.hrtime.bigint() - filterStarted) / 1e9;
    const filterCpu = cpuSeconds() - filterCpuStarted;
    const filteredAll = filtering.executions === 0 && (filtering.filtered["detail.findings.Workflow.Status"] ?? 0) === reimports.length;

    // Each finding opens one incident and is marked NOTIFIED: its re-import stops at the rule.
    const stopped = report.filtered["detail.findings.Workflow.Status"] ?? 0;
    const ok = report.incidents.length === findings && stopped === findings && report.duplicates === 0 && report.failures.length === 0 && filteredAll;
    const lines = [
        `bench:simulate on ${os.cpus().length} CPU(s), Node ${process.version}, concurrency ${concurrency}, DynamoDB ${dynamoDb ?? "in-process"}, load average ${os.loadavg()[0].toFixed(1)}`,
        `  findings            ${findings} distinct, each imported twice (${events.length} events)`,
        `  incidents opened    ${report.incidents.length}`,
        `  re-imports stopped  ${stopped} at the rule (the finding is NOTIFIED); duplicates in the workflow ${report.duplicates}`,
        `  executions          ${report.executions} (${report.writeBackEvents.events} write-back events, ${report.writeBackEvents.matched} matched)`,
        `  failures            ${report.failures.length}`,
        `  wall time           ${seconds.toFixed(2)} s`,
        `  CPU time            ${cpu.toFixed(2)} s (this process and its finished children)`,
        `  findings/s          ${(findings / seconds).toFixed(0)}`,
        `  events/s            ${(events.length / seconds).toFixed(0)}`,
        `  new findings/CPU s  ${(findings / cpu).toFixed(0)}`,
        `  filtered re-imports ${reimports.length} events of notified findings, ${filtering.executions} executions: ${filterSeconds.toFixed(2)} s, ${(reimports.length / filterSeconds).toFixed(0)} events/s (${(reimports.length / filterCpu).toFixed(0)} per CPU s)`,
        `  transitions/finding ${(report.transitions / findings).toFixed(2)} (${report.transitions} in all; storm limits raised so that none rolls up)`,
        ok ? "  result              every finding opened exactly one incident, and its re-imports started nothing" : "  result              UNEXPECTED: see the counts above",
    ];
    process.stdout.write(lines.join("\n") + "\n");
    process.exit(ok ? 0 : 1);
}

main().catch(err => {
    process.stderr.write(`bench:simulate: ${(err as Error).message}\n`);
    process.exit(2);
});
