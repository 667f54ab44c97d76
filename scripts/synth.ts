/**
 * Offline synth: runs the real Pulumi program under runtime mocks with a stack's config and
 * writes what `pulumi up` would create under out/<stack>/ (or --out).
 *   npm run synth -- [--stack <name>] [--stack-file <file>] [--out <dir>]
 */
import * as path from "path";
import { productFilterNote } from "../lib/producers";
import { parseCommandLine } from "../offline/commandLine";
import { renderProgram, DeclaredResource } from "../offline/pulumiMocks";
import { escapeControls, escapeLines } from "../offline/safeText";
import { PROJECT_DIR, readStackConfig, StackConfig } from "../offline/stackConfig";
import { eventPatternFiles, MANIFEST, suppressionRulesFile, writeSynthOutput } from "../offline/synthOutput";
import { outputDirRefusal, writeStandardOutput } from "../offline/outputTarget";
import { loadSettings } from "../lib/settings";

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

exit status: 0 written; 2 bad options, bad settings, a bad runbook or an output directory it
will not use (as for simulate: 2 means nothing was done because of what was given)`;

/** Relative paths are the user's: npm runs scripts in the project root but records where it was started. */
const BASE_DIR = process.env.INIT_CWD && path.isAbsolute(process.env.INIT_CWD) ? process.env.INIT_CWD : process.cwd();

/** Exit 2 (bad options, settings, runbook or --out): one line per problem, each starting "synth: ". */
const EXIT_BAD_INPUT = 2;

function fail(message: string): never {
    for (const line of escapeLines(message).split("\n")) process.stderr.write(`synth: ${line}\n`);
    process.exit(EXIT_BAD_INPUT);
}

function parseArgs(argv: string[]): { help?: boolean; stack?: string; outDir?: string; outGiven?: string; stackFile?: string } {
    const line = parseCommandLine(argv, {
        flags: ["--help"],
        values: { "--stack": "a stack name", "--stack-file": "a file", "--out": "a directory" },
        positionals: false,
    });
    if (line.flags.has("--help")) return { help: true };
    if (line.problems.length > 0) {
        for (const problem of line.problems) process.stderr.write(`synth: ${problem.reason}\n`);
        process.stderr.write(`${USAGE.split("\n")[0]}\n(npm run synth -- --help for every option)\n`);
        process.exit(EXIT_BAD_INPUT);
    }
    const out = line.values.get("--out");
    return { stack: line.values.get("--stack"), stackFile: line.values.get("--stack-file"), outGiven: out, outDir: out === undefined ? undefined : path.resolve(BASE_DIR, out) };
}

const json = (value: unknown) => JSON.stringify(value, null, 2) + "\n";
const text = (content: string) => content.endsWith("\n") ? content : content + "\n";

async function main() {
    const { help, stack: stackOption, outDir, stackFile } = parseArgs(process.argv.slice(2));
    if (help) {
        const failed = await writeStandardOutput(USAGE + "\n");
        if (failed !== undefined) fail(`standard output cannot be written: ${failed}`);
        process.exit(0);
    }
    let config: StackConfig;
    try {
        config = readStackConfig(stackOption, PROJECT_DIR, stackFile, BASE_DIR);
    } catch (err) {
        fail((err as Error).message);
    }
    const stack = config.stack;
    // Errors inside the program's apply callbacks surface as rejections: report them the same way.
    process.on("unhandledRejection", err => fail((err as Error)?.message ?? String(err)));
    const declared: DeclaredResource[] = await renderProgram(config, fail);

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
    // The Security Hub automation rules of suppressionsFile, exactly as declared (empty lists without it).
    files.set("suppression-rules.json", json(suppressionRulesFile(declared)));
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
    // Nothing synth read may end up in (and so be replaced in) the output directory.
    const settings = loadSettings(config.read, PROJECT_DIR);
    const runbooks = [settings.runbookPath, ...Object.values(settings.responsePlans ?? {}).map(p => p.runbookPath)];
    const refused = outputDirRefusal(dir, { stackFile: config.file, runbooks }, PROJECT_DIR);
    if (refused) fail(`--out ${dir} ${refused}`);
    let written: string[];
    try {
        written = writeSynthOutput(dir, stack, files, outDir === undefined ? ` (output of an older synth? delete ${path.relative(BASE_DIR, defaultDir) || defaultDir} yourself once)` : "");
    } catch (err) {
        fail((err as Error).message);
    }
    const summary = [`synth: stack ${stack}: ${declared.filter(r => !r.type.startsWith("securityhub-incidents:")).length} resources in ${declared.filter(r => r.type.startsWith("securityhub-incidents:")).length} components, written to ${escapeControls(dir)}`,
        ...written.map(file => `  ${escapeControls(path.relative(dir, file))}`)];
    // Which well-known producers the product filter drops (lib/producers.ts): one line of the summary.
    const productNote = productFilterNote(settings.productNames, settings.findingFormats ?? ["ASFF"]);
    if (productNote) summary.push(`note: ${escapeControls(productNote)}`);
    const failed = await writeStandardOutput(summary.join("\n") + "\n");
    if (failed !== undefined) fail(`the output was written to ${dir}, but standard output cannot be written: ${failed}`);
    process.exit(0);
}

main().catch(err => fail((err as Error)?.message ?? String(err)));
