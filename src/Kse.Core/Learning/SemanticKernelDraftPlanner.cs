using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.SemanticKernel;

namespace Kse.Core.Learning;

/// <summary>
/// Rewrites the observed draft sections with a configured chat model, through a Semantic Kernel prompt function
/// (<c>prompts/llm/draft-sections.md</c>) over an <see cref="IChatClient"/>. What it returns is kept only section by section and only
/// when it passes the checks: the section was drafted and observed; its <c>kse-operation</c> blocks are exactly the drafted ones; every
/// command it mentions was observed (no invented commands); the document still validates. Its confidence is capped by the section's
/// evidence-based confidence. Anything else keeps the deterministic text, with the reason in the report; an answer that is not the
/// expected JSON (or no answer) keeps every deterministic section and is logged as a warning.
/// </summary>
public sealed partial class SemanticKernelDraftPlanner(IChatClient chat, ILogger<SemanticKernelDraftPlanner> log) : IDraftPlanner
{
    public const string TemplateResource = "kse.llm.draft-sections.md";

    private static readonly Lazy<string> Template = new(() =>
    {
        using var stream = typeof(SemanticKernelDraftPlanner).Assembly.GetManifestResourceStream(TemplateResource)
            ?? throw new InvalidOperationException("the drafting prompt is missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    public async Task<(IReadOnlyList<(string Name, IReadOnlyList<DraftedSection> Sections)> Documents, PlannerReport Report)> ImproveAsync(
        MiningResult mined,
        IReadOnlyList<(string Name, IReadOnlyList<DraftedSection> Sections)> documents,
        IReadOnlyList<DraftedOperation> operations,
        CancellationToken cancellationToken)
    {
        var observed = documents.SelectMany(d => d.Sections).Where(s => s.Observed).ToList();
        if (observed.Count == 0)
        {
            return (documents, new PlannerReport("deterministic", "nothing observed to write up: the model was not asked", []));
        }

        string answer;
        try
        {
            answer = await AskAsync(mined, observed, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            log.LogWarning(ex, "The drafting model did not answer; the deterministic drafts are kept");
            return (documents, new PlannerReport("fallback", $"the model did not answer ({ex.GetType().Name}: {ex.Message}); the deterministic text is kept", []));
        }

        var proposed = Parse(answer);
        if (proposed is null)
        {
            log.LogWarning("The drafting model's answer is not the expected JSON; the deterministic drafts are kept");
            return (documents, new PlannerReport("fallback", "the model's answer is not the expected JSON object with sections; the deterministic text is kept", []));
        }

        var known = KnownWords(mined, operations);
        var rejected = new List<string>();
        var result = documents.Select(d => (d.Name, Sections: d.Sections.ToList())).ToList();
        var accepted = 0;
        foreach (var p in proposed)
        {
            var doc = result.FirstOrDefault(d => d.Name == p.Document);
            var index = doc.Sections?.FindIndex(s => s.Observed && Specs.SpecDocuments.NormalizeHeading(s.Heading) == Specs.SpecDocuments.NormalizeHeading(p.Heading)) ?? -1;
            if (index < 0)
            {
                rejected.Add($"{p.Document} / {p.Heading}: not an observed section of the drafts");
                continue;
            }

            var original = doc.Sections![index];
            if (Check(original, p.Body, known) is { } problem)
            {
                rejected.Add($"{p.Document} / {p.Heading}: {problem}");
                continue;
            }

            var candidate = original with
            {
                Body = p.Body.Trim() + "\n",
                Author = "model",
                Confidence = Math.Min(original.Confidence, Math.Clamp(p.Confidence ?? original.Confidence, 0, 1)),
            };
            var trial = doc.Sections.ToList();
            trial[index] = candidate;
            var rendered = result.Select(d => (d.Name, SpecDrafter.Render(d.Name, mined.Project, mined.Environment, mined.Observations, d.Name == doc.Name ? trial : d.Sections, DateTimeOffset.UnixEpoch))).ToList();
            var before = SpecDrafter.Validate(result.Select(d => (d.Name, SpecDrafter.Render(d.Name, mined.Project, mined.Environment, mined.Observations, d.Sections, DateTimeOffset.UnixEpoch))).ToList());
            var added = SpecDrafter.Validate(rendered).Except(before, StringComparer.Ordinal).ToList();
            if (added.Count > 0)
            {
                rejected.Add($"{p.Document} / {p.Heading}: the document would not validate ({string.Join("; ", added.Take(3))})");
                continue;
            }

            doc.Sections[index] = candidate;
            accepted++;
        }

        foreach (var r in rejected)
        {
            log.LogWarning("Drafting model output refused: {Reason}", r);
        }

        var report = accepted > 0
            ? new PlannerReport("model", rejected.Count == 0 ? null : $"{rejected.Count} section(s) kept their deterministic text", rejected)
            : new PlannerReport("fallback", "no section the model wrote passed the checks; the deterministic text is kept", rejected);
        return (result.Select(d => (d.Name, (IReadOnlyList<DraftedSection>)d.Sections)).ToList(), report);
    }

    private async Task<string> AskAsync(MiningResult mined, IReadOnlyList<DraftedSection> observed, CancellationToken cancellationToken)
    {
        var builder = Kernel.CreateBuilder();
        builder.Services.AddSingleton(chat);
        var kernel = builder.Build();
        var function = KernelFunctionFactory.CreateFromPrompt(
            new PromptTemplateConfig(Template.Value) { Name = "draft_sections", Description = "Rewrites observed draft sections for operators" },
            loggerFactory: null);
        var commands = mined.Recurring.Select(r => r.Command)
            .Concat(mined.FailureFixes.SelectMany(f => f.FixCommands.Append(f.FailingCommand)))
            .Concat(mined.Sequences.SelectMany(s => s.Commands))
            .Distinct(StringComparer.Ordinal)
            .Take(200);
        var arguments = new KernelArguments(new PromptExecutionSettings { ExtensionData = new Dictionary<string, object> { ["temperature"] = 0 } })
        {
            ["commands"] = string.Join("\n", commands),
            ["sections"] = KseJson.Serialize(observed.Select(s => new { document = s.Document, heading = s.Heading, body = s.Body, confidence = s.Confidence })),
        };
        var result = await kernel.InvokeAsync(function, arguments, cancellationToken);
        return result.GetValue<string>() ?? "";
    }

    /// <summary>Why a section's text is refused, or null: its operation blocks must be exactly the drafted ones, and every command it names observed.</summary>
    private static string? Check(DraftedSection original, string body, HashSet<string> known)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return "empty text";
        }

        if (body.Length > 64 * 1024)
        {
            return "longer than 64 KiB";
        }

        if (!LearnAcceptActionHandler.StaysInItsSection(body))
        {
            return "it holds a level 1 or 2 heading";
        }

        var drafted = Blocks(original.Body);
        var written = Blocks(body);
        if (!drafted.SequenceEqual(written, StringComparer.Ordinal))
        {
            var missing = drafted.Except(written, StringComparer.Ordinal).Count();
            var extra = written.Except(drafted, StringComparer.Ordinal).Count();
            return $"its kse-operation blocks differ from the drafted ones ({missing} missing or changed, {extra} added)";
        }

        var outside = Block().Replace(body, "");
        foreach (var code in Code().Matches(outside).Select(m => m.Groups["c"].Value.Trim()).Concat(Fenced().Matches(outside).SelectMany(m => m.Groups["c"].Value.Split('\n')).Select(l => l.Trim().TrimStart('$', ' '))))
        {
            if (code.Length > 0 && !Allowed(code, known))
            {
                return $"it names a command that was never observed: '{SpecDrafter.Code(code)}'";
            }
        }

        return null;
    }

    private static bool Allowed(string code, HashSet<string> known)
    {
        if (known.Contains(code))
        {
            return true;
        }

        var words = CommandTemplate.Split(code);
        if (words.Count <= 1)
        {
            // A name, path, unit or value on its own is not a command, unless it names a program nobody ran.
            return !Programs.Contains(code) || known.Contains("program:" + code);
        }

        return known.Contains("template:" + CommandTemplate.Of(CommandMasker.MaskLine(code).Text).Key);
    }

    // Programs an invented one-word command would most likely name; any other single word (a unit, a path, an operation name) is data.
    private static readonly HashSet<string> Programs = new(StringComparer.Ordinal) { "rm", "reboot", "shutdown", "halt", "poweroff", "mkfs", "dd", "kill", "killall", "pkill", "truncate", "shred", "wipefs", "fdisk", "parted" };

    /// <summary>What may be named: observed commands (by template), operation names, and the programs observed.</summary>
    private static HashSet<string> KnownWords(MiningResult mined, IReadOnlyList<DraftedOperation> operations)
    {
        var known = new HashSet<string>(StringComparer.Ordinal);
        var commands = mined.Recurring.Select(r => r.Command)
            .Concat(mined.FailureFixes.SelectMany(f => f.FixCommands.Append(f.FailingCommand).Concat(f.Diagnostics)))
            .Concat(mined.Sequences.SelectMany(s => s.Commands))
            .Concat(operations.Select(o => o.Command));
        foreach (var c in commands)
        {
            known.Add(c);
            known.Add("template:" + CommandTemplate.Of(c).Key);
            if (CommandTemplate.Split(c).FirstOrDefault() is { } program)
            {
                known.Add("program:" + program);
                known.Add("program:" + Path.GetFileName(program));
            }
        }

        foreach (var o in operations)
        {
            known.Add(o.Name);
        }

        return known;
    }

    private static List<string> Blocks(string body) => Block().Matches(body).Select(m => m.Value.Trim()).ToList();

    /// <summary>The model's sections, or null when the answer is not the expected JSON (a fenced JSON answer is accepted).</summary>
    private static IReadOnlyList<(string Document, string Heading, string Body, double? Confidence)>? Parse(string answer)
    {
        var text = answer.Trim();
        if (JsonFence().Match(text) is { Success: true } fenced)
        {
            text = fenced.Groups["j"].Value;
        }

        try
        {
            using var doc = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 16 });
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("sections", out var list) || list.ValueKind != JsonValueKind.Array)
            {
                return null;
            }

