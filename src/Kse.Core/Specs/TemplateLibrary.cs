using System.Reflection;

namespace Kse.Core.Specs;

/// <summary>
/// The operations document templates. Embedded in Kse.Core from <c>templates/</c>, so every host has them;
/// a folder configured as <c>Kse:Specs:TemplatesDir</c> overrides individual files.
/// </summary>
public sealed class TemplateLibrary(string? overrideDir = null)
{
    private const string ResourcePrefix = "kse.templates.";

    /// <summary>The template text of <paramref name="documentName"/> with <c>{{project}}</c> replaced.</summary>
    public string Render(string documentName, string project) =>
        Raw(documentName).Replace("{{project}}", project, StringComparison.Ordinal);

    public string Raw(string documentName)
    {
        var kind = SpecDocuments.Find(documentName);
        if (overrideDir is not null)
        {
            var file = Path.Combine(overrideDir, kind.Name);
            if (File.Exists(file))
            {
                return File.ReadAllText(file);
            }
        }

        using var stream = typeof(TemplateLibrary).Assembly.GetManifestResourceStream(ResourcePrefix + kind.Name)
            ?? throw new KseException("spec.template_missing", $"no template for {kind.Name} is embedded", KseErrorKind.Failure);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    internal static IEnumerable<string> EmbeddedNames() =>
        typeof(TemplateLibrary).Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal))
            .Select(n => n[ResourcePrefix.Length..]);

    internal static Assembly Assembly => typeof(TemplateLibrary).Assembly;
}
