import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { isSimulateReport, outputDirRefusal, outputFileRefusal } from "../offline/outputTarget";
import { PROJECT_DIR } from "../offline/stackConfig";

/** Where simulate's --output and synth's --out may go (issue 14, A). */
describe("output targets", () => {
    let dir: string;
    beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), "output-target-")); });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
    const write = (name: string, content: string) => {
        const file = path.join(dir, name);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, content);
        return file;
    };
    const refusal = (given: string, read: Parameters<typeof outputFileRefusal>[2] = {}) => outputFileRefusal(given, path.resolve(dir, given), read, PROJECT_DIR);

    describe("simulate --output", () => {
        it("refuses every file the replay reads: an input, a file inside an input directory, the stack file, a runbook", () => {
            const input = write("in.json", "{}");
            const inDir = write("findings/02-get-findings-output.json", "{}");
            const stack = write("Pulumi.x.yaml", "config: {}\n");
            const runbook = write("rb.yaml", "schemaVersion: '0.3'\n");
            const read = { inputs: [input, path.dirname(inDir)], stackFile: stack, runbooks: [runbook] };
            expect(refusal("in.json", read)).to.equal("is one of the input files; the report would overwrite it");
            expect(refusal("findings/02-get-findings-output.json", read)).to.equal(`is a findings file of the input directory ${path.dirname(inDir)}; the report would overwrite it`);
            expect(refusal("Pulumi.x.yaml", read)).to.equal("is the stack file the settings are read from; the report would overwrite it");
            expect(refusal("rb.yaml", read)).to.equal("is a runbook the settings name; the report would overwrite it");
            // Through a symbolic link or a hard link it is still the same file.
            fs.symlinkSync(input, path.join(dir, "link.json"));
            fs.linkSync(stack, path.join(dir, "hard.yaml"));
            expect(refusal("link.json", read)).to.equal("is one of the input files; the report would overwrite it");
            expect(refusal("hard.yaml", read)).to.equal("is the stack file the settings are read from; the report would overwrite it");
            // A new .json file in an input directory would be read by the next replay of it.
            expect(refusal("findings/report.json", read)).to.match(/^is in the input directory .*findings: the next replay of it would read the report as findings/);
            expect(refusal("findings/report.txt", read)).to.equal(undefined);
        });

        it("refuses the project's own files and anything under node_modules/, and any file that is not an earlier report", () => {
            const own = (rel: string) => outputFileRefusal(rel, path.join(PROJECT_DIR, rel), {}, PROJECT_DIR);
            for (const rel of ["Pulumi.dev.yaml", "package.json", "runbooks/securityhub-incident.en.yaml", "README.md", "lib/limits.ts"]) {
                expect(own(rel), rel).to.equal("exists and is not a report of simulate; simulate replaces only its own reports: remove the file or give another name");
            }
            expect(own("node_modules/new-report.json")).to.equal("is under the project's node_modules/, which is never written to; write the report elsewhere");
            expect(own("node_modules/js-yaml/package.json")).to.equal("is under the project's node_modules/, which is never written to; write the report elsewhere");
            expect(refusal("notes.txt", {})).to.equal(undefined);
            write("notes.txt", "my notes\n");
            expect(refusal("notes.txt", {})).to.match(/^exists and is not a report of simulate/);
        });

        it("replaces an earlier report, error document or empty file", () => {
            const json = write("r.json", JSON.stringify({ events: 1, matched: 1, incidents: [], executions: 1 }, null, 2));
            const error = write("e.json", JSON.stringify({ error: { kind: "usage", message: "m", problems: [] } }, null, 2));
            const text = write("r.txt", "Stack dev: findings rule matches …\nReplayed x\n");
            const empty = write("empty.json", "");
            for (const file of [json, error, text, empty]) {
                expect(isSimulateReport(file, fs.statSync(file).size), file).to.equal(true);
                expect(refusal(path.basename(file)), file).to.equal(undefined);
            }
            expect(isSimulateReport(write("pkg.json", '{"name": "x", "incidents": []}'), 31)).to.equal(false);
        });

        it("refuses a name ending in / (a directory), a directory, a FIFO; writes to a character device", function () {
            expect(refusal("newdir/")).to.equal("names a directory (it ends with / or is . or ..); give a file name, e.g. DIR/report.json");
            expect(refusal(".")).to.match(/^names a directory/);
            expect(refusal("..")).to.match(/^names a directory/);
            fs.mkdirSync(path.join(dir, "sub"));
            expect(refusal("sub")).to.equal("is a directory; give a file name");
            expect(refusal("no/such/r.json")).to.equal("cannot be written: no such file or directory (ENOENT)");
            fs.symlinkSync(path.join(PROJECT_DIR, "node_modules", "no-such-report.json"), path.join(dir, "dangling.json"));
            expect(refusal("dangling.json")).to.equal("is a symbolic link to a file that does not exist; give the file itself");
            expect(outputFileRefusal("/dev/null", "/dev/null", {}, PROJECT_DIR)).to.equal(undefined);
            const fifo = path.join(dir, "fifo");
            if (spawnSync("mkfifo", [fifo]).status !== 0) this.skip();
            expect(refusal("fifo")).to.equal("is a FIFO (named pipe), not a regular file; give a file name");
        });
    });

    describe("synth --out", () => {
        it("refuses a directory that holds a file synth reads, and one under node_modules/", () => {
            const stack = write("conf/Pulumi.x.yaml", "config: {}\n");
            const runbook = write("books/rb.yaml", "x: 1\n");
            const read = { stackFile: stack, runbooks: [runbook] };
            expect(outputDirRefusal(dir, read, PROJECT_DIR)).to.equal(`holds ${stack}, the stack file the settings are read from; choose an --out that holds nothing synth reads`);
            expect(outputDirRefusal(path.join(dir, "books"), read, PROJECT_DIR)).to.equal(`holds ${runbook}, a runbook the settings name; choose an --out that holds nothing synth reads`);
            expect(outputDirRefusal(path.join(dir, "new", "out"), read, PROJECT_DIR)).to.equal(undefined);
            expect(outputDirRefusal(path.join(PROJECT_DIR, "node_modules", "synth-out"), read, PROJECT_DIR)).to.equal("is under the project's node_modules/, which is never written to; choose another --out (the default is out/<stack>)");
        });
    });
});
