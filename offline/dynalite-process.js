// Runs dynalite (in-memory DynamoDB) in its own process on loopback and reports its port to the
// parent over IPC; it exits when the parent goes away. Plain JavaScript so it starts fast.
"use strict";
// Keys and items as strings of their own, as in process (dynaliteStore.js).
require("./dynaliteStore").storeAsText();
const dynalite = require("dynalite");
// Item sizes in UTF-8 bytes, as DynamoDB counts them (the in-process DynamoDB does the same).
require("./dynaliteItemSize").countItemSizeInBytes(require("dynalite/db"));

const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.listen(0, "127.0.0.1", () => process.send({ port: server.address().port }));
server.on("error", err => {
    process.stderr.write(`dynalite: ${err.message}\n`);
    process.exit(1);
});
process.on("disconnect", () => process.exit(0));
