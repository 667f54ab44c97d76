// dynalite keeps its tables in memory-level, whose default store encoding is 'buffer': every key
// and item is a Node Buffer, and a Buffer under 4 KB is a slice of a shared 8 KB pool. A slice
// keeps its whole pool alive, so a table of items that are rewritten now and then (the dedup
// records: a claim, then its incident, then re-imports) ends up holding close to one 8 KB pool per
// live item, several times the items' own bytes (a heap snapshot of bench:month at 5,000 findings:
// 2,148 pools, 18.7 MB, for 4,576 stored items). With the store encoding 'utf8' each key and item
// is a string of its own (the item's JSON text, as before in the Buffer): 5.4 MB with 'view'
// (a Uint8Array each), less again as strings.
// Order is unchanged: memory-level compares strings by UTF-16 code units and buffers by bytes,
// which agree on ASCII, and dynalite's keys are ASCII: `<kind>-<table>~` (DynamoDB table names are
// [a-zA-Z0-9_.-]), a hex hash prefix, the key values in hex or dynalite's lexical number form,
// and `/` (dynalite/db/index.js createKey, hashPrefix, toRangeStr). Values are never compared.
// Must run before dynalite/db is first required (dynalite/validations requires it too).
// Plain JavaScript: the dynalite child process (dynalite-process.js) loads it as well.
"use strict";
const path = require("path");

let applied = false;

function storeAsText() {
    if (applied) return;
    applied = true;
    // The memory-level that dynalite/db itself resolves.
    const memoryLevel = require(require.resolve("memory-level", { paths: [path.dirname(require.resolve("dynalite/db"))] }));
    const Base = memoryLevel.MemoryLevel;
    class TextMemoryLevel extends Base {
        constructor(location, options) {
            const given = typeof location === "object" && location !== null ? location : options;
            super({ storeEncoding: "utf8", ...(given || {}) });
        }
    }
    memoryLevel.MemoryLevel = TextMemoryLevel;
}

module.exports = { storeAsText };
