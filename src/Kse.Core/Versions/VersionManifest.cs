using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Kse.Core.Versions;

/// <summary><c>operations/versions/&lt;version&gt;/version.yaml</c>: the strategy, the base, and the code revision a version describes.</summary>
internal sealed record VersionManifest
{
    public const string FileName = "version.yaml";

    /// <summary>A <c>version.yaml</c> larger than this is refused, not parsed.</summary>
    public const int MaxBytes = 64 * 1024;

    public required string Version { get; init; }

    public SpecVersionStrategy Strategy { get; init; } = SpecVersionStrategy.Diff;

    public string? Base { get; init; }

    public DateTimeOffset? Created { get; init; }

    public string? Revision { get; init; }

    public string? Tag { get; init; }

    public DateTimeOffset? Linked { get; init; }

    private static readonly string[] Keys = ["version", "strategy", "base", "from", "created", "code"];

    private static readonly string[] CodeKeys = ["revision", "tag", "linked"];

    /// <summary>Parses the file's text; problems name the file, line and column.</summary>
    public static VersionManifest Parse(string version, string yaml, string fileName)
    {
        YamlStream stream;
        try
        {
            stream = InputLimits.LoadYaml(yaml, "versions.manifest", fileName);
        }
        catch (YamlException ex)
        {
            throw KseException.BadInput("versions.manifest_invalid", $"{fileName}:{ex.Start.Line}:{ex.Start.Column}: {ex.InnerException?.Message ?? ex.Message}");
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw KseException.BadInput("versions.manifest_invalid", $"{fileName}: expected a mapping with version, strategy and base");
        }

        KseException Error(YamlNode node, string message) =>
            KseException.BadInput("versions.manifest_invalid", $"{fileName}:{node.Start.Line}:{node.Start.Column}: {message}");

        static string? Scalar(YamlMappingNode map, string key) =>
            map.Children.TryGetValue(new YamlScalarNode(key), out var n) && n is YamlScalarNode s && !string.IsNullOrWhiteSpace(s.Value) ? s.Value.Trim() : null;

        foreach (var key in root.Children.Keys)
        {
            if (key is not YamlScalarNode { Value: { } k } || !Keys.Contains(k, StringComparer.Ordinal))
            {
                throw Error(key, $"unknown key '{(key as YamlScalarNode)?.Value}' (keys: {string.Join(", ", Keys)})");
            }
        }

        if (Scalar(root, "version") is { } declared && (!Projects.SemanticVersion.TryParse(declared, out var dv) || dv.ToString() != version))
        {
            throw Error(root.Children[new YamlScalarNode("version")], $"version '{declared}' does not match its folder '{version}'");
        }

        var strategy = Scalar(root, "strategy") switch
        {
            null or "diff" => SpecVersionStrategy.Diff,
            "full" => SpecVersionStrategy.Full,
            var other => throw Error(root.Children[new YamlScalarNode("strategy")], $"strategy '{other}' is neither full nor diff"),
        };

        var baseVersion = Scalar(root, strategy == SpecVersionStrategy.Diff ? "base" : "from") ?? Scalar(root, "base");
        if (baseVersion is not null && baseVersion != SpecVersionService.Main)
        {
            if (!Projects.SemanticVersion.TryParse(baseVersion, out var b))
            {
                throw Error(root, $"base '{baseVersion}' is neither 'main' nor a version");
            }

            baseVersion = b.ToString();
            if (strategy == SpecVersionStrategy.Diff && baseVersion == version)
            {
                throw Error(root, "a version cannot be its own base");
            }
        }

        string? revision = null, tag = null;
        DateTimeOffset? linked = null;
        if (root.Children.TryGetValue(new YamlScalarNode("code"), out var codeNode) && codeNode is not YamlScalarNode { Value: null or "" })
        {
            if (codeNode is not YamlMappingNode code)
            {
                throw Error(codeNode, "code must be a mapping with revision and tag");
            }

            foreach (var key in code.Children.Keys)
            {
                if (key is not YamlScalarNode { Value: { } k } || !CodeKeys.Contains(k, StringComparer.Ordinal))
                {
                    throw Error(key, $"unknown key '{(key as YamlScalarNode)?.Value}' under code (keys: {string.Join(", ", CodeKeys)})");
                }
            }

            revision = Scalar(code, "revision");
            if (revision is not null && !IsCommitId(revision))
            {
                throw Error(code, $"revision '{revision}' is not a commit id (40 or 64 hex digits)");
            }

            tag = Scalar(code, "tag");
            linked = Time(Scalar(code, "linked"));
        }

        return new VersionManifest
        {
            Version = version,
            Strategy = strategy,
            Base = baseVersion,
            Created = Time(Scalar(root, "created")),
            Revision = revision,
            Tag = tag,
            Linked = linked,
        };
    }

    public static bool IsCommitId(string text) => text.Length is 40 or 64 && text.All(Uri.IsHexDigit);

    private static DateTimeOffset? Time(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;

    public string ToYaml()
    {
        var w = new StringWriter(CultureInfo.InvariantCulture);
        w.WriteLine("# A version of this project's operations spec. See docs/specs.md of Kse.Mcp, \"Versions\".");
        w.WriteLine($"version: \"{Version}\"");
        w.WriteLine(Strategy == SpecVersionStrategy.Full
            ? "strategy: full   # every document is stored here"
            : "strategy: diff   # only documents that differ are stored here; each overlays its base by ## section");
        if (Base is not null)
        {
            w.WriteLine(Strategy == SpecVersionStrategy.Full ? $"from: \"{Base}\"   # copied from" : $"base: \"{Base}\"   # main is the spec in operations/");
        }

        if (Created is { } c)
        {
            w.WriteLine($"created: \"{c.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}\"");
        }

        if (Revision is not null)
        {
            w.WriteLine("code:");
            w.WriteLine($"  revision: \"{Revision}\"");
            if (Tag is not null)
            {
                w.WriteLine($"  tag: \"{Tag.Replace("\"", string.Empty, StringComparison.Ordinal)}\"");
            }

            if (Linked is { } l)
            {
                w.WriteLine($"  linked: \"{l.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}\"");
            }
        }

        return w.ToString();
    }
}
