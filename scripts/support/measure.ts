import * as fs from "fs";

/** Clock ticks per second of /proc's times (USER_HZ: 100 on Linux). */
const TICKS = 100;

/**
 * CPU seconds used so far by this process and by its children that have finished (the dynalite
 * server, once stopped), from /proc/self/stat (utime, stime, cutime, cstime). Elsewhere, this
 * process's own CPU time.
 */
export function cpuSeconds(): number {
    try {
        const stat = fs.readFileSync("/proc/self/stat", "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        // Fields after the command: state is 3rd in stat(5); utime is the 14th, so index 11 here.
        return [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0) / TICKS;
    } catch {
        const usage = process.cpuUsage();
        return (usage.user + usage.system) / 1e6;
    }
}

/** A process's peak resident memory in bytes (VmHWM), or undefined when it cannot be read. */
export function peakRss(pid: number | "self" = "self"): number | undefined {
    try {
        const match = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
        return match ? Number(match[1]) * 1024 : undefined;
    } catch {
        return undefined;
    }
}
