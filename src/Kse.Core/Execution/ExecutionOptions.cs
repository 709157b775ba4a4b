namespace Kse.Core.Execution;

/// <summary>Settings under <c>Kse:Execution</c>.</summary>
public sealed record ExecutionOptions
{
    /// <summary>Characters of stdout and of stderr kept per run (the tail is kept: errors come last).</summary>
    public int OutputLimit { get; init; } = 64 * 1024;

    /// <summary>Extra attempts for an idempotent operation that failed or timed out; never for the others.</summary>
    public int MaxRetries { get; init; } = 2;

    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(2);

    public SshOptions Ssh { get; init; } = new();
}

/// <summary>How the system <c>ssh</c> client is started (settings under <c>Kse:Execution:Ssh</c>). Batch mode and strict host key checking are always on.</summary>
public sealed record SshOptions
{
    public string Program { get; init; } = "ssh";

    /// <summary>The known_hosts file to check host keys against (default: ssh's own, <c>~/.ssh/known_hosts</c>).</summary>
    public string? KnownHostsFile { get; init; }

    /// <summary>The private key to authenticate with (default: ssh's own choice).</summary>
    public string? IdentityFile { get; init; }

    /// <summary>An ssh_config file; <c>none</c> reads no configuration file at all.</summary>
    public string? ConfigFile { get; init; }

    public int ConnectTimeoutSeconds { get; init; } = 10;
}
