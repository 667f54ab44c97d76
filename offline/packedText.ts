import * as zlib from "zlib";

/**
 * Text kept compressed in memory, for what a long replay holds but rarely reads again (a stand-in's
 * record of a finding or incident whose events are over). A packer compresses with deflate and a
 * preset dictionary: the first text it packs, since a stand-in's records share their shape and
 * most of their field names (a finding's stored JSON of about 1.1 KB packs to about 180 bytes with
 * it, about 540 without). The packed form is a one-byte string (latin1), not a Buffer: small
 * Buffers are slices of shared 8 KB pools, which one slice keeps alive whole.
 * Packing is lossless: unpack gives back exactly the text packed.
 */
export class TextPacker {
    private dictionary?: Buffer;
    /** Texts packed so far (tests and benchmarks read it). */
    packed = 0;

    // A 4 KB window holds the dictionary and a record; a low level keeps packing cheap (about 0.1 ms).
    private static readonly OPTIONS = { windowBits: 12, memLevel: 4, level: 4 } as const;

    pack(text: string): string {
        this.dictionary ??= Buffer.from(text, "utf8").subarray(0, 1 << TextPacker.OPTIONS.windowBits);
        this.packed++;
        return zlib.deflateRawSync(text, { ...TextPacker.OPTIONS, dictionary: this.dictionary }).toString("latin1");
    }

    unpack(packed: string): string {
        if (!this.dictionary) throw new Error("TextPacker.unpack: nothing was packed");
        return zlib.inflateRawSync(Buffer.from(packed, "latin1"), { windowBits: TextPacker.OPTIONS.windowBits, dictionary: this.dictionary }).toString("utf8");
    }
}
