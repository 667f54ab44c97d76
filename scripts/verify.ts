/**
 * After `pulumi up`: checks the deployed pipeline in the account against what the program renders.
 *   npm run verify -- --stack <name> [--outputs FILE] [--dry-run] [--json] [--end-to-end] [FILE ...]
 * See docs/verify.md.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parseCommandLine } from "../offline/commandLine";
import { MOCK_ACCOUNT, renderProgram, DeclaredResource } from "../offline/pulumiMocks";
import { escapeControls, escapeLines } from "../offline/safeText";
import { PROJECT_DIR, readStackConfig, StackConfig } from "../offline/stackConfig";
import { readFindingInputs } from "../offline/findingInput";
import { fsReason } from "../offline/fsMessages";
import { Deployment, expectedStack, ExpectedStack, readOutputs, StackOutputs, VerifyError } from "../lib/verify/model";
import { callerPolicy, PlannedCall, plannedCalls } from "../lib/verify/calls";
import { CheckResult, Clients, RunReport, runVerify } from "../lib/verify/run";

const USAGE = `usage: npm run verify -- --stack <name> [options] [FILE ...]

Checks the stack's deployed pipeline in the AWS account against what the program renders for it
(npm run synth): definition, event patterns and IAM policies; EventBridge's matcher against the
offline one; each role's permissions; each Task state alone (Step Functions TestState) on check
data; Incident Manager's replication set. Nothing changes a real finding or pages anyone, except
with --end-to-end. Credentials and Region come from the AWS SDK's default chain (as for pulumi up).
FILE: finding or event files (.json, .jsonl) to test the patterns on, besides samples/findings.

options:
  --stack <name>      the stack (Pulumi.<name>.yaml; its outputs: pulumi stack output --json)
  --outputs <file>    read the stack's outputs from this file instead of running pulumi
  --dry-run           list every AWS call the checks would make (with --end-to-end: those too),
                      and call nothing: no credentials or network needed
  --json              print one JSON document instead of lines
  --end-to-end        ALSO start one execution with a synthetic finding: it opens a real incident
                      (and engages the response plan's contacts), which verify then resolves and removes
  -h, --help          print this help and exit

exit status: 0 every check passed or was skipped; 1 a check failed; 2 verify could not run`;

const BASE_DIR = process.env.INIT_CWD && path.isAbsolute(process.env.INIT_CWD) ? process.env.INIT_CWD : process.cwd();
const SAMPLES_DIR = path.join(PROJECT_DIR, "samples", "findings");

let jsonMode = process.argv.includes("--json");

/** Thrown to stop the command once its last output is on its way. */
class Stop extends Error {}
let stopping = false;

/** Writes the last output and exits once it is flushed (a pipe is written asynchronously); stops the caller at once. */
function finish(stream: NodeJS.WriteStream, text: string, code: number): never {
    if (!stopping) {
        stopping = true;
        stream.write(text, () => process.exit(code));
    }
    throw new Stop();
}

function fail(message: string): never {
    if (jsonMode) return finish(process.stdout, JSON.stringify({ tool: "securityhub-incidents verify", ok: false, error: escapeLines(message).split("\n") }, null, 2) + "\n", 2);
    return finish(process.stderr, escapeLines(message).split("\n").map(line => `verify: ${line}\n`).join(""), 2);
}

/** The last word on anything unexpected: one line, never a stack trace. */
function unexpected(err: unknown): void {
    if (err instanceof Stop) return;
    try {
        fail((err as Error)?.message ?? String(err));
    } catch {
        // stopping
    }
}

interface Args {
    stack: string;
    outputsFile?: string;
    dryRun: boolean;
    json: boolean;
    endToEnd: boolean;
    files: string[];
}

function parseArgs(argv: string[]): Args {
    const line = parseCommandLine(argv, {
        flags: ["--help", "--dry-run", "--json", "--end-to-end"],
        values: { "--stack": "a stack name", "--outputs": "a file" },
        positionals: true,
    });
    if (line.flags.has("--help")) {
        finish(process.stdout, USAGE + "\n", 0);
    }
    const problems = line.problems.map(p => p.reason);
    if (!line.values.has("--stack") && problems.length === 0) problems.push("--stack is required: the stack to verify (e.g. --stack prod)");
    if (problems.length > 0) fail([...problems, `${USAGE.split("\n")[0]} (npm run verify -- --help for every option)`].join("\n"));
    return {
        stack: line.values.get("--stack")!,
        outputsFile: line.values.get("--outputs"),
        dryRun: line.flags.has("--dry-run"),
        json: line.flags.has("--json"),
        endToEnd: line.flags.has("--end-to-end"),
        files: line.positionals,
    };
}

