// dynalite keeps its tables in memory-level, whose default store encoding is 'buffer': every key
// and item is a Node Buffer, and a Buffer under 4 KB is a slice of a shared 8 KB pool. A slice
// keeps its whole pool alive, so a table of items that are rewritten now and then (the dedup
// records: a claim, then its incident, then re-imports) ends up holding close to one 8 KB pool per
// live item, several times the items' own bytes (measured in a heap snapshot of bench:month:
// 2,148 pools, 18.7 MB, for 4,576 stored keys and items). With the store encoding 'view' each key
// and item is a Uint8Array of its own exact length: the same UTF-8 bytes compared the same way
// (memory-level's compare is byte-wise for both), so keys sort and Scan pages as before.
// Must run before dynalite/db is first required (dynalite/validations requires it too).
// Plain JavaScript: the dynalite child process (dynalite-process.js) loads it as well.
"use strict";
const path = require("path");

let applied = false;

function storeInExactBuffers() {
    if (applied) return;
    applied = true;
    // The memory-level that dynalite/db itself resolves.
    const memoryLevel = require(require.resolve("memory-level", { paths: [path.dirname(require.resolve("dynalite/db"))] }));
    const Base = memoryLevel.MemoryLevel;
    class ExactMemoryLevel extends Base {
        constructor(location, options) {
            const given = typeof location === "object" && location !== null ? location : options;
            super({ storeEncoding: "view", ...(given || {}) });
        }
    }
    memoryLevel.MemoryLevel = ExactMemoryLevel;
}

module.exports = { storeInExactBuffers };
