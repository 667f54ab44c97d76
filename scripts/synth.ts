/**
 * Offline synth: runs the real Pulumi program under runtime mocks with a stack's config and
 * writes what `pulumi up` would create under out/<stack>/ (or --out).
 *   npm run synth -- [--stack <name>] [--stack-file <file>] [--out <dir>]
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parseCommandLine } from "../offline/commandLine";
import { installMocks, settled, DeclaredResource } from "../offline/pulumiMocks";
import { escapeControls, escapeLines } from "../offline/safeText";
import { PROJECT_DIR, readStackConfig, StackConfig } from "../offline/stackConfig";
import { eventPatternFiles, MANIFEST, writeSynthOutput } from "../offline/synthOutput";

const USAGE = `usage: npm run synth -- [options]

Runs the Pulumi program under runtime mocks with a stack's settings and writes what it would
deploy. Relative paths are taken from the directory you run npm in.

options:
  --stack <name>         stack whose settings to use (Pulumi.<name>.yaml; default dev)
  --stack-file <file>    read the settings from this file (stack name: --stack, else the
                         <name> of a file named Pulumi.<name>.yaml)
  --out <dir>            where to write (default out/<stack>); synth replaces only files it
                         wrote there before (listed in ${MANIFEST}) and refuses a
                         directory that holds anything else
  -h, --help             print this help and exit

exit status: 0 written; 1 bad options, bad settings or an output directory it will not use`;

/** Relative paths are the user's: npm runs scripts in the project root but records where it was started. */
const BASE_DIR = process.env.INIT_CWD && path.isAbsolute(process.env.INIT_CWD) ? process.env.INIT_CWD : process.cwd();

function fail(message: string): never {
    process.stderr.write(`synth: ${escapeLines(message)}\n`);
    process.exit(1);
}

function parseArgs(argv: string[]): { stack?: string; outDir?: string; stackFile?: string } {
    const line = parseCommandLine(argv, {
        flags: ["--help"],
        values: { "--stack": "a stack name", "--stack-file": "a file", "--out": "a directory" },
        positionals: false,
    });
    if (line.flags.has("--help")) {
        process.stdout.write(USAGE + "\n");
        process.exit(0);
    }
    if (line.problems.length > 0) {
        for (const problem of line.problems) process.stderr.write(`synth: ${problem.reason}\n`);
        process.stderr.write(`${USAGE.split("\n")[0]}\n(npm run synth -- --help for every option)\n`);
        process.exit(1);
    }
    const out = line.values.get("--out");
    return { stack: line.values.get("--stack"), stackFile: line.values.get("--stack-file"), outDir: out === undefined ? undefined : path.resolve(BASE_DIR, out) };
}

const json = (value: unknown) => JSON.stringify(value, null, 2) + "\n";
const text = (content: string) => content.endsWith("\n") ? content : content + "\n";

async function main() {
    const { stack: stackOption, outDir, stackFile } = parseArgs(process.argv.slice(2));
    let config: StackConfig;
    try {
        config = readStackConfig(stackOption, PROJECT_DIR, stackFile, BASE_DIR);
    } catch (err) {
        fail((err as Error).message);
    }
    const stack = config.stack;
    // Errors inside the program's apply callbacks surface as rejections: report them the same way.
    process.on("unhandledRejection", err => fail((err as Error)?.message ?? String(err)));
    const declared: DeclaredResource[] = installMocks(config.region, stack);
    pulumi.runtime.setAllConfig(config.values);
    try {
        require("../index");
    } catch (err) {
        fail((err as Error).message);
    }
    await settled(declared);

    // Every artefact is built before anything is written.
    const files = new Map<string, string>();
    files.set("resources.json", json(declared));
    const one = (type: string) => declared.find(r => r.type === type);
    const rule = one("aws:cloudwatch/eventRule:EventRule");
    const machine = one("aws:sfn/stateMachine:StateMachine");
    const document = one("aws:ssm/document:Document");
    if (!rule || !machine || !document) fail("the program declared no event rule, state machine or runbook document");
    // Every rule's pattern, named after the rule: event-pattern.json (ASFF findings),
    // lifecycle-event-pattern.json (with the write-back), ocsf-event-pattern.json and
    // ocsf-lifecycle-event-pattern.json (with OCSF on).
    let patterns: Map<string, Record<string, unknown>>;
    try {
        patterns = eventPatternFiles(declared);
    } catch (err) {
        fail((err as Error).message);
    }
    for (const [file, pattern] of patterns) files.set(file, json(pattern));
    files.set("state-machine.asl.json", text(machine.inputs.definition));
    // The retry of failed executions (components/failedExecutionRetry.ts), when it is on.
    const retryMachine = declared.find(r => r.type === "aws:sfn/stateMachine:StateMachine" && r !== machine);
    if (retryMachine) files.set("retry-state-machine.asl.json", text(retryMachine.inputs.definition));
    // One file per runbook document: runbook.yaml for the stack's own, runbook-<file>.yaml for a plan's own (responsePlans).
    for (const doc of declared.filter(r => r.type === "aws:ssm/document:Document")) files.set(`${doc.name.replace(/-document$/, "")}.yaml`, text(doc.inputs.content));
    for (const resource of declared) {
        if (resource.type === "aws:iam/role:Role") files.set(`policies/${resource.name}.trust.json`, json(JSON.parse(resource.inputs.assumeRolePolicy)));
        if (resource.type === "aws:iam/rolePolicy:RolePolicy" || resource.type === "aws:sqs/queuePolicy:QueuePolicy") {
            files.set(`policies/${resource.name}.json`, json(JSON.parse(resource.inputs.policy)));
        }
    }

    const defaultDir = path.join(PROJECT_DIR, "out", stack);
    const dir = outDir ?? defaultDir;
    let written: string[];
    try {
        written = writeSynthOutput(dir, stack, files, outDir === undefined ? ` (output of an older synth? delete ${path.relative(BASE_DIR, defaultDir) || defaultDir} yourself once)` : "");
    } catch (err) {
        fail((err as Error).message);
    }
    process.stdout.write(`synth: stack ${stack}: ${declared.filter(r => !r.type.startsWith("securityhub-incidents:")).length} resources in ${declared.filter(r => r.type.startsWith("securityhub-incidents:")).length} components, written to ${escapeControls(dir)}\n`);
    for (const file of written) process.stdout.write(`  ${escapeControls(path.relative(dir, file))}\n`);
    process.exit(0);
}

main().catch(err => fail((err as Error)?.message ?? String(err)));