/** The program's resources for the stack, rendered under mocks as npm run synth renders them. */
async function render(config: StackConfig): Promise<DeclaredResource[]> {
    process.on("unhandledRejection", unexpected);
    return renderProgram(config, fail);
}

function stackOutputs(args: Args): { value: unknown; source: string } {
    if (args.outputsFile !== undefined) {
        const file = path.resolve(BASE_DIR, args.outputsFile);
        const shown = escapeControls(file);
        let text: string;
        try {
            text = fs.readFileSync(file, "utf8");
        } catch (err) {
            fail(`--outputs ${shown} cannot be read: ${fsReason(err)}`);
        }
        try {
            return { value: JSON.parse(text), source: shown };
        } catch (err) {
            fail(`--outputs ${shown}: not JSON (${(err as Error).message}); write it with pulumi stack output --json --stack ${args.stack} > FILE`);
        }
    }
    const run = spawnSync("pulumi", ["stack", "output", "--json", "--stack", args.stack], { cwd: PROJECT_DIR, encoding: "utf8" });
    if (run.error) fail(`cannot run pulumi stack output (${(run.error as NodeJS.ErrnoException).code ?? run.error.message}): install the Pulumi CLI, or give the outputs with --outputs FILE`);
    if (run.status !== 0) fail(`pulumi stack output --json --stack ${args.stack} failed: ${(run.stderr || "").trim().split("\n")[0] || `exit status ${run.status}`}`);
    try {
        return { value: JSON.parse(run.stdout), source: `pulumi stack output --stack ${args.stack}` };
    } catch {
        return fail(`pulumi stack output --json --stack ${args.stack} printed no JSON`);
    }
}

/** For --dry-run without outputs: names the account will supply, shown as placeholders. */
function placeholderDeployment(expected: ExpectedStack): Deployment {
    const account = "<account>";
    const fromOutputs = (key: string) => `<${key} from the stack outputs>`;
    const outputs: StackOutputs = {
        tableName: expected.tableMockName.endsWith("-0001") ? fromOutputs("tableName") : expected.tableMockName,
        stateMachineArn: `arn:aws:states:${expected.region}:${account}:stateMachine:${fromOutputs("stateMachineArn")}`,
        responsePlanArn: `arn:aws:ssm-incidents::${account}:response-plan/${expected.plans[0]?.name}`,
        responsePlanArns: Object.fromEntries(expected.plans.map(p => [p.name, `arn:aws:ssm-incidents::${account}:response-plan/${p.name}`])),
        runbookDocumentName: fromOutputs("runbookDocumentName"),
        runbookDocumentNames: Object.fromEntries(expected.plans.map(p => [p.name, fromOutputs(`runbookDocumentNames.${p.name}`)])),
    };
    if (expected.retry) {
        outputs.retryMachineArn = `arn:aws:states:${expected.region}:${account}:stateMachine:${fromOutputs("retryMachineArn")}`;
        outputs.failedFindingsQueueUrl = fromOutputs("failedFindingsQueueUrl");
    }
    for (const rule of expected.rules) outputs[rule.outputKey] = `arn:aws:events:${expected.region}:${account}:rule/${fromOutputs(rule.outputKey)}`;
    return { partition: "aws", region: expected.region, account, outputs };
}

function sdkClients(): Clients {
    // Loaded here, so --dry-run and --help never touch the SDK; every client uses the default chain.
    const { STSClient } = require("@aws-sdk/client-sts");
    const { SFNClient } = require("@aws-sdk/client-sfn");
    const { EventBridgeClient } = require("@aws-sdk/client-eventbridge");
    const { IAMClient } = require("@aws-sdk/client-iam");
    const { DynamoDBClient } = require("@aws-sdk/client-dynamodb");
    const { SSMIncidentsClient } = require("@aws-sdk/client-ssm-incidents");
    return { sts: new STSClient({}), sfn: new SFNClient({}), events: new EventBridgeClient({}), iam: new IAMClient({}), dynamodb: new DynamoDBClient({}), incidents: new SSMIncidentsClient({}) };
}

const MARK: Record<CheckResult["status"], string> = { pass: "PASS", fail: "FAIL", skip: "SKIP" };

