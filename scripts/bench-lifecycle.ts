/**
 * Benchmark of a finding's whole life: a generated population of findings re-imported every 12 h
 * for 30 days, some fixed and some broken again, replayed through this project's rules and
 * workflow and through the seed walkthrough's (its state machine and event pattern, read from the
 * seed document at run time), on the same offline engines and the same Security Hub stand-in.
 * A second population is GuardDuty-like (issue 16): findings without compliance, built on the
 * published GuardDuty finding in ../shared/real-findings, whose product reports recurring activity
 * as updates of the same finding every 6 h while the activity lasts.
 *   npm run bench:lifecycle -- [--findings N] [--days D] [--resolve-after-hours H] [--population control|guardduty|both]
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadSettings } from "../lib/settings";
import { generatedFinding as generated } from "./support/generatedFinding";
import { eventForFinding, ReplayEvent } from "../offline/findingInput";
import { simulate } from "../offline/simulation";
import { PROJECT_DIR, readStackConfig } from "../offline/stackConfig";

const SEED_DOCUMENT = path.join(PROJECT_DIR, "..", "shared", "seed", "000_cc7990da23f1228d.txt");

function option(name: string, fallback: number): number {
    const i = process.argv.indexOf(`--${name}`);
    const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
    if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive whole number`);
    return value;
}

/** What happens to a finding over the month. */
type Life = "open" | "fixed" | "reopened";
const LIVES: Life[] = ["open", "open", "open", "open", "open", "fixed", "fixed", "fixed", "reopened", "reopened"];

/** What a GuardDuty-like finding's activity does over the month. */
type Activity = "burst" | "recurring" | "persistent";
const ACTIVITIES: Activity[] = ["burst", "burst", "burst", "burst", "burst", "recurring", "recurring", "recurring", "persistent", "persistent"];
const GUARDDUTY_FINDING = path.join(PROJECT_DIR, "..", "..", "shared", "real-findings", "awsdocs-service-guides", "guardduty-typical-finding.current-docs.json");

/**
 * The GuardDuty-like population: the published GuardDuty finding (HIGH here, one per account and
 * finding ID), updated every 6 h while its activity lasts: "burst" for its first day only,
 * "recurring" for its first day and again from day 10 (after its incident was resolved),
 * "persistent" for the whole month.
 */
function guardDutyPopulation(findings: number, days: number): { events: ReplayEvent[]; lives: Map<string, Activity> } {
    const file = fs.existsSync(GUARDDUTY_FINDING) ? GUARDDUTY_FINDING : "/work/shared/real-findings/awsdocs-service-guides/guardduty-typical-finding.current-docs.json";
    const base = JSON.parse(fs.readFileSync(file, "utf8")).Findings[0];
    const events: ReplayEvent[] = [];
    const lives = new Map<string, Activity>();
    const start = Date.parse("2026-10-01T00:00:00Z");
    const step = 6 * 3600 * 1000;
    for (let n = 0; n < findings; n++) {
        const life = ACTIVITIES[n % ACTIVITIES.length];
        const account = String(200000000000 + (n % 50));
        const id = `arn:aws:guardduty:us-east-1:${account}:detector/d4b040365221be2b54a6264dc9a4bc64/finding/${n.toString(16).padStart(32, "0")}`;
        lives.set(id, life);
        let count = 0;
        for (let i = 0; i < days * 4; i++) {
            const day = Math.floor(i / 4);
            const active = day === 0 || life === "persistent" || (life === "recurring" && day >= 10 && day <= 11);
            if (!active) continue;
            const at = new Date(start + i * step).toISOString();
            const finding = {
                ...JSON.parse(JSON.stringify(base)),
                Id: id, AwsAccountId: account, Severity: { Label: "HIGH", Normalized: 70, Product: 8 },
                FirstObservedAt: new Date(start).toISOString(), LastObservedAt: at, UpdatedAt: at, CreatedAt: new Date(start).toISOString(),
                Workflow: { Status: "NEW" }, RecordState: "ACTIVE",
            };
            finding.ProductFields = { ...finding.ProductFields, "aws/guardduty/service/count": String(++count) };
            events.push({ source: `guardduty[${n}][${i}]`, event: eventForFinding(finding), findingId: id });
        }
    }
    return { events, lives };
}

function generatedFinding(n: number, updatedAt: string, passed: boolean): Record<string, unknown> {
    const severity = passed ? "INFORMATIONAL" : n % 4 === 0 ? "CRITICAL" : "HIGH";
    return generated({ n, tag: "life", control: "S3.8", title: "S3 general purpose buckets should block public access", account: String(100000000000 + (n % 50)), updatedAt, severity, passed });
}

