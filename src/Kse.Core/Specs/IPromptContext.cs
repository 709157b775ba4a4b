namespace Kse.Core.Specs;

/// <summary>Values a capability supplies for the placeholders of one prompt (e.g. the feedback item behind <c>investigate_feedback</c>).</summary>
public interface IPromptContext
{
    /// <summary>The prompt this context fills.</summary>
    string Prompt { get; }

    Task<IReadOnlyDictionary<string, string>> ValuesAsync(IReadOnlyDictionary<string, string?> arguments, CancellationToken cancellationToken);
}