async function main() {
    const args = parseArgs(process.argv.slice(2));
    jsonMode = args.json;
    let config: StackConfig;
    try {
        config = readStackConfig(args.stack, PROJECT_DIR);
    } catch (err) {
        fail((err as Error).message);
    }
    const inputs = readFindingInputs([SAMPLES_DIR, ...args.files], BASE_DIR);
    if (inputs.unreadable.length > 0) fail(inputs.unreadable.map(p => `${p.source}: ${p.reason}`).join("\n"));
    const samples = inputs.events.map(e => ({ source: path.relative(BASE_DIR, e.source.replace(/\[\d+\]$|:\d+$/, "")) + (/(\[\d+\]|:\d+)$/.exec(e.source)?.[0] ?? ""), event: e.event }));

    const declared = await render(config);
    let expected: ExpectedStack;
    try {
        expected = expectedStack(declared, config.stack, config.region, MOCK_ACCOUNT);
    } catch (err) {
        fail((err as Error).message);
    }

    let deployment: Deployment;
    if (args.dryRun && args.outputsFile === undefined) deployment = placeholderDeployment(expected);
    else {
        const { value, source } = stackOutputs(args);
        try {
            deployment = readOutputs(value, source);
        } catch (err) {
            if (err instanceof VerifyError) fail(err.message);
            throw err;
        }
    }

    if (args.dryRun) {
        const calls = plannedCalls(expected, deployment, { endToEnd: args.endToEnd, samples: samples.map(s => s.source) });
        finish(process.stdout, dryRunText(args, deployment, calls, expected), 0);
    }

    const clients = sdkClients();
    let region: string | undefined;
    try {
        region = await clients.sfn.config.region();
    } catch {
        region = undefined;
    }
    if (region !== deployment.region) fail(`the AWS SDK's Region is ${region ?? "not set"}; stack ${args.stack} is in ${deployment.region}: set AWS_REGION=${deployment.region} (or your profile's region) and run again`);

    const onResult = args.json ? undefined : (r: CheckResult) => process.stdout.write(`${MARK[r.status]}  ${escapeControls(r.check)}: ${escapeControls(r.detail)}\n`);
    if (!args.json) process.stdout.write(`verify: stack ${args.stack} in account ${deployment.account}, ${deployment.region}${args.endToEnd ? " (with --end-to-end: opens, then resolves, one real incident)" : ""}\n`);
    let outcome: RunReport;
    try {
        outcome = await runVerify(expected, deployment, clients, { endToEnd: args.endToEnd, samples, now: new Date().toISOString(), onResult });
    } catch (err) {
        fail(`stopped: ${(err as Error)?.message ?? String(err)}`);
    }
    const count = (s: CheckResult["status"]) => outcome.results.filter(r => r.status === s).length;
    const ok = count("fail") === 0;
    if (args.json) {
        finish(process.stdout, JSON.stringify({
            tool: "securityhub-incidents verify", stack: args.stack, account: deployment.account, region: deployment.region, endToEnd: args.endToEnd, ok,
            summary: { passed: count("pass"), failed: count("fail"), skipped: count("skip") },
            results: outcome.results, calls: outcome.calls,
            // What the checks compared the account with (in the mock account of npm run synth), for bug reports.
            expected,
        }, null, 2) + "\n", ok ? 0 : 1);
    } else {
        finish(process.stdout, `verify: ${count("pass")} checks passed, ${count("fail")} failed, ${count("skip")} skipped; ${outcome.calls.length} AWS calls${ok ? "" : " (attach this report, or its --json, to a bug report: docs/verify.md)"}\n`, ok ? 0 : 1);
    }
}

function dryRunText(args: Args, d: Deployment, calls: PlannedCall[], expected: ExpectedStack): string {
    // The policy covers --end-to-end too, so one policy serves every run.
    const policy = callerPolicy(plannedCalls(expected, d, { endToEnd: true, samples: ["sample"] }), d);
    if (args.json) return JSON.stringify({ tool: "securityhub-incidents verify", stack: args.stack, dryRun: true, account: d.account, region: d.region, calls, callerPolicy: policy, expected }, null, 2) + "\n";
    const writes = calls.filter(c => /removes|resolves|OPENS|may write/.test(c.purpose)).length;
    return `verify --dry-run: stack ${args.stack}, ${d.region}: ${calls.length} AWS calls, nothing called${args.outputsFile === undefined ? " (names in <> come from the stack outputs)" : ""}\n`
        + calls.map(c => `  ${c.service} ${c.operation}  ${escapeControls(c.target)}  — ${c.purpose}\n`).join("")
        + `${writes} of them write: check items in the dedup table (removed after)${args.endToEnd ? ", and the end-to-end execution with its incident" : ""}; none changes a real finding or pages anyone${args.endToEnd ? " except the end-to-end run" : ""}\n`
        + `the IAM policy to run verify (statement EndToEndOnly only for --end-to-end):\n${JSON.stringify(policy, null, 2)}\n`;
}

main().catch(unexpected);