/**
 * The population: each finding imported every 12 h for `days` days (as Security Hub's periodic
 * checks do). Half stay broken; "fixed" ones pass from a third of the way on; "reopened" ones
 * pass for the middle third and fail again in the last.
 */
function population(findings: number, days: number): { events: ReplayEvent[]; lives: Map<string, Life> } {
    const events: ReplayEvent[] = [];
    const lives = new Map<string, Life>();
    const start = Date.parse("2026-10-01T00:00:00Z");
    for (let n = 0; n < findings; n++) {
        const life = LIVES[n % LIVES.length];
        for (let i = 0; i < days * 2; i++) {
            const third = Math.floor((i / (days * 2)) * 3);
            const passed = (life === "fixed" && third >= 1) || (life === "reopened" && third === 1);
            const finding = generatedFinding(n, new Date(start + i * 12 * 3600 * 1000).toISOString(), passed);
            lives.set(finding.Id as string, life);
            events.push({ source: `generated[${n}][${i}]`, event: eventForFinding(finding), findingId: finding.Id as string });
        }
    }
    return { events, lives };
}

/** The JSON objects written out in a text, in order (braces inside strings are skipped). */
function jsonObjects(text: string): Array<Record<string, any>> {
    const found: Array<Record<string, any>> = [];
    for (let start = text.indexOf("{"); start >= 0; start = text.indexOf("{", start + 1)) {
        let depth = 0;
        let inString = false;
        for (let i = start; i < text.length; i++) {
            const c = text[i];
            if (inString) {
                if (c === "\\") i++;
                else if (c === "\"") inString = false;
            } else if (c === "\"") inString = true;
            else if (c === "{") depth++;
            else if (c === "}" && --depth === 0) {
                try {
                    found.push(JSON.parse(text.slice(start, i + 1)));
                    start = i;
                } catch {
                    // Not JSON: try the next brace.
                }
                break;
            }
        }
    }
    return found;
}

/** The seed's state machine and event pattern, with this replay's table and plan filled in. */
function seedWorkflow(): ((names: { tableName: string; responsePlanArn: string }) => { definition: Record<string, any>; patterns: Record<string, Record<string, unknown>> }) | undefined {
    if (!fs.existsSync(SEED_DOCUMENT)) return undefined;
    const objects = jsonObjects(fs.readFileSync(SEED_DOCUMENT, "utf8"));
    const definition = objects.find(o => o.StartAt && o.States);
    const pattern = objects.find(o => o["detail-type"] && o.detail);
    if (!definition || !pattern) return undefined;
    return ({ tableName, responsePlanArn }) => ({
        definition: JSON.parse(JSON.stringify(definition).replace(/\[DynamoDBのテーブル名\]/g, tableName).replace(/\[対応プランのARN\]/g, responsePlanArn)),
        patterns: { seed: pattern },
    });
}

function perLife<L extends string>(byFinding: Map<string, { executions: number; transitions: number }>, lives: Map<string, L>): Map<L, { findings: number; executions: number; transitions: number }> {
    const totals = new Map<L, { findings: number; executions: number; transitions: number }>();
    for (const [id, life] of lives) {
        const t = totals.get(life) ?? { findings: 0, executions: 0, transitions: 0 };
        const f = byFinding.get(id) ?? { executions: 0, transitions: 0 };
        t.findings++;
        t.executions += f.executions;
        t.transitions += f.transitions;
        totals.set(life, t);
    }
    return totals;
}

