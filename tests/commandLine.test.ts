import { expect } from "chai";
import { parseCommandLine, wholeNumber } from "../offline/commandLine";

describe("command-line parsing", () => {
    const spec = { flags: ["--json", "--help"], values: { "--stack": "a stack name", "--out": "a directory" }, positionals: true };

    it("reads options, --opt=value, flags, -h and arguments after --", () => {
        const parsed = parseCommandLine(["--stack", "prod", "--out=dir", "--json", "-h", "a.json", "--", "--weird.json", "-"], spec);
        expect(parsed.problems).to.deep.equal([]);
        expect([...parsed.values]).to.deep.equal([["--stack", "prod"], ["--out", "dir"]]);
        expect([...parsed.flags]).to.deep.equal(["--json", "--help"]);
        expect(parsed.positionals).to.deep.equal(["a.json", "--weird.json", "-"]);
    });

    it("collects every problem: unknown option, missing or empty value, repeated option, stdin, stray argument", () => {
        const parsed = parseCommandLine(["--bogus", "--stack", "--out", "a", "--out", "b", "--json=yes", "--stack=", "-"], spec);
        expect(parsed.problems).to.deep.equal([
            { source: "--bogus", reason: "unknown option --bogus" },
            { source: "--stack", reason: "--stack needs a value (a stack name)" },
            { source: "--out", reason: "--out is given more than once" },
            { source: "--json", reason: "--json takes no value" },
            { source: "--stack", reason: "--stack needs a value (a stack name), not an empty string" },
            { source: "-", reason: "reading from standard input (-) is not supported; give a file" },
        ]);
        expect(parseCommandLine(["file.json"], { ...spec, positionals: false }).problems).to.deep.equal([
            { source: "file.json", reason: 'unexpected argument "file.json"; options start with --' },
        ]);
    });

    it("escapes control characters in what it quotes", () => {
        expect(parseCommandLine(["--\u001b[2Jx"], spec).problems).to.deep.equal([{ source: "--\\x1b[2Jx", reason: "unknown option --\\x1b[2Jx" }]);
    });

    it("takes whole numbers in plain digits only", () => {
        expect(wholeNumber("--deliveries", "1000", 1, 1000)).to.equal(1000);
        expect(wholeNumber("--deliveries", "007", 1, 1000)).to.equal(7);
        for (const value of ["1e3", "0x10", " 5", "5 ", "5.0", "+5", "0", "1001", "", "٣", "Infinity", "99999999999999999999"]) {
            expect(wholeNumber("--deliveries", value, 1, 1000), value).to.deep.equal({ problem: `--deliveries ${JSON.stringify(value)} must be a whole number from 1 to 1000, in digits` });
        }
    });
});
