import { expect } from "chai";
import { escapeControls, escapeLines, forTerminal, safeJson } from "../offline/safeText";

describe("text from input, made safe to print", () => {
    it("removes escape sequences and control characters from finding text", () => {
        const cases: Array<[string, string]> = [
            ["\u001b[31mred\u001b[0m", "red"],
            ["\u001b[2J\u001b[1;1Hclear", "clear"],
            ["\u001b]0;window title\u0007after", "after"],
            ["\u001b]8;;https://evil.example\u001b\\link\u001b]8;;\u001b\\", "link"],
            ["\u001b]0;unterminated", ""],
            ["\u001bPdevice control\u001b\\x", "x"],
            ["\u009b31mC1 CSI", "C1 CSI"],
            ["\u001bcreset", "reset"],
            ["line\nbreak\r\ttab", "line break  tab"],
            ["bell\u0007 del\u007f nul\u0000", "bell del nul"],
            ["\u202eevil\u202c and \u2066isolate\u2069", "evil and isolate"],
            ["日本語のタイトル 👩‍💻", "日本語のタイトル 👩‍💻"],
        ];
        for (const [input, shown] of cases) expect(forTerminal(input), JSON.stringify(input)).to.equal(shown);
        expect(forTerminal(42)).to.equal("42");
    });

    it("escapes control and invisible characters in messages that quote input", () => {
        expect(escapeControls("a\u001b[2Jb\nc\td\u0000\u009b\u202e\ufeff\u200b")).to.equal("a\\x1b[2Jb\\nc\\td\\x00\\x9b\\u202e\\ufeff\\u200b");
        expect(escapeLines("first\u001b\nsecond\r")).to.equal("first\\x1b\nsecond\\r");
    });

    it("prints JSON that parses back to the same value with no raw control characters", () => {
        const value = { title: "\u001b[31m\u009b\u202e\u2028x\u007f", n: [1, { s: "é" }] };
        const text = safeJson(value);
        expect(JSON.parse(text)).to.deep.equal(value);
        expect(text).not.to.match(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u202e]/);
    });
});
