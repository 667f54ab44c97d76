/**
 * Offline synth: runs the real Pulumi program under runtime mocks with a stack's config and
 * writes what `pulumi up` would create under out/<stack>/.
 *   npm run synth -- --stack dev
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, settled, DeclaredResource } from "../offline/pulumiMocks";
import { PROJECT_DIR, readStackConfig } from "../offline/stackConfig";

function fail(message: string): never {
    process.stderr.write(`synth: ${message}\n`);
    process.exit(1);
}

function parseArgs(argv: string[]): { stack: string; outDir?: string; stackFile?: string } {
    let stack = "dev";
    let outDir: string | undefined;
    let stackFile: string | undefined;
    for (let i = 0; i < argv.length; i++) {
        if (argv[i] === "--stack" && argv[i + 1]) stack = argv[++i];
        else if (argv[i] === "--out" && argv[i + 1]) outDir = path.resolve(argv[++i]);
        else if (argv[i] === "--stack-file" && argv[i + 1]) stackFile = path.resolve(argv[++i]);
        else fail(`unknown argument ${JSON.stringify(argv[i])}; usage: npm run synth -- [--stack <name>] [--stack-file <Pulumi.x.yaml>] [--out <dir>]`);
    }
    return { stack, outDir, stackFile };
}

function write(dir: string, file: string, content: string): string {
    const target = path.join(dir, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content.endsWith("\n") ? content : content + "\n");
    return target;
}

async function main() {
    const { stack, outDir, stackFile } = parseArgs(process.argv.slice(2));
    let config;
    try {
        config = readStackConfig(stack, PROJECT_DIR, stackFile);
    } catch (err) {
        fail((err as Error).message);
    }
    // Errors inside the program's apply callbacks surface as rejections: report them the same way.
    process.on("unhandledRejection", err => fail((err as Error).message ?? String(err)));
    const declared: DeclaredResource[] = installMocks(config.region, stack);
    pulumi.runtime.setAllConfig(config.values);
    try {
        require("../index");
    } catch (err) {
        fail((err as Error).message);
    }
    await settled(declared);

    const dir = outDir ?? path.join(PROJECT_DIR, "out", stack);
    fs.rmSync(dir, { recursive: true, force: true });
    const written: string[] = [];
    written.push(write(dir, "resources.json", JSON.stringify(declared, null, 2)));
    const one = (type: string) => declared.find(r => r.type === type);
    const rule = one("aws:cloudwatch/eventRule:EventRule");
    const machine = one("aws:sfn/stateMachine:StateMachine");
    const document = one("aws:ssm/document:Document");
    if (!rule || !machine || !document) fail("the program declared no event rule, state machine or runbook document");
    written.push(write(dir, "event-pattern.json", JSON.stringify(JSON.parse(rule.inputs.eventPattern), null, 2)));
    written.push(write(dir, "state-machine.asl.json", machine.inputs.definition));
    written.push(write(dir, "runbook.yaml", document.inputs.content));
    for (const resource of declared) {
        if (resource.type === "aws:iam/role:Role") {
            written.push(write(dir, `policies/${resource.name}.trust.json`, JSON.stringify(JSON.parse(resource.inputs.assumeRolePolicy), null, 2)));
        }
        if (resource.type === "aws:iam/rolePolicy:RolePolicy" || resource.type === "aws:sqs/queuePolicy:QueuePolicy") {
            written.push(write(dir, `policies/${resource.name}.json`, JSON.stringify(JSON.parse(resource.inputs.policy), null, 2)));
        }
    }
    process.stdout.write(`synth: stack ${stack}: ${declared.filter(r => !r.type.startsWith("securityhub-incidents:")).length} resources in ${declared.filter(r => r.type.startsWith("securityhub-incidents:")).length} components\n`);
    for (const file of written) process.stdout.write(`  ${path.relative(process.cwd(), file)}\n`);
    process.exit(0);
}

main().catch(err => fail((err as Error).stack ?? String(err)));
