using Kse.Core.Specs;

namespace Kse.Core.Execution;

/// <summary>Makes <c>kse ops validate</c> report problems of an operations document's <c>kse-operation</c> blocks, each with its line.</summary>
public sealed class OperationBlockCheck : ISpecDocumentCheck
{
    public IEnumerable<string> Check(string documentName, string text) =>
        documentName.EndsWith(".md", StringComparison.OrdinalIgnoreCase)
            ? OperationBlockParser.Parse(text, documentName).Errors.Select(e => e.ToString())
            : [];
}
