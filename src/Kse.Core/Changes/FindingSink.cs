namespace Kse.Core.Changes;

/// <summary>Collects findings for one diff, filling level and risk from the catalog and dropping exact repeats.</summary>
internal sealed class FindingSink
{
    private readonly HashSet<(string Rule, string File, string? Subject)> _seen = [];
    private readonly Func<string, string?>? _projectOf;

    public FindingSink(Func<string, string?>? projectOf = null)
    {
        _projectOf = projectOf;
    }

    private readonly Dictionary<string, int> _perFile = new(StringComparer.Ordinal);

    public List<ChangeFinding> Items { get; } = [];

    /// <summary>Findings added for <paramref name="file"/> so far.</summary>
    public int CountFor(string file) => _perFile.GetValueOrDefault(file);

    public void Add(string ruleId, DiffFile file, int line, string reason, string? subject = null, bool? breaking = null, bool dedupeByRule = false)
    {
        var rule = ChangeRuleCatalog.Get(ruleId);
        var key = dedupeByRule ? null : subject ?? line.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (!_seen.Add((ruleId, file.Path, key)))
        {
            return;
        }

        _perFile[file.Path] = _perFile.GetValueOrDefault(file.Path) + 1;
        Items.Add(new ChangeFinding
        {
            Rule = ruleId,
            Level = rule.Level,
            File = file.Path,
            Line = Math.Max(1, line),
            Reason = reason,
            Breaking = breaking ?? rule.Breaking,
            Subject = subject,
            Project = _projectOf?.Invoke(file.Path),
            Likelihood = rule.Likelihood,
            Impact = rule.Impact,
        });
    }
}