async function main() {
    const findings = option("findings", 2000);
    const days = option("days", 30);
    const resolveAfterHours = option("resolve-after-hours", 72);
    const p = process.argv.indexOf("--population");
    const which = p >= 0 ? process.argv[p + 1] : "both";
    if (!["control", "guardduty", "both"].includes(which)) throw new Error("--population must be control, guardduty or both");
    // The storm limits as high as they go: every finding is of one control and imported at the
    // same times, which would otherwise be an incident storm (rolled up). This measures each
    // finding's own life, storm slots included; storms have their own benchmark, bench:storm.
    const settings = { ...loadSettings(readStackConfig("dev").read, PROJECT_DIR), stormThreshold: 10000, maxIncidentsPerHour: 100000 };
    const { events, lives } = population(findings, days);
    const lines = [
        `bench:lifecycle on ${os.cpus().length} CPU(s), Node ${process.version}`,
        `  population          ${findings} findings × ${days * 2} imports (every 12 h for ${days} days) = ${events.length} events`,
        `  lives               50% stay broken, 30% fixed after ${Math.round(days / 3)} days, 20% fixed then broken again after ${Math.round((2 * days) / 3)} days`,
        `  responders          resolve each incident ${resolveAfterHours} h after it opened`,
        "",
    ];
    const runs: Array<[string, Parameters<typeof simulate>[0]["workflow"]]> = which === "guardduty" ? [] : [["this project", undefined]];
    const seed = seedWorkflow();
    if (which === "guardduty") { /* the control population is not replayed */ } else if (seed) runs.push(["seed walkthrough", seed]);
    else lines.push(`  (the seed document is not at ${SEED_DOCUMENT}: its workflow is not compared)`, "");

    let ok = true;
    for (const [name, workflow] of runs) {
        const byFinding = new Map<string, { executions: number; transitions: number }>();
        const started = process.hrtime.bigint();
        const report = await simulate({ settings, stack: "dev", events, workflow, resolveIncidentsAfterMs: resolveAfterHours * 3600 * 1000, perFinding: byFinding });
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const totals = perLife(byFinding, lives);
        const incidents = (life: Life) => report.incidents.filter(i => lives.get(i.findingId) === life).length;
        lines.push(`${name}:`);
        lines.push(`  wall time           ${seconds.toFixed(1)} s (${(events.length / seconds).toFixed(0)} events/s, ${(findings / seconds).toFixed(0)} findings/s)`);
        lines.push(`  executions          ${report.executions} (${(report.executions / findings).toFixed(2)} per finding), ${report.transitions} state transitions (${(report.transitions / findings).toFixed(2)} per finding)`);
        lines.push(`  events filtered     ${Object.values(report.filtered).reduce((a, b) => a + b, 0)} of ${events.length} input events; ${report.writeBackEvents.events} write-back events, ${report.writeBackEvents.matched} matched`);
        for (const life of ["open", "fixed", "reopened"] as Life[]) {
            const t = totals.get(life)!;
            lines.push(`  per ${life.padEnd(9)} life  ${(t.executions / t.findings).toFixed(2)} executions, ${(t.transitions / t.findings).toFixed(2)} transitions, ${(incidents(life) / t.findings).toFixed(2)} incidents`);
        }
        lines.push(`  incidents           ${report.incidents.length} (${report.reopened.newIncident} for re-opens, linked), timeline events ${report.timelineEvents.length}, failures ${report.failures.length}`);
        lines.push("");
        if (report.failures.length > 0) ok = false;
    }
    if (which !== "control") {
        const gd = guardDutyPopulation(findings, days);
        const gdSettings = { ...settings, productNames: [...settings.productNames, "GuardDuty"] };
        lines.push(`GuardDuty-like population: ${findings} findings without compliance, updated every 6 h while active = ${gd.events.length} events`);
        lines.push(`  lives               50% one day of activity, 30% one day and again on days 10-11 (after resolution), 20% active all month`);
        const byFinding = new Map<string, { executions: number; transitions: number }>();
        const started = process.hrtime.bigint();
        const report = await simulate({ settings: gdSettings, stack: "dev", events: gd.events, resolveIncidentsAfterMs: resolveAfterHours * 3600 * 1000, perFinding: byFinding });
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const totals = perLife(byFinding, gd.lives);
        const incidents = (life: Activity) => report.incidents.filter(i => gd.lives.get(i.findingId) === life).length;
        lines.push(`this project:`);
        lines.push(`  wall time           ${seconds.toFixed(1)} s`);
        lines.push(`  executions          ${report.executions} (${(report.executions / findings).toFixed(2)} per finding), ${report.transitions} state transitions (${(report.transitions / findings).toFixed(2)} per finding)`);
        lines.push(`  per provider update ${(report.executions / gd.events.length).toFixed(2)} executions (write-back events included), ${(report.transitions / gd.events.length).toFixed(2)} transitions`);
        lines.push(`  events filtered     ${Object.values(report.filtered).reduce((a, b) => a + b, 0)} of ${gd.events.length} input events; ${report.writeBackEvents.events} write-back events, ${report.writeBackEvents.matched} matched`);
        for (const life of ["burst", "recurring", "persistent"] as Activity[]) {
            const t = totals.get(life)!;
            lines.push(`  per ${life.padEnd(10)} life ${(t.executions / t.findings).toFixed(2)} executions, ${(t.transitions / t.findings).toFixed(2)} transitions, ${(incidents(life) / t.findings).toFixed(2)} incidents`);
        }
        lines.push(`  incidents           ${report.incidents.length} (${report.reopened.newIncident} for recurring activity, linked), timeline events ${report.timelineEvents.length}, failures ${report.failures.length}`);
        lines.push("");
        if (report.failures.length > 0) ok = false;
    }
    process.stdout.write(lines.join("\n"));
    process.exit(ok ? 0 : 1);
}

main().catch(err => {
    process.stderr.write(`bench:lifecycle: ${(err as Error).message}\n`);
    process.exit(2);
});