            var sections = new List<(string, string, string, double?)>();
            foreach (var s in list.EnumerateArray().Take(100))
            {
                if (s.ValueKind != JsonValueKind.Object || Str(s, "document") is not { } document || Str(s, "heading") is not { } heading || Str(s, "body") is not { } body)
                {
                    return null;
                }

                sections.Add((document, heading, body, s.TryGetProperty("confidence", out var c) && c.ValueKind == JsonValueKind.Number ? c.GetDouble() : null));
            }

            return sections.Count == 0 ? null : sections;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Str(JsonElement o, string key) =>
        o.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s ? s : null;

    [GeneratedRegex(@"```kse-operation\n[\s\S]*?\n```", RegexOptions.CultureInvariant)]
    private static partial Regex Block();

    [GeneratedRegex(@"(?<!`)`(?<c>[^`\n]+)`(?!`)", RegexOptions.CultureInvariant)]
    private static partial Regex Code();

    [GeneratedRegex(@"```[a-z]*\n(?<c>[\s\S]*?)\n```", RegexOptions.CultureInvariant)]
    private static partial Regex Fenced();

    [GeneratedRegex(@"^```(?:json)?\s*\n(?<j>[\s\S]*?)\n```$", RegexOptions.CultureInvariant)]
    private static partial Regex JsonFence();
}
