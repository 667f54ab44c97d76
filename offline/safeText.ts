/**
 * Text that came from input files (finding titles, IDs, file names, parser messages) is shown on a
 * terminal and in messages. A finding can carry escape sequences that move the cursor, rewrite the
 * window title or hide lines; these helpers make such text inert.
 */

// C0 and C1 controls, DEL, and the Unicode characters that reorder or break lines when displayed
// (bidirectional overrides and isolates, line and paragraph separators).
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

// Terminal escape sequences: CSI (ESC [ or 0x9b) with its parameters; OSC, DCS, SOS, PM and APC
// strings (ESC ] P X ^ _ or their 8-bit forms) up to their terminator (BEL or ST) or the end of
// the text; any other two-character ESC sequence.
const ESCAPE_SEQUENCE = new RegExp([
    "(?:\\u001b\\[|\\u009b)[\\u0030-\\u003f]*[\\u0020-\\u002f]*[\\u0040-\\u007e]?",
    "(?:\\u001b[\\]PX^_]|[\\u0090\\u0098\\u009d\\u009e\\u009f])[\\s\\S]*?(?:\\u0007|\\u001b\\\\|\\u009c|$)",
    "\\u001b[\\u0020-\\u002f]*[\\u0030-\\u007e]?",
].join("|"), "g");

// What JSON.stringify leaves raw inside strings but a terminal may still act on.
const JSON_UNSAFE = /[\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

// Invisible characters that are harmless on a terminal but hide in a message that quotes input.
const INVISIBLE = /[\u200b-\u200d\u2060-\u2064\ufeff]/g;

const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

function escapeOne(c: string): string {
    if (NAMED[c]) return NAMED[c];
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
}

/** Shows control and invisible characters as escapes (`\x1b`, `\n`, `\u202e`, `\ufeff`): for messages that quote input. */
export function escapeControls(text: string): string {
    return text.replace(CONTROL, escapeOne).replace(INVISIBLE, escapeOne);
}

/** escapeControls for a message of several lines: line breaks stay, every other control is escaped. */
export function escapeLines(text: string): string {
    return text.split("\n").map(escapeControls).join("\n");
}

/**
 * For finding text printed in the human report: escape sequences are removed, line breaks and
 * tabs become spaces, any other control character is removed.
 */
export function forTerminal(text: unknown): string {
    return String(text)
        .replace(ESCAPE_SEQUENCE, "")
        .replace(/[\t\n\r\u2028\u2029]/g, " ")
        .replace(CONTROL, "");
}

/**
 * JSON for stdout or a file: JSON.stringify already escapes C0 controls inside strings; this also
 * escapes DEL, C1 controls and the reordering characters, so printing the document on a terminal
 * is safe. The result parses back to the same value.
 */
export function safeJson(value: unknown, indent = 2): string {
    return JSON.stringify(value, null, indent).replace(JSON_UNSAFE, c => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
