namespace Kse.Core.Execution;

/// <summary>The runnable operations of one project, gathered from every <c>.md</c> document in its operations folder.</summary>
public sealed record OperationCatalog(string Project, IReadOnlyList<OperationDefinition> Operations, IReadOnlyList<OperationBlockError> Errors)
{
    /// <summary>Reads the project's operations documents; cross-document problems (duplicate names, unknown verify/rollback) are errors too.</summary>
    public static OperationCatalog Load(KseWorkspace workspace, string project)
    {
        var dir = workspace.OperationsDir(project);
        if (!Directory.Exists(workspace.ProjectDir(project)))
        {
            throw KseException.NotFound("spec.project_not_found", $"project '{project}' has no folder {Path.GetRelativePath(workspace.Root, workspace.ProjectDir(project))}: run 'kse ops init {project}'");
        }

        var documents = new List<(string Name, string Markdown)>();
        var unread = new List<OperationBlockError>();
        foreach (var file in Directory.Exists(dir) ? Directory.GetFiles(dir, "*.md").Order(StringComparer.Ordinal).ToArray() : [])
        {
            var name = Path.GetFileName(file);
            try
            {
                documents.Add((name, InputLimits.ReadText(file, "spec.document", Path.GetRelativePath(workspace.Root, file))));
            }
            catch (KseException ex)
            {
                // A document over the cap declares nothing runnable; the listing says why.
                unread.Add(new OperationBlockError(name, 1, ex.Code, ex.Message));
            }
        }

        var catalog = FromDocuments(project, documents);
        return unread.Count == 0 ? catalog : catalog with { Errors = [.. unread, .. catalog.Errors] };
    }

    public static OperationCatalog FromDocuments(string project, IEnumerable<(string Name, string Markdown)> documents)
    {
        var operations = new List<OperationDefinition>();
        var errors = new List<OperationBlockError>();
        var byName = new Dictionary<string, OperationDefinition>(StringComparer.Ordinal);
        foreach (var (name, markdown) in documents)
        {
            var parsed = OperationBlockParser.Parse(markdown, name);
            errors.AddRange(parsed.Errors);
            foreach (var op in parsed.Operations)
            {
                if (byName.TryGetValue(op.Name, out var first))
                {
                    errors.Add(new(op.Document, op.Line, "ops.operation_duplicate", $"operation '{op.Name}' is already declared in {first.Document}:{first.Line}"));
                    continue;
                }

                byName[op.Name] = op;
                operations.Add(op);
            }
        }

        errors.AddRange(CheckReferences(operations, byName));
        return new OperationCatalog(project, operations, errors);
    }

    /// <summary>verify/rollback must name an operation of the same project.</summary>
    public static IEnumerable<OperationBlockError> CheckReferences(IEnumerable<OperationDefinition> operations, IReadOnlyDictionary<string, OperationDefinition> byName)
    {
        foreach (var op in operations)
        {
            if (op.Verify is { } v && !byName.ContainsKey(v))
            {
                yield return new(op.Document, op.Line, "ops.operation_reference_unknown", $"operation '{op.Name}': verify operation '{v}' is not declared in any operations document of the project");
            }

            if (op.Rollback is { } r && !byName.ContainsKey(r))
            {
                yield return new(op.Document, op.Line, "ops.operation_reference_unknown", $"operation '{op.Name}': rollback operation '{r}' is not declared in any operations document of the project");
            }
        }
    }

    public OperationDefinition? Find(string name) => Operations.FirstOrDefault(o => o.Name == name);

    /// <summary>The operation, or <c>ops.operation_not_found</c> naming the ones that exist.</summary>
    public OperationDefinition Get(string name) =>
        Find(name) ?? throw KseException.NotFound(
            "ops.operation_not_found",
            $"project '{Project}' declares no runnable operation '{name}'" + (Operations.Count > 0 ? $" (operations: {string.Join(", ", Operations.Select(o => o.Name))})" : " (no kse-operation blocks in its operations documents)"));
}
