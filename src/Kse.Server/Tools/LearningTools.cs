using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Kse.Core.Audit;
using Kse.Core.Learning;
using Kse.Core.Policy;
using ModelContextProtocol.Server;

namespace Kse.Server.Tools;

/// <summary>Learning from observed operations for the AI: drafts with confidence and evidence, never the real spec.</summary>
[McpServerToolType]
public sealed class LearningTools
{
    [McpServerTool(Name = "learn_draft", Title = "Draft operations docs from observations", UseStructuredContent = true, ReadOnly = false, Destructive = false, Idempotent = true, OpenWorld = false)]
    [Description("Mine a project's observed operations (humans' commands recorded with 'kse observe', imported histories, humans' 'kse ops run' at L1) and write draft operations documents under operations/drafts/ — never the real spec. Returns each suggested operation (its kse-operation block, conservative risk, confidence from support, consistency, success rate and recency, and the observation ids it rests on), the mined patterns (recurring commands with their schedule and hosts, frequent sequences, failure → fix pairs), and validation problems of the drafts. Read the drafts at kse://drafts/{project}/{doc}; operators accept them with 'kse learn propose'.")]
    [OperationRisk(RiskClass.Read)]
    public static Task<DraftResult> Draft(
        LearningService learning,
        McpServer server,
        [Description("The project name, e.g. shopdb")] string project,
        [Description("Only observations of this environment")] [AllowedValues("development", "test", "pre-production", "production")] string? environment = null,
        CancellationToken cancellationToken = default) =>
        learning.DraftAsync(project, environment, Actor.Ai(server.ClientInfo?.Name is { Length: > 0 } name ? name : "unknown-client"), cancellationToken);
}
