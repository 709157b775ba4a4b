namespace Kse.Core;

/// <summary>How a project came to Kse: developed with it (<c>kse</c>) or adopted (<c>existing</c>). It sets the default takeover level.</summary>
public enum SystemType
{
    Kse,
    Existing,
}
