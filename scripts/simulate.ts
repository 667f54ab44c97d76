/**
 * Replays Security Hub findings offline through what a stack would deploy and reports which
 * incidents it would open.
 *   npm run simulate -- [--stack dev|prod] [--deliveries N] [--json] [FILE...]
 */
import * as path from "path";
import { loadSettings } from "../lib/settings";
import { readFindingInputs, InputProblem } from "../offline/findingInput";
import { simulate, SimulationReport } from "../offline/simulation";
import { PROJECT_DIR, readStackConfig } from "../offline/stackConfig";

const USAGE = "usage: npm run simulate -- [--stack <name>] [--deliveries N] [--json] [FILE|DIR ...]";
const SAMPLES_DIR = path.join(PROJECT_DIR, "samples", "findings");

interface Args { stack: string; deliveries: number; json: boolean; files: string[] }

class UsageError extends Error {}

function parseArgs(argv: string[]): Args {
    const args: Args = { stack: "dev", deliveries: 1, json: false, files: [] };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (arg === "--json") args.json = true;
        else if (arg === "--stack") {
            if (!argv[i + 1]) throw new UsageError("--stack needs a stack name");
            args.stack = argv[++i];
        } else if (arg === "--deliveries") {
            const n = Number(argv[++i]);
            if (!Number.isInteger(n) || n < 1 || n > 1000) throw new UsageError(`--deliveries ${JSON.stringify(argv[i] ?? "")} must be a whole number from 1 to 1000`);
            args.deliveries = n;
        } else if (arg.startsWith("--")) throw new UsageError(`unknown option ${arg}`);
        else args.files.push(arg);
    }
    return args;
}

function progressBar(enabled: boolean) {
    if (!enabled) return undefined;
    let last = -1;
    return (done: number, total: number) => {
        const percent = Math.floor((done / total) * 100);
        if (percent === last && done !== total) return;
        last = percent;
        const filled = Math.round(percent / 5);
        process.stderr.write(`\r[${"#".repeat(filled)}${".".repeat(20 - filled)}] ${percent}% ${done}/${total} events${done === total ? "\n" : ""}`);
    };
}

function human(report: SimulationReport, context: { stack: string; filter: string; inputs: string; skipped: InputProblem[]; warnings: InputProblem[]; deliveries: number }): string {
    const lines: string[] = [];
    const pad = (label: string, value: number | string) => `  ${label.padEnd(22)}${value}`;
    lines.push(`Stack ${context.stack}: ${context.filter}`);
    lines.push(`Replayed ${context.inputs}${context.deliveries > 1 ? `, each matched event delivered ${context.deliveries} times at once` : ""}`);
    lines.push("");
    lines.push(pad("events read", report.events));
    if (context.skipped.length > 0) lines.push(pad("input skipped", `${context.skipped.length} (listed below)`));
    lines.push(pad("matched by the rule", report.matched));
    lines.push(pad("filtered out", Object.values(report.filtered).reduce((a, b) => a + b, 0)));
    for (const [field, n] of Object.entries(report.filtered).sort()) lines.push(`    - ${field}: ${n}`);
    lines.push(pad("incidents opened", report.incidents.length));
    lines.push(pad("duplicates suppressed", report.duplicates));
    if (report.droppedDeliveries > 0) lines.push(pad("dropped deliveries", `${report.droppedDeliveries} (stopped as duplicates while a failed attempt held the claim: no incident)`));
    lines.push(pad("failures", report.failures.length));
    lines.push(pad("executions", `${report.executions} (${report.transitions} state transitions)`));
    if (report.incidents.length > 0) {
        lines.push("", "Incidents:");
        for (const incident of report.incidents) {
            lines.push(`  impact ${incident.impact}  ${incident.title}`);
            lines.push(`            related: ${incident.relatedItems.map(r => r.title).join(", ") || "none"}`);
        }
    }
    if (report.failures.length > 0) {
        lines.push("", "Failures:");
        for (const f of report.failures) lines.push(`  ${f.source}: ${f.findingId}: ${f.error}: ${f.cause ?? ""}`);
    }
    if (context.warnings.length > 0) {
        lines.push("", "Warnings:");
        for (const w of context.warnings) lines.push(`  ${w.source}: ${w.reason}`);
    }
    if (context.skipped.length > 0) {
        lines.push("", "Skipped input:");
        for (const s of context.skipped) lines.push(`  ${s.source}: ${s.reason}`);
    }
    return lines.join("\n") + "\n";
}

async function main(): Promise<number> {
    let args: Args;
    try {
        args = parseArgs(process.argv.slice(2));
    } catch (err) {
        process.stderr.write(`simulate: ${(err as Error).message}\n${USAGE}\n`);
        return 2;
    }
    let settings;
    try {
        settings = loadSettings(readStackConfig(args.stack).read, PROJECT_DIR);
    } catch (err) {
        process.stderr.write(`simulate: ${(err as Error).message}\n`);
        return 2;
    }
    const files = args.files.length > 0 ? args.files : [SAMPLES_DIR];
    const inputs = readFindingInputs(files);
    if (inputs.unreadable.length > 0) {
        for (const problem of inputs.unreadable) process.stderr.write(`simulate: ${problem.source}: ${problem.reason}\n`);
        process.stderr.write("simulate: nothing was replayed; fix or leave out the files above\n");
        return 2;
    }

    const report = await simulate({
        settings,
        stack: args.stack,
        events: inputs.events,
        deliveries: args.deliveries,
        onProgress: progressBar(!args.json && process.stderr.isTTY === true && inputs.events.length >= 200),
    });

    if (args.json) {
        const document = {
            events: report.events,
            matched: report.matched,
            filtered: report.filtered,
            incidents: report.incidents.map(i => ({ findingId: i.findingId, title: i.title, impact: i.impact, relatedItems: i.relatedItems })),
            duplicates: report.duplicates,
            failures: report.failures.map(f => ({ findingId: f.findingId, error: f.error, source: f.source })),
            transitions: report.transitions,
            skipped: inputs.skipped,
        };
        process.stdout.write(JSON.stringify(document, null, 2) + "\n");
    } else {
        const filter = `rule matches severity ${settings.severityLabels.join("/")}, record state ${settings.recordStates.join("/")}, workflow status ${settings.workflowStatuses.join("/")}, product ${settings.productNames.join("/")}`;
        const shown = args.files.length > 0 ? files.join(", ") : `the bundled samples (${path.relative(process.cwd(), SAMPLES_DIR) || SAMPLES_DIR})`;
        process.stdout.write(human(report, { stack: args.stack, filter, inputs: shown, skipped: inputs.skipped, warnings: inputs.warnings, deliveries: args.deliveries }));
    }
    return report.failures.length > 0 ? 1 : 0;
}

main().then(code => process.exit(code), err => {
    process.stderr.write(`simulate: ${(err as Error).message}\n`);
    process.exit(2);
});
