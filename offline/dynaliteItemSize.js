// DynamoDB limits an item to 400 KB counted in UTF-8 bytes: attribute names and string values by
// their UTF-8 length (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#limits-items,
// "Item size"). dynalite counts them in characters, so an item of Japanese text up to three times
// too large would be stored. This replaces the item size dynalite checks PutItem and UpdateItem
// against (the `itemSize` export of dynalite/db, through which its validations and actions call it)
// with the same formula in bytes. Plain JavaScript: the dynalite child process loads it too.
"use strict";
const Big = require("big.js");

function valueBytes(value, type) {
    switch (type) {
        case "S": return Buffer.byteLength(value, "utf8");
        case "B": return Buffer.from(value, "base64").length;
        case "N": {
            // As dynalite (and DynamoDB's published guidance): about one byte per two significant digits, plus one.
            const n = new Big(value);
            const digits = n.c.length;
            if (digits === 1 && n.c[0] === 0) return 1;
            return 1 + Math.ceil(digits / 2) + (digits % 2 || n.e % 2 ? 0 : 1) + (n.s === -1 ? 1 : 0);
        }
        case "SS": return value.reduce((sum, x) => sum + valueBytes(x, "S"), 0);
        case "BS": return value.reduce((sum, x) => sum + valueBytes(x, "B"), 0);
        case "NS": return value.reduce((sum, x) => sum + valueBytes(x, "N"), 0);
        case "NULL":
        case "BOOL": return 1;
        case "L": return 3 + value.reduce((sum, x) => sum + 1 + attributeBytes(x), 0);
        case "M": return 3 + Object.keys(value).length + itemBytes(value);
        default: return 0;
    }
}

function attributeBytes(attribute) {
    const type = Object.keys(attribute)[0];
    return valueBytes(attribute[type], type);
}

/** An item's size as DynamoDB limits it: names and values in UTF-8 bytes. */
function itemBytes(item) {
    let size = 0;
    for (const name of Object.keys(item)) size += Buffer.byteLength(name, "utf8") + attributeBytes(item[name]);
    return size;
}

/** Makes dynalite's item size limit count bytes; query and scan paging sizes (compressed) stay dynalite's own. */
function countItemSizeInBytes(db) {
    if (db.itemSize.inBytes) return;
    const original = db.itemSize;
    const patched = function itemSize(item, compress, addMetaSize, rangeKey) {
        return compress || addMetaSize ? original(item, compress, addMetaSize, rangeKey) : itemBytes(item);
    };
    patched.inBytes = true;
    db.itemSize = patched;
}

module.exports = { itemBytes, countItemSizeInBytes };
