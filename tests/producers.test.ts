import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { PRODUCERS } from "../lib/producers";
import { PROJECT_DIR } from "../offline/stackConfig";

/** The rows of a marked table: its cells, without the header and the rule. */
function tableRows(file: string, marker: string): string[][] {
    const text = fs.readFileSync(path.join(PROJECT_DIR, file), "utf8");
    const start = text.indexOf(`<!-- ${marker}:start -->`);
    const end = text.indexOf(`<!-- ${marker}:end -->`);
    expect(start, `${file}: ${marker} table`).to.be.greaterThan(-1);
    return text.slice(start, end).split("\n").filter(l => l.startsWith("|")).slice(2).map(l => l.slice(1, -1).split(" | ").map(c => c.trim()));
}

const name = (n: string | undefined) => n === undefined ? "—" : `\`${n}\``;

describe("producers (lib/producers.ts is the one table)", () => {
    it("docs/producers.md lists every producer with its product names per format and where they were checked", () => {
        expect(tableRows("docs/producers.md", "producer-names")).to.deep.equal(PRODUCERS.map(p => [p.name, name(p.asff), name(p.ocsf), p.checkedIn]));
    });

    it("the README's table shows the same names", () => {
        expect(tableRows("README.md", "readme-producers")).to.deep.equal(PRODUCERS.map(p => [p.name, name(p.asff), name(p.ocsf)]));
    });

    it("names found in the shared corpus are the names the table gives (checked files only)", () => {
        // Every producer whose names were read from a corpus file: that file holds the name.
        for (const p of PRODUCERS.filter(p => /\.json/.test(p.checkedIn) && !/^not /.test(p.checkedIn))) {
            const file = /^([\w-]+\/[\w.-]+\.json)/.exec(p.checkedIn.replace("*", "fsbp-cloudtrail2"))![1];
            const text = fs.readFileSync(path.join("/work/shared/real-findings", file), "utf8");
            expect(text, `${p.name} in ${file}`).to.include(`"${p.asff ?? p.ocsf}"`);
        }
    });
});
