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

/** A retired text waiting for its group to fill. */
interface Queued {
    text: string;
}

/** A retired text packed with others: its group and where it is in it. */
interface Member {
    group: PackedGroup;
    index: number;
}

/** Texts packed together: the packed text of them joined, and where each ends in it (UTF-16 units). */
interface PackedGroup {
    packed: string;
    ends: number[];
}

/**
 * Texts by key, those retired (their record's events are over) kept packed, in groups: retiring a
 * text queues it, and every `GROUP_SIZE` queued texts are packed together, in one deflate call.
 * A zlib call costs about 20 µs before its first byte (the stream object, its state, the
 * dictionary), which one text at a time was most of the time a month's findings spent retiring;
 * a group of `GROUP_SIZE` (32) costs about 6-8 µs a text, and packs smaller (texts of one shape share their field
 * names). A queued text is held as it is until its group is packed. Reading a packed text
 * unpacks its group (the last one read is kept unpacked for the next read); setting a key again
 * holds the new text as it is, and its old text stays in its group until no key needs the group.
 * Nothing of this changes what `get` answers: the text last set, whether retired or not.
 */
export class RetiringTexts<K> {
    static readonly GROUP_SIZE = 32;
    private readonly entries = new Map<K, string | Queued | Member>();
    private queue: Array<{ key: K; entry: Queued }> = [];
    private readonly packer = new TextPacker();
    private lastRead?: { group: PackedGroup; text: string };
    /** Texts retired so far (queued or packed). */
    retired = 0;
    /** Texts packed into groups so far (a queued text set again before its group is packed is not). */
    packed = 0;

    get(key: K): string | undefined {
        const entry = this.entries.get(key);
        if (entry === undefined || typeof entry === "string") return entry;
        if ("text" in entry) return entry.text;
        const { group, index } = entry;
        if (this.lastRead?.group !== group) this.lastRead = { group, text: this.packer.unpack(group.packed) };
        return this.lastRead.text.slice(index === 0 ? 0 : group.ends[index - 1], group.ends[index]);
    }

    set(key: K, text: string): void {
        this.entries.set(key, text);
    }

    /** Retires a key's text; false when there is none or it is retired already. */
    retire(key: K): boolean {
        const text = this.entries.get(key);
        if (typeof text !== "string") return false;
        const entry: Queued = { text };
        this.entries.set(key, entry);
        this.queue.push({ key, entry });
        this.retired++;
        if (this.queue.length >= RetiringTexts.GROUP_SIZE) this.packQueue();
        return true;
    }

    /** Packs the queued texts still retired (a key set again since holds its new text). */
    private packQueue(): void {
        const waiting = this.queue.filter(({ key, entry }) => this.entries.get(key) === entry);
        this.queue = [];
        if (waiting.length === 0) return;
        const ends: number[] = [];
        let end = 0;
        for (const { entry } of waiting) ends.push(end += entry.text.length);
        const group: PackedGroup = { packed: this.packer.pack(waiting.map(w => w.entry.text).join("")), ends };
        waiting.forEach(({ key }, index) => this.entries.set(key, { group, index }));
        this.packed += waiting.length;
    }

    /** Characters of the packed groups' texts, each group counted once (for memory figures). */
    get packedLength(): number {
        const groups = new Set<PackedGroup>();
        for (const entry of this.entries.values()) if (typeof entry !== "string" && "group" in entry) groups.add(entry.group);
        let length = 0;
        for (const group of groups) length += group.packed.length;
        return length;
    }
}
