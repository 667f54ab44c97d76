import * as fs from "fs";
import { escapeControls } from "./safeText";

/** Messages about files and directories the user named (inputs, stack files, output targets). */

const ERRNO_TEXT: Record<string, string> = {
    ENOENT: "no such file or directory",
    EACCES: "permission denied",
    EPERM: "operation not permitted",
    ELOOP: "too many levels of symbolic links (a symlink loop?)",
    ENOTDIR: "a part of the path is not a directory",
    EISDIR: "is a directory",
    ENAMETOOLONG: "the name is too long",
    ENOSPC: "no space left on the device",
    EROFS: "read-only file system",
    EBUSY: "the file is busy",
    EMFILE: "too many open files",
    EPIPE: "the reader at the other end of the pipe went away",
};

/** A file-system error in words, e.g. "permission denied (EACCES)". */
export function fsReason(err: unknown): string {
    const code = (err as NodeJS.ErrnoException).code;
    if (code && ERRNO_TEXT[code]) return `${ERRNO_TEXT[code]} (${code})`;
    return escapeControls((err as Error).message ?? String(err));
}

/** What a path is, when it is not a regular file or directory. */
export function specialKind(stat: fs.Stats): string | undefined {
    if (stat.isFIFO()) return "a FIFO (named pipe)";
    if (stat.isCharacterDevice()) return "a character device";
    if (stat.isBlockDevice()) return "a block device";
    if (stat.isSocket()) return "a socket";
    return undefined;
}
