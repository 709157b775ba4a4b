namespace Kse.Core.Execution;

/// <summary>The runnable operations of one spec version: the version's name (<c>main</c> for <c>operations/</c>), its catalog, and the SHA-256 of each document.</summary>
public sealed record VersionedCatalog(string SpecVersion, OperationCatalog Catalog, IReadOnlyDictionary<string, string> Hashes);

/// <summary>
/// Resolves the operations documents a project runs at a version (an instance's <c>version</c>): implemented by the Versions
/// capability, so planning runs each instance from its own spec.
/// </summary>
public interface ISpecVersionResolver
{
    /// <summary>The catalog of <paramref name="project"/> at <paramref name="version"/>; a missing or non-semantic version resolves to the main spec.</summary>
    VersionedCatalog CatalogFor(string project, string? version);
}
