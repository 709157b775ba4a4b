using Kse.Core.Learning;

namespace Kse.TestKit;

/// <summary>
/// A realistic, seeded history of a small shop's operations over six weeks on two hosts: a nightly backup on db-1 at about 02:00,
/// a weekly restart of the API on web-1 on Sundays at about 03:00, a recurring disk-full failure of the worker on db-1 and its fix,
/// a deploy sequence on web-1, and noise (interactive commands, one-offs with random arguments), with secrets planted in some
/// commands. Every command has its time, host, user and exit code, as <c>kse observe</c> records them.
/// </summary>
public static class ObservedHistory
{
    public const string Backup = "pg_dump -U postgres -Fc -f /var/backups/shop.dump shop";
    public const string WeeklyRestart = "systemctl restart shop-api";
    public const string FailingStart = "systemctl start shop-worker";
    public const string DiskFix = "journalctl --vacuum-size=500M";
    public static readonly string[] Deploy =
    [
        "git -C /srv/shop pull --ff-only",
        "dotnet publish /srv/shop/Shop.csproj -c Release -o /srv/shop/out",
        "systemctl restart shop-web",
        "curl -fsS http://localhost:8080/health",
    ];

    /// <summary>The secret values planted in noise commands: none may be stored, drafted or audited.</summary>
    public static readonly string[] Secrets =
    [
        "Pl4ntedMy5qlPw", "pl4nted.bearer.t0ken.value", "pl4ntedApiT0ken123", "pl4ntedPgPassw0rd", "pl4ntedDeployPw9", "pl4ntedAwsSecretKey7", "pl4ntedCliT0ken99",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJwbDRudGVkIn0.c2lnbmF0dXJlcGw0bnRlZA",
    ];

    private static readonly string[] SecretCommands =
    [
        "mysql -u admin -pPl4ntedMy5qlPw -e 'select 1'",
        "curl -H 'Authorization: Bearer pl4nted.bearer.t0ken.value' https://api.example.com/v1/status",
        "export API_TOKEN=pl4ntedApiT0ken123",
        "psql postgresql://shop:pl4ntedPgPassw0rd@db-1.internal/shop -c 'select 1'",
        "deploy-tool push --password=pl4ntedDeployPw9",
        "AWS_SECRET_ACCESS_KEY=pl4ntedAwsSecretKey7 aws s3 ls s3://shop-backups",
        "shopctl login --token pl4ntedCliT0ken99",
        "curl -s https://api.example.com/v1/me -H 'X-Debug: 1' --oauth2-bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJwbDRudGVkIn0.c2lnbmF0dXJlcGw0bnRlZA",
    ];

    private static readonly string[] Interactive = ["cd /srv/shop", "ls -la", "vim /etc/nginx/nginx.conf", "cat /var/log/syslog", "history", "less /var/log/shop/app.log", "clear"];

    public static IReadOnlyList<ObservedCommand> Generate(string project, DateTimeOffset now, int days = 42, int seed = 42)
    {
        var random = new Random(seed);
        var list = new List<ObservedCommand>();
        var day0 = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        ObservedCommand At(DateTimeOffset t, string host, string user, string command, int exit = 0, long ms = 500) =>
            new() { Project = project, Environment = "production", Host = host, User = user, CommandLine = command, StartedAt = t, DurationMs = ms, ExitCode = exit, Source = "observe" };

        var secret = 0;
        for (var d = days; d >= 1; d--)
        {
            var day = day0.AddDays(-d);
            list.Add(At(day.AddHours(2).AddMinutes(random.Next(-5, 6)), "db-1", "postgres", Backup, ms: 120_000 + random.Next(30_000)));
            if (day.DayOfWeek == DayOfWeek.Sunday)
            {
                list.Add(At(day.AddHours(3).AddMinutes(random.Next(-10, 11)), "web-1", "ops", WeeklyRestart, ms: 4_000));
            }

            if (d % 5 == 3)
            {
                var t = day.AddHours(14).AddMinutes(random.Next(0, 60));
                list.Add(At(t, "db-1", "ops", FailingStart, exit: 1));
                list.Add(At(t.AddMinutes(1), "db-1", "ops", "df -h /var"));
                list.Add(At(t.AddMinutes(3), "db-1", "ops", DiskFix, ms: 9_000));
                list.Add(At(t.AddMinutes(4), "db-1", "ops", FailingStart));
            }

            if (d % 4 == 2)
            {
                var t = day.AddHours(16).AddMinutes(random.Next(0, 45));
                for (var i = 0; i < Deploy.Length; i++)
                {
                    list.Add(At(t.AddMinutes(i * 2), "web-1", "deploy", Deploy[i], ms: i == 1 ? 60_000 : 2_000));
                }
            }

            foreach (var host in new[] { "db-1", "web-1" })
            {
                var n = random.Next(6, 11);
                for (var i = 0; i < n; i++)
                {
                    // Noise in the working day, away from the deploy and fix windows.
                    var t = day.AddHours(9).AddMinutes(random.Next(0, 240));
                    var command = random.Next(3) == 0 ? Interactive[random.Next(Interactive.Length)] : OneOff(random);
                    list.Add(At(t, host, "ops", command, exit: random.Next(8) == 0 ? 1 : 0));
                }

                if (secret < SecretCommands.Length && random.Next(3) == 0)
                {
                    list.Add(At(day.AddHours(13).AddMinutes(random.Next(0, 30)), host, "ops", SecretCommands[secret++]));
                }
            }
        }

        while (secret < SecretCommands.Length)
        {
            list.Add(At(day0.AddHours(-10).AddMinutes(secret), "web-1", "ops", SecretCommands[secret++]));
        }

        return list.OrderBy(c => c.StartedAt).ToList();
    }

    private static string OneOff(Random random) => random.Next(6) switch
    {
        0 => $"grep -r ERR{random.Next(1000, 9999)} /var/log/shop",
        1 => $"ping -c 3 10.0.{random.Next(0, 255)}.{random.Next(1, 255)}",
        2 => $"du -sh /var/lib/tmp{random.Next(100000)}",
        3 => $"kill {random.Next(1000, 60000)}",
        4 => $"touch /tmp/marker-{random.Next(100000)}",
        _ => $"scp report-{random.Next(100000)}.csv ops@bastion.internal:/tmp/",
    };

    /// <summary>The commands as a bash history with HISTTIMEFORMAT <c>#&lt;epoch&gt;</c> lines.</summary>
    public static string AsBashHistory(IEnumerable<ObservedCommand> commands) =>
        string.Concat(commands.Select(c => $"#{c.StartedAt.ToUnixTimeSeconds()}\n{c.CommandLine}\n"));

    /// <summary>The commands as a zsh extended history (<c>: epoch:seconds;command</c>).</summary>
    public static string AsZshHistory(IEnumerable<ObservedCommand> commands) =>
        string.Concat(commands.Select(c => $": {c.StartedAt.ToUnixTimeSeconds()}:{(c.DurationMs ?? 0) / 1000};{c.CommandLine}\n"));
}
