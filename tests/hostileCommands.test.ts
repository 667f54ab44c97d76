import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_DIR } from "../offline/stackConfig";
import { runScript } from "./support/scripts";
import { findingEvent } from "./support/findings";

/**
 * simulate and synth given hostile input as a user would give it (issue 14): one line per
 * problem, exit 2, no stack trace, nothing written over the user's files. Each test spawns the
 * command; they are few on purpose.
 */
describe("the commands, given hostile input", function () {
    this.timeout(180000);
    let dir: string;
    beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), "hostile-")); });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
    const write = (name: string, content: string) => {
        const file = path.join(dir, name);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, content);
        return file;
    };
    const noStackTrace = (stderr: string) => expect(stderr).not.to.match(/\n\s+at |Error:/);

        it("never write the error document over an input, even when the options are bad too; name each problem in a line", () => {
            const input = write("in.json", JSON.stringify(findingEvent()));
            const before = fs.readFileSync(input, "utf8");
            const run = runScript("simulate", ["--json", "--output", "in.json", "--deliveries", "0", "in.json"], { initCwd: dir });
            expect(run.status).to.equal(2);
            expect(fs.readFileSync(input, "utf8")).to.equal(before);
            expect(run.stderr.split("\n").slice(0, 2)).to.deep.equal([
                'simulate: --deliveries "0" must be a whole number from 1 to 1000, in digits',
                `simulate: --output ${input} is one of the input files; the report would overwrite it`,
            ]);
            expect(JSON.parse(run.stdout).error.kind).to.equal("usage");
        });

        it("exit 2 with one line when standard output cannot be written (a full disk)", function () {
            if (!fs.existsSync("/dev/full")) this.skip();
            const full = fs.openSync("/dev/full", "w");
            try {
                const run = spawnSync(process.execPath, [require.resolve("ts-node/dist/bin.js"), "--transpile-only", path.join(PROJECT_DIR, "scripts", "simulate.ts"), "--json", write("in.json", JSON.stringify(findingEvent()))], {
                    cwd: PROJECT_DIR, encoding: "utf8", stdio: ["ignore", full, "pipe"], env: { ...process.env, INIT_CWD: dir },
                });
                expect(run.status).to.equal(2);
                expect(run.stderr).to.equal("simulate: standard output cannot be written: no space left on the device (ENOSPC)\n");
            } finally {
                fs.closeSync(full);
            }
        });

        it("synth too: its summary on a full standard output exits 2 in one line", function () {
            if (!fs.existsSync("/dev/full")) this.skip();
            const full = fs.openSync("/dev/full", "w");
            try {
                const out = path.join(dir, "out");
                const run = spawnSync(process.execPath, [require.resolve("ts-node/dist/bin.js"), "--transpile-only", path.join(PROJECT_DIR, "scripts", "synth.ts"), "--out", out], {
                    cwd: PROJECT_DIR, encoding: "utf8", stdio: ["ignore", full, "pipe"], env: { ...process.env, INIT_CWD: dir },
                });
                expect(run.status).to.equal(2);
                expect(run.stderr).to.equal(`synth: the output was written to ${out}, but standard output cannot be written: no space left on the device (ENOSPC)\n`);
            } finally {
                fs.closeSync(full);
            }
        });
    
    it("simulate checks the runbooks as synth does: a file that is not a runbook, and /dev/zero, fail before the replay", () => {
        const stackFile = write("Pulumi.rb.yaml", "config:\n  securityhub-incidents:runbookFile: package.json\n");
        const run = runScript("simulate", ["--stack-file", stackFile], { initCwd: dir });
        expect(run.status).to.equal(2);
        expect(run.stdout).to.equal("");
        expect(run.stderr).to.match(new RegExp(`^simulate: runbook ${path.join(PROJECT_DIR, "package.json").replace(/[.]/g, "\\.")}: `));
        expect(run.stderr.trim().split("\n").every(line => line.startsWith("simulate: "))).to.equal(true);
        noStackTrace(run.stderr);
        // A plan's runbook of /dev/zero is refused by its kind, never read (synth grew to 17 GB on it).
        fs.writeFileSync(stackFile, "config:\n  securityhub-incidents:responsePlans:\n    critical: {severityLabels: [CRITICAL], runbookFile: /dev/zero}\n    high: {severityLabels: [HIGH]}\n");
        const synth = runScript("synth", ["--stack-file", stackFile, "--out", path.join(dir, "out")], { initCwd: dir });
        expect(synth.status).to.equal(2);
        expect(synth.stderr).to.equal('synth: securityhub-incidents:responsePlans: plan "critical": runbookFile: runbook file /dev/zero is a character device, not a regular file; give an SSM Automation YAML document\n');
        expect(fs.existsSync(path.join(dir, "out"))).to.equal(false);
    });
});
