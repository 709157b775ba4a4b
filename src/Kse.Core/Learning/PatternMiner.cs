using System.Globalization;
using Kse.Core.Policy;

namespace Kse.Core.Learning;

/// <summary>
/// Deterministic, explainable mining of observations: templates and their schedule, frequent sequences within working sessions,
/// failure → fix pairs, and where each runs. The same observations always give the same result.
/// </summary>
public sealed class PatternMiner(TimeProvider clock)
{
    /// <summary>Commands more than this far apart are different working sessions.</summary>
    public static readonly TimeSpan SessionGap = TimeSpan.FromMinutes(30);

    /// <summary>How long after a failure a successful retry still counts as fixed by what came between.</summary>
    public static readonly TimeSpan FixWindow = TimeSpan.FromMinutes(90);

    public const int MinSequenceSupport = 3;

    private static readonly string[] DeployWords = ["deploy", "release", "rollout", "pull", "apply", "upgrade", "publish", "migrate", "rsync", "ansible-playbook", "helm", "compose"];

    private static readonly string[] BackupWords = ["pg_dump", "pg_dumpall", "pg_basebackup", "mysqldump", "mongodump", "backup", "restic", "borg", "duplicity", "rsnapshot", "xtrabackup", "mariabackup"];

    public MiningResult Mine(string project, string? environment, IReadOnlyList<Observation> observations)
    {
        var now = clock.GetUtcNow();
        var ordered = observations.OrderBy(o => o.StartedAt).ThenBy(o => o.Id, StringComparer.Ordinal).ToList();
        var templates = ordered.ToDictionary(o => o.Id, o => CommandTemplate.Of(o.Command, o.Argv), StringComparer.Ordinal);
        var recurring = ordered
            .GroupBy(o => templates[o.Id].Key, StringComparer.Ordinal)
            .Select(g => Recurring(g.ToList(), templates, now))
            .OrderByDescending(r => r.Confidence).ThenByDescending(r => r.Count).ThenBy(r => r.Template, StringComparer.Ordinal)
            .ToList();
        var byTemplate = recurring.ToDictionary(r => r.Template, StringComparer.Ordinal);
        var sessions = Sessions(ordered);
        return new MiningResult
        {
            Project = project,
            Environment = environment,
            Observations = ordered.Count,
            Sources = ordered.GroupBy(o => o.Source, StringComparer.Ordinal).Select(g => new PlaceCount(g.Key, g.Count())).OrderByDescending(p => p.Count).ToList(),
            Recurring = recurring,
            Sequences = Sequences(sessions, templates, byTemplate, now),
            FailureFixes = FailureFixes(sessions, templates, byTemplate, now),
        };
    }

    private static RecurringPattern Recurring(List<Observation> group, Dictionary<string, CommandTemplate> templates, DateTimeOffset now)
    {
        var forms = group.Select(o => templates[o.Id]).ToList();
        var modal = forms.GroupBy(f => string.Join('\u0001', f.Values), StringComparer.Ordinal).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).First();
        var template = modal.First();
        var consistency = (double)modal.Count() / group.Count;
        var known = group.Count(o => o.ExitCode is not null);
        var succeeded = group.Count(o => o.ExitCode == 0);
        var interactive = RiskInference.IsInteractive(template);
        var environment = group.GroupBy(o => o.Environment).OrderByDescending(g => g.Count()).First().Key;
        var (risk, reason) = RiskInference.Infer(template, environment);
        var factors = ConfidenceFormula.Factors(group.Count, consistency, succeeded, known, group[^1].StartedAt, now, interactive);
        var varying = Enumerable.Range(0, template.Words.Count)
            .Where(i => template.Words[i].Type is not null && forms.Any(f => f.Words.Count > i && f.Words[i].Value != template.Words[i].Value))
            .Select(i => template.Words[i].Type!)
            .ToList();
        var schedule = ScheduleOf(group.Where(o => o.TimeKnown).Select(o => o.StartedAt).ToList());
        var command = Execution.ShellWords.Join(template.Values);
        if (group[0].Argv is null && forms.Count > 0)
        {
            command = group.First(o => string.Join('\u0001', templates[o.Id].Values) == modal.Key).Command;
        }

