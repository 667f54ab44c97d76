import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_DIR, readStackConfig, stackName } from "../offline/stackConfig";

describe("stack files (offline reader)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-files-"));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const write = (name: string, content: string) => {
        const file = path.join(dir, name);
        fs.writeFileSync(file, content);
        return file;
    };
    const read = (file: string) => () => readStackConfig("x", PROJECT_DIR, file);

    it("names the file, line and column of a YAML error", () => {
        const file = write("Pulumi.broken.yaml", "config:\n  aws:region: ap-northeast-1\n  securityhub-incidents:severityLabels: [HIGH,\n");
        expect(read(file)).to.throw(`${file}:4:1: not valid YAML: unexpected end of the stream within a flow collection`);
    });

    it("refuses a file that is not a mapping, and a config: that is not one", () => {
        expect(read(write("Pulumi.list.yaml", "- config\n- x\n"))).to.throw(/Pulumi\.list\.yaml: a stack file is a YAML mapping \(config: \.\.\.\), not a list$/);
        expect(read(write("Pulumi.text.yaml", "just some text\n"))).to.throw(/Pulumi\.text\.yaml: a stack file is a YAML mapping \(config: \.\.\.\), not a string$/);
        expect(read(write("Pulumi.cfglist.yaml", "config:\n  - aws:region\n"))).to.throw(/Pulumi\.cfglist\.yaml: config: must be a mapping of key: value, not a list$/);
        expect(read(write("Pulumi.cfgtext.yaml", "config: severityLabels=HIGH\n"))).to.throw(/config: must be a mapping of key: value, not a string$/);
    });

    it("reads an empty file or a bare config: as a stack without settings", () => {
        expect(readStackConfig("x", PROJECT_DIR, write("Pulumi.empty.yaml", "")).values).to.deep.equal({});
        expect(readStackConfig("x", PROJECT_DIR, write("Pulumi.bare.yaml", "config:\n")).values).to.deep.equal({});
    });

    it("names a directory, a device or a FIFO given as the stack file", () => {
        fs.mkdirSync(path.join(dir, "Pulumi.dir.yaml"));
        expect(read(path.join(dir, "Pulumi.dir.yaml"))).to.throw(`${path.join(dir, "Pulumi.dir.yaml")} is a directory, not a Pulumi.<stack>.yaml file`);
        expect(read("/dev/zero")).to.throw("/dev/zero is a character device, not a Pulumi.<stack>.yaml file");
        const fifo = path.join(dir, "Pulumi.fifo.yaml");
        if (spawnSync("mkfifo", [fifo]).status === 0) expect(read(fifo)).to.throw(`${fifo} is a FIFO (named pipe), not a Pulumi.<stack>.yaml file`);
    });

    it("refuses YAML anchors and aliases at once (no billion laughs)", function () {
        this.timeout(5000);
        const levels = "abcdefghi".split("");
        const bomb = ["config:", '  a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
            ...levels.map((l, i) => `  securityhub-incidents:${l}: &a${i + 1} [${Array(9).fill(`*a${i}`).join(",")}]`)].join("\n");
        const started = Date.now();
        expect(read(write("Pulumi.bomb.yaml", bomb))).to.throw(/Pulumi\.bomb\.yaml:2: YAML anchors and aliases \(&a0\) are not accepted in stack files; write the values out$/);
        expect(Date.now() - started).to.be.below(1000);
        expect(read(write("Pulumi.alias.yaml", "config:\n  aws:region: &r ap-northeast-1\n  securityhub-incidents:tableName: *r\n"))).to.throw(/Pulumi\.alias\.yaml:2: YAML anchors/);
        // A value that merely contains & or * is not an anchor.
        expect(readStackConfig("x", PROJECT_DIR, write("Pulumi.amp.yaml", "config:\n  securityhub-incidents:tableName: 'a&b*c'\n")).values).to.deep.equal({ "securityhub-incidents:tableName": "a&b*c" });
    });

    it("refuses a stack file over 1 MB", () => {
        expect(read(write("Pulumi.huge.yaml", `# ${"x".repeat(1024 * 1024)}\n`))).to.throw(/Pulumi\.huge\.yaml is 1048579 bytes; a stack file over 1048576 bytes is not read/);
    });

    it("takes the stack name from --stack, else from a Pulumi.<name>.yaml file, else dev", () => {
        expect(stackName(undefined)).to.equal("dev");
        expect(stackName("prod", "/x/Pulumi.changed.yaml")).to.equal("prod");
        expect(stackName(undefined, "/x/Pulumi.staging.yaml")).to.equal("staging");
        expect(stackName(undefined, "/x/Pulumi.staging.yml")).to.equal("staging");
        expect(() => stackName(undefined, "/x/settings.yaml")).to.throw("--stack-file /x/settings.yaml: the file is not named Pulumi.<stack>.yaml, so give the stack's name with --stack");
        expect(() => stackName("../etc")).to.throw('--stack "../etc": a stack name is letters, digits, _, . and -');
        const file = write("Pulumi.staging.yaml", "config:\n  aws:region: eu-west-1\n");
        expect(readStackConfig(undefined, PROJECT_DIR, file)).to.deep.include({ stack: "staging", region: "eu-west-1" });
    });

    it("resolves a relative stack file from the directory given", () => {
        write("Pulumi.rel.yaml", "config:\n  aws:region: us-west-2\n");
        expect(readStackConfig(undefined, PROJECT_DIR, "Pulumi.rel.yaml", dir)).to.deep.include({ stack: "rel", file: path.join(dir, "Pulumi.rel.yaml") });
        expect(() => readStackConfig(undefined, PROJECT_DIR, "Pulumi.none.yaml", dir)).to.throw(`--stack-file ${path.join(dir, "Pulumi.none.yaml")} does not exist`);
    });
});
