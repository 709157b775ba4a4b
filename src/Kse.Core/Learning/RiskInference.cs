using Kse.Core.Policy;

namespace Kse.Core.Learning;

/// <summary>
/// Conservative risk of an observed command: only commands known to look without changing anything are <c>read</c>; anything else
/// changes state and is at least <c>normal</c>; deleting, restarting or stopping a database, wiping disks, rebooting, and any
/// database client or data tool in production is <c>critical</c>. Unknown programs are never read.
/// </summary>
public static class RiskInference
{
    private static readonly HashSet<string> ReadPrograms = new(StringComparer.Ordinal)
    {
        "ls", "ll", "df", "du", "free", "uptime", "tail", "head", "cat", "grep", "egrep", "zgrep", "less", "more", "ps", "top", "htop", "pgrep",
        "ss", "netstat", "hostname", "whoami", "id", "date", "w", "who", "last", "ping", "dig", "nslookup", "host", "traceroute", "tracepath",
        "lsof", "iostat", "vmstat", "mpstat", "sar", "nproc", "lsblk", "blkid", "findmnt", "uname", "tcpdump", "pg_isready", "stat", "file",
        "wc", "which", "env", "printenv", "history", "echo", "pwd", "dmesg", "nc", "telnet", "watch", "iotop", "nvidia-smi", "sensors",
        "md5sum", "sha256sum", "diff", "cd", "man", "clear", "exit", "jq", "awk", "sort", "uniq", "cut", "tree", "realpath", "readlink",
    };

    private static readonly Dictionary<string, HashSet<string>> ReadSubcommands = new(StringComparer.Ordinal)
    {
        ["systemctl"] = ["status", "show", "list-units", "list-timers", "is-active", "is-enabled", "is-failed", "cat", "list-unit-files"],
        ["docker"] = ["ps", "logs", "inspect", "images", "stats", "top", "version", "info"],
        ["kubectl"] = ["get", "describe", "logs", "top", "version", "explain", "auth"],
        ["git"] = ["status", "log", "diff", "show", "branch", "remote", "rev-parse", "describe", "blame"],
        ["ip"] = ["a", "addr", "address", "r", "route", "link", "neigh"],
        ["openssl"] = ["s_client", "x509", "version", "verify"],
        ["crontab"] = ["-l"],
        ["nginx"] = ["-t", "-T", "-v", "-V"],
        ["apt"] = ["list", "show", "search", "policy"],
        ["helm"] = ["list", "status", "get", "history"],
    };

    private static readonly HashSet<string> DestructivePrograms = new(StringComparer.Ordinal)
    {
        "rm", "rmdir", "shred", "dd", "fdisk", "parted", "wipefs", "truncate", "reboot", "shutdown", "poweroff", "halt", "dropdb", "dropuser",
        "pg_restore", "mkfs", "mkswap", "sgdisk",
    };

    private static readonly HashSet<string> DataClients = new(StringComparer.Ordinal)
    {
        "psql", "mysql", "mariadb", "mongo", "mongosh", "redis-cli", "pg_restore", "pg_dump", "pg_dumpall", "mysqldump", "mongodump", "mongorestore", "sqlcmd", "sqlite3", "cqlsh",
    };

    private static readonly string[] DatabaseUnits = ["postgres", "mysql", "mariadb", "mongod", "redis", "elasticsearch", "opensearch", "cassandra", "clickhouse", "etcd"];

    private static readonly string[] SqlWrites = ["drop ", "truncate ", "delete from", "alter table", "update ", "insert into"];

