using Kse.Core.Completion;
using Kse.Core.Specs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Kse.Server;

/// <summary>
/// <c>completion/complete</c> for every prompt argument and resource-template variable that names something: the
/// argument's name says what it names (project, doc/document, environment, operation, instance, id/approvalId, level,
/// risk), and <see cref="NameCompletion"/> offers what exists. An unknown prompt or template gets no values.
/// </summary>
internal static class KseCompletions
{
    public static void Add(IMcpServerBuilder builder) => builder.WithCompleteHandler(async (context, cancellationToken) =>
    {
        var request = context.Params;
        var names = context.Services?.GetService<NameCompletion>();
        if (request?.Argument is not { Name: { } argument } || names is null || KindOf(argument) is not { } kind || !Known(request.Ref, context.Services!))
        {
            return new CompleteResult();
        }

        var given = request.Context?.Arguments is { } arguments
            ? new Dictionary<string, string>(arguments, StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal);
        var (values, total) = await names.CompleteAsync(kind, request.Argument.Value, given, cancellationToken);
        return new CompleteResult { Completion = new Completion { Values = [.. values], Total = total, HasMore = total > values.Count } };
    });

    /// <summary>What an argument or template variable names, from its name.</summary>
    internal static NameKind? KindOf(string argument) => argument switch
    {
        "project" => NameKind.Project,
        "doc" or "document" => NameKind.Document,
        "environment" => NameKind.Environment,
        "operation" => NameKind.Operation,
        "instance" => NameKind.Instance,
        "id" or "approvalId" => NameKind.Approval,
        "level" => NameKind.Level,
        "risk" => NameKind.Risk,
        "version" => NameKind.Version,
        _ => null,
    };

    private static bool Known(Reference? reference, IServiceProvider services) => reference switch
    {
        PromptReference prompt => services.GetService<PromptLibrary>()?.Prompts.Any(p => p.Name == prompt.Name) == true,
        ResourceTemplateReference template => services.GetService<IOptions<McpServerOptions>>()?.Value.ResourceCollection?
            .Any(r => r.ProtocolResourceTemplate.UriTemplate == template.Uri) == true,
        _ => false,
    };
}
