using Kse.Core.Specs;

namespace Kse.Core.Execution;

/// <summary>Validates the runnable <c>kse-operation</c> blocks of a project's operations documents for <c>kse ops validate</c>: each block, duplicate names across documents, and verify/rollback references.</summary>
public sealed class OperationBlockCheck : ISpecDocumentCheck
{
    public IEnumerable<SpecCheckError> Check(IReadOnlyList<(string Name, string Text)> documents)
    {
        var catalog = OperationCatalog.FromDocuments("validate", documents.Where(d => d.Name.EndsWith(".md", StringComparison.OrdinalIgnoreCase)));
        return catalog.Errors
            .Select(e => new SpecCheckError(e.Document, e.ToString()))
            .Concat(catalog.Operations.SelectMany(o => OptionInjection.Warnings(o).Select(w => new SpecCheckError(o.Document, w) { IsWarning = true })));
    }
}