    /// <summary>The risk and the reason for it.</summary>
    public static (RiskClass Risk, string Reason) Infer(CommandTemplate template, string? environment)
    {
        var words = template.Words.Select(w => w.Value).SkipWhile(v => v == "sudo" || (v.IndexOf('=') > 0 && (char.IsLetter(v[0]) || v[0] == '_'))).ToList();
        if (words.Count == 0)
        {
            return (RiskClass.Normal, "an empty command");
        }

        var program = Path.GetFileName(words[0]);
        var args = words.Skip(1).ToList();
        var lower = string.Join(' ', words).ToLowerInvariant();
        var production = PolicyKernel.IsKnownEnvironmentName(environment, out var env) && env == EnvironmentKind.Production;

        if (DestructivePrograms.Contains(program) || program.StartsWith("mkfs", StringComparison.Ordinal))
        {
            return (RiskClass.Critical, $"{program} deletes or overwrites");
        }

        if (args.Contains("-delete") || (program == "find" && args.Contains("-exec") && lower.Contains(" rm ", StringComparison.Ordinal)))
        {
            return (RiskClass.Critical, "it deletes files");
        }

        if (SqlWrites.Any(w => lower.Contains(w, StringComparison.Ordinal)) && DataClients.Contains(program))
        {
            return (RiskClass.Critical, "it changes or deletes database data");
        }

        if (program is "systemctl" or "service" && args.Any(a => a is "restart" or "stop" or "kill") && args.Any(a => DatabaseUnits.Any(u => a.Contains(u, StringComparison.OrdinalIgnoreCase))))
        {
            return (RiskClass.Critical, "it restarts or stops a database");
        }

        if ((program == "kubectl" && args.FirstOrDefault() == "delete") || (program == "docker" && args.FirstOrDefault() is "rm" or "rmi" or "prune" || (program == "docker" && args.Contains("prune")))
            || (program == "git" && (args.Contains("clean") || (args.Contains("reset") && args.Contains("--hard"))))
            || (program == "journalctl" && args.Any(a => a.StartsWith("--vacuum", StringComparison.Ordinal))))
        {
            return (RiskClass.Critical, "it deletes state");
        }

        if (production && DataClients.Contains(program))
        {
            return (RiskClass.Critical, "a database or data tool in production touches production data");
        }

        if (program == "find" && !args.Contains("-exec") && !args.Contains("-execdir") && !args.Contains("-fprint"))
        {
            return (RiskClass.Read, "find without -delete or -exec only lists");
        }

        if (program == "curl" && !args.Any(a => a is "-X" or "--request" or "-d" or "--data" or "-T" or "--upload-file" or "-F" or "--form" or "-o" or "-O" || a.StartsWith("--data", StringComparison.Ordinal)))
        {
            return (RiskClass.Read, "curl without a request body or method only reads");
        }

        if (program == "journalctl" || (program == "psql" && lower.Contains("-c select", StringComparison.Ordinal)))
        {
            return (RiskClass.Read, $"{program} here only reads");
        }

        if (ReadPrograms.Contains(program))
        {
            return (RiskClass.Read, $"{program} only reads");
        }

        if (ReadSubcommands.TryGetValue(program, out var subs) && Subcommand(args, subs) is { } sub && subs.Contains(sub))
        {
            return (RiskClass.Read, $"{program} {sub} only reads");
        }

        return (RiskClass.Normal, "it may change state (not a known read-only command)");
    }

    private static readonly HashSet<string> ValueOptions = new(StringComparer.Ordinal) { "-C", "-c", "-n", "--namespace", "--context", "-H", "--host", "--kubeconfig", "-f", "--file" };

    /// <summary>The first word that is not an option or an option's value (<c>git -C /srv/shop status</c> → status), or a known read option.</summary>
    private static string? Subcommand(List<string> args, HashSet<string> subs)
    {
        for (var i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (subs.Contains(a))
            {
                return a;
            }

            if (ValueOptions.Contains(a))
            {
                i++;
                continue;
            }

            if (!a.StartsWith('-'))
            {
                return a;
            }
        }

        return null;
    }

    /// <summary>Commands typed to look around or edit interactively: not operations.</summary>
    public static bool IsInteractive(CommandTemplate template) =>
        Path.GetFileName(template.Program) is "cd" or "ls" or "ll" or "la" or "pwd" or "clear" or "history" or "exit" or "logout" or "vim" or "vi" or "nano"
            or "emacs" or "less" or "more" or "man" or "cat" or "echo" or "which" or "whoami" or "top" or "htop" or "su" or "tmux" or "screen" or "mc" or "bash" or "zsh" or "sh";
}