        var category = interactive ? "noise"
            : risk == RiskClass.Read ? "monitoring"
            : BackupWords.Any(w => template.Values.Any(v => v.Contains(w, StringComparison.OrdinalIgnoreCase))) ? "backup"
            : schedule.Kind is "daily" or "weekly" ? "routine"
            : "maintenance";
        return new RecurringPattern
        {
            Template = template.Key,
            Command = command,
            Argv = template.Values,
            Program = Path.GetFileName(template.Program),
            Category = category,
            Risk = risk.Name(),
            RiskReason = reason,
            Count = group.Count,
            Succeeded = succeeded,
            Failed = known - succeeded,
            FirstSeen = group[0].StartedAt,
            LastSeen = group[^1].StartedAt,
            Hosts = Places(group.Select(o => o.Host ?? "unknown")),
            Environments = Places(group.Select(o => o.Environment)),
            Users = group.Select(o => o.User).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList(),
            Schedule = schedule,
            UsesShell = template.UsesShell || template.Words.Any(w => w.Text.Contains('=') && w == template.Words[0] && !w.Text.StartsWith('-')),
            VaryingPlaceholders = varying,
            Confidence = ConfidenceFormula.Score(factors),
            ConfidenceFactors = factors,
            Explanation = ConfidenceFormula.Explain(factors, group.Count) + $"; {schedule.Description}; risk {risk.Name()}: {reason}",
            Evidence = group.TakeLast(30).Select(o => o.Id).ToList(),
            Forms = forms,
        };
    }

    internal static Schedule ScheduleOf(IReadOnlyList<DateTimeOffset> times)
    {
        if (times.Count < 3)
        {
            return new Schedule { Kind = "irregular", Description = times.Count == 0 ? "no timestamps" : $"seen {times.Count} time{(times.Count == 1 ? "" : "s")}" };
        }

        var minutes = times.Select(t => t.UtcDateTime.TimeOfDay.TotalMinutes).ToList();
        var (mean, spread) = CircularMean(minutes);
        var gaps = times.Zip(times.Skip(1), (a, b) => (b - a).TotalDays).Order().ToList();
        var median = gaps[gaps.Count / 2];
        // "About" a time: to the nearest five minutes.
        var at = TimeSpan.FromMinutes(Math.Round(mean / 5) * 5 % 1440).ToString(@"hh\:mm", CultureInfo.InvariantCulture);
        var spreadText = string.Create(CultureInfo.InvariantCulture, $"±{Math.Round(spread):0} min");
        if (median is > 0.75 and < 1.25 && spread <= 60)
        {
            return new Schedule { Kind = "daily", At = at, SpreadMinutes = Math.Round(spread, 1), Description = $"daily at about {at} UTC ({spreadText})" };
        }

        var weekdays = times.GroupBy(t => t.UtcDateTime.DayOfWeek).OrderByDescending(g => g.Count()).First();
        if (median is > 5.5 and < 8.5 && weekdays.Count() >= 0.8 * times.Count && spread <= 120)
        {
            return new Schedule { Kind = "weekly", At = at, Weekday = weekdays.Key.ToString(), SpreadMinutes = Math.Round(spread, 1), Description = $"weekly on {weekdays.Key} at about {at} UTC ({spreadText})" };
        }

        return new Schedule { Kind = "irregular", Description = $"irregular (median gap {median.ToString("0.#", CultureInfo.InvariantCulture)} days)" };
    }

    private static (double Mean, double Spread) CircularMean(IReadOnlyList<double> minutes)
    {
        var angles = minutes.Select(m => m / 1440 * 2 * Math.PI).ToList();
        var mean = Math.Atan2(angles.Average(Math.Sin), angles.Average(Math.Cos));
        var meanMinutes = (mean < 0 ? mean + (2 * Math.PI) : mean) / (2 * Math.PI) * 1440;
        var spread = minutes.Average(m =>
        {
            var d = Math.Abs(m - meanMinutes) % 1440;
            return Math.Min(d, 1440 - d);
        });
        return (meanMinutes, spread);
    }

    private static List<List<Observation>> Sessions(List<Observation> ordered)
    {
        var sessions = new List<List<Observation>>();
        foreach (var place in ordered.Where(o => o.TimeKnown).GroupBy(o => (o.Host ?? "", o.Environment)))
        {
            List<Observation>? current = null;
            foreach (var o in place)
            {
                if (current is null || o.StartedAt - current[^1].StartedAt > SessionGap)
                {
                    current = [];
                    sessions.Add(current);
                }

                current.Add(o);
            }
        }

        return sessions;
    }

    private static List<SequencePattern> Sequences(List<List<Observation>> sessions, Dictionary<string, CommandTemplate> templates, Dictionary<string, RecurringPattern> byTemplate, DateTimeOffset now)
    {
        // Each session as its operation steps: interactive commands left out, immediate repeats collapsed.
        var steps = sessions.Select(s =>
        {
            var list = new List<Observation>();
            foreach (var o in s)
            {
                var key = templates[o.Id].Key;
                if (byTemplate[key].Category == "noise" || (list.Count > 0 && templates[list[^1].Id].Key == key))
                {
                    continue;
                }

                list.Add(o);
            }

            return list;
        }).Where(l => l.Count >= 2).ToList();

        var counts = new Dictionary<string, List<(List<Observation> Session, int Start)>>(StringComparer.Ordinal);
        foreach (var session in steps)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var n = 2; n <= 6; n++)
            {
                for (var i = 0; i + n <= session.Count; i++)
                {
                    var keys = session.Skip(i).Take(n).Select(o => templates[o.Id].Key).ToList();
                    if (keys.Distinct(StringComparer.Ordinal).Count() != n)
                    {
                        continue;
                    }

                    var gram = string.Join('\n', keys);
                    if (seen.Add(gram))
                    {
                        (counts.TryGetValue(gram, out var l) ? l : counts[gram] = []).Add((session, i));
                    }
                }
            }
        }

        var frequent = counts.Where(kv => kv.Value.Count >= MinSequenceSupport)
            .Select(kv => (Steps: kv.Key.Split('\n'), Occurrences: kv.Value))
            .Where(s => s.Steps.Any(k => byTemplate[k].Risk != "read"))
            .ToList();
        // Keep the longest: a sequence inside a longer one that occurs (nearly) as often says nothing more.
        var maximal = frequent.Where(s => !frequent.Any(o => o.Steps.Length > s.Steps.Length && o.Occurrences.Count >= 0.8 * s.Occurrences.Count && Contains(o.Steps, s.Steps))).ToList();
        var result = new List<SequencePattern>();
        foreach (var (keys, occurrences) in maximal)
        {
            var first = byTemplate[keys[0]];
            var runs = occurrences.SelectMany(oc => oc.Session.Skip(oc.Start).Take(keys.Length)).ToList();
            var known = runs.Count(o => o.ExitCode is not null);
            var succeeded = runs.Count(o => o.ExitCode == 0);
            var last = occurrences.Max(oc => oc.Session[oc.Start].StartedAt);
            var factors = ConfidenceFormula.Factors(occurrences.Count, Math.Min(1, (double)occurrences.Count / first.Count), succeeded, known, last, now);
            var commands = keys.Select(k => byTemplate[k].Command).ToList();
            var deploy = commands.Any(c => DeployWords.Any(w => c.Contains(w, StringComparison.OrdinalIgnoreCase)));
            result.Add(new SequencePattern
            {
                Kind = deploy ? "deploy" : "procedure",
                Steps = keys,
                Commands = commands,
                Support = occurrences.Count,
                Hosts = Places(occurrences.Select(oc => oc.Session[oc.Start].Host ?? "unknown")),
                LastSeen = last,
                Confidence = ConfidenceFormula.Score(factors),
                ConfidenceFactors = factors,
                Explanation = ConfidenceFormula.Explain(factors, occurrences.Count) + $"; in {occurrences.Count} sessions, {first.Count} runs of the first step (consistency = how often the first step was followed by the rest)",
                Evidence = occurrences.TakeLast(20).Select(oc => oc.Session[oc.Start].Id).ToList(),
            });
        }

        return result.OrderByDescending(s => s.Confidence).ThenByDescending(s => s.Steps.Count).ThenBy(s => string.Join('\n', s.Steps), StringComparer.Ordinal).ToList();
    }

    private static bool Contains(string[] longer, string[] shorter)
    {
        for (var i = 0; i + shorter.Length <= longer.Length; i++)
        {
            if (longer.AsSpan(i, shorter.Length).SequenceEqual(shorter))
            {
                return true;
            }
        }

        return false;
    }

    private static List<FailureFixPattern> FailureFixes(List<List<Observation>> sessions, Dictionary<string, CommandTemplate> templates, Dictionary<string, RecurringPattern> byTemplate, DateTimeOffset now)
    {
        var found = new Dictionary<string, List<(Observation Failure, List<Observation> Fix, List<Observation> Diagnostics, Observation Retry)>>(StringComparer.Ordinal);
        var failures = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var session in sessions)
        {
            for (var i = 0; i < session.Count; i++)
            {
                var failure = session[i];
                if (failure.ExitCode is null or 0)
                {
                    continue;
                }

                var key = templates[failure.Id].Key;
                failures[key] = failures.GetValueOrDefault(key) + 1;
                var fix = new List<Observation>();
                var diagnostics = new List<Observation>();
                for (var j = i + 1; j < session.Count && session[j].StartedAt - failure.StartedAt <= FixWindow; j++)
                {
                    var next = session[j];
                    var nextKey = templates[next.Id].Key;
                    if (nextKey == key)
                    {
                        if (next.ExitCode == 0 && fix.Count > 0)
                        {
                            var fixKey = key + "\n→\n" + string.Join('\n', fix.Select(f => templates[f.Id].Key).Distinct(StringComparer.Ordinal));
                            (found.TryGetValue(fixKey, out var l) ? l : found[fixKey] = []).Add((failure, fix, diagnostics, next));
                        }

                        break;
                    }

                    if (byTemplate[nextKey].Category == "noise")
                    {
                        continue;
                    }

                    (byTemplate[nextKey].Risk == "read" ? diagnostics : fix).Add(next);
                }
            }
        }

        var result = new List<FailureFixPattern>();
        foreach (var (fixKey, occurrences) in found)
        {
            var failing = byTemplate[templates[occurrences[0].Failure.Id].Key];
            var fixKeys = occurrences[0].Fix.Select(f => templates[f.Id].Key).Distinct(StringComparer.Ordinal).ToList();
            var total = failures[failing.Template];
            var last = occurrences.Max(o => o.Retry.StartedAt);
            var factors = ConfidenceFormula.Factors(occurrences.Count, (double)occurrences.Count / total, occurrences.Count, occurrences.Count, last, now);
            result.Add(new FailureFixPattern
            {
                Failing = failing.Template,
                FailingCommand = failing.Command,
                Fix = fixKeys,
                FixCommands = fixKeys.Select(k => byTemplate[k].Command).ToList(),
                Diagnostics = occurrences.SelectMany(o => o.Diagnostics).Select(d => byTemplate[templates[d.Id].Key].Command).Distinct(StringComparer.Ordinal).Take(10).ToList(),
                Support = occurrences.Count,
                Failures = total,
                Hosts = Places(occurrences.Select(o => o.Failure.Host ?? "unknown")),
                LastSeen = last,
                Confidence = ConfidenceFormula.Score(factors),
                ConfidenceFactors = factors,
                Explanation = ConfidenceFormula.Explain(factors, occurrences.Count) + $"; fixed {occurrences.Count} of {total} failures this way (consistency), the retry succeeded each time (success rate)",
                Evidence = occurrences.TakeLast(10).SelectMany(o => o.Fix.Prepend(o.Failure).Append(o.Retry)).Select(o => o.Id).ToList(),
            });
        }

        return result.OrderByDescending(f => f.Confidence).ThenBy(f => f.Failing, StringComparer.Ordinal).ToList();
    }

    private static IReadOnlyList<PlaceCount> Places(IEnumerable<string> names) =>
        names.GroupBy(n => n, StringComparer.Ordinal).Select(g => new PlaceCount(g.Key, g.Count())).OrderByDescending(p => p.Count).ThenBy(p => p.Name, StringComparer.Ordinal).ToList();
}
