using Kse.Core.Learning;

namespace Kse.Core.Tests.Learning;

public sealed class CommandTemplateTests
{
    [Theory]
    [InlineData("pg_dump -U postgres -Fc -f /var/backups/shop.dump shop", "pg_dump -U postgres -Fc -f {path} shop")]
    [InlineData("ping -c 3 10.0.4.7", "ping -c {number} {ip}")]
    [InlineData("journalctl --since=2026-11-30 -u nginx", "journalctl --since={date} -u nginx")]
    [InlineData("ssh ops@web-1.internal uptime", "ssh {host} uptime")]
    [InlineData("curl -fsS http://localhost:8080/health", "curl -fsS {url}")]
    [InlineData("systemctl restart shop-api", "systemctl restart shop-api")]
    [InlineData("mysql -p[REDACTED] shop", "mysql -p[REDACTED] shop")]
    [InlineData("deploy --password=[REDACTED]", "deploy --password={secret}")]
    public void Of_TurnsVaryingArgumentsIntoTypedPlaceholders(string command, string key)
    {
        Assert.Equal(key, CommandTemplate.Of(command).Key);
    }

    [Fact]
    public void Of_TypesUnits_ButKeepsThemInTheKey()
    {
        var t = CommandTemplate.Of("systemctl restart shop-api");
        Assert.Equal("unit", t.Words[2].Type);
        Assert.NotEqual(t.Key, CommandTemplate.Of("systemctl restart shop-web").Key);
    }

    [Theory]
    [InlineData("ls | grep x", true)]
    [InlineData("echo a > /tmp/f", true)]
    [InlineData("rm /tmp/*.gz", true)]
    [InlineData("echo \"$(date)\"", true)]
    [InlineData("grep 'a|b' file", false)]
    [InlineData("pg_dump -Fc shop", false)]
    public void UsesShellFeatures_SeesPipesRedirectsGlobsAndSubstitutions(string line, bool expected)
    {
        Assert.Equal(expected, CommandTemplate.UsesShellFeatures(line));
    }

    [Fact]
    public void Schedule_IsDailyWeeklyOrIrregular()
    {
        var day = new DateTimeOffset(2026, 11, 1, 2, 0, 0, TimeSpan.Zero);
        Assert.Equal("daily", PatternMiner.ScheduleOf(Enumerable.Range(0, 10).Select(i => day.AddDays(i).AddMinutes(i % 3)).ToList()).Kind);
        var weekly = PatternMiner.ScheduleOf(Enumerable.Range(0, 5).Select(i => day.AddDays(7 * i)).ToList());
        Assert.Equal(("weekly", "Sunday", "02:00"), (weekly.Kind, weekly.Weekday, weekly.At));
        Assert.Equal("irregular", PatternMiner.ScheduleOf([day, day.AddDays(1).AddHours(9), day.AddDays(5)]).Kind);
    }
}
