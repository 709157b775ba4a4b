using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Kse.TestKit;

/// <summary>
/// Debian's <c>sshd</c> on a loopback port with a throwaway host key and user key in a temp folder, accepting the current
/// user by key only. <see cref="KnownHostsFile"/> and <see cref="IdentityFile"/> are what a client needs.
/// </summary>
public sealed class SshServer : IAsyncDisposable
{
    private readonly Process _sshd;

    private SshServer(string dir, int port, Process sshd)
    {
        Dir = dir;
        Port = port;
        _sshd = sshd;
    }

    public string Dir { get; }

    public int Port { get; }

    public string KnownHostsFile => Path.Combine(Dir, "known_hosts");

    public string IdentityFile => Path.Combine(Dir, "id_user");

    public string UserName => Environment.UserName;

    /// <summary>The destination as an instance host: <c>ssh://user@127.0.0.1:port</c>.</summary>
    public string Destination => $"ssh://{UserName}@127.0.0.1:{Port}";

    public static string SshdPath => File.Exists("/usr/sbin/sshd") ? "/usr/sbin/sshd" : "sshd";

    public static async Task<SshServer> StartAsync(CancellationToken cancellationToken = default)
    {
        if (!File.Exists("/usr/sbin/sshd"))
        {
            throw new InvalidOperationException("sshd is not installed: apt-get install -y openssh-server openssh-client (test.sh does it)");
        }

        var dir = Path.Combine(Path.GetTempPath(), "kse-sshd-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(dir);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        await RunAsync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "kse-test-host", "-f", Path.Combine(dir, "host_ed25519")], cancellationToken);
        await RunAsync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "kse-test-user", "-f", Path.Combine(dir, "id_user")], cancellationToken);
        File.Copy(Path.Combine(dir, "id_user.pub"), Path.Combine(dir, "authorized_keys"));
        var port = FreePort();
        var hostPub = (await File.ReadAllTextAsync(Path.Combine(dir, "host_ed25519.pub"), cancellationToken)).Trim().Split(' ');
        await File.WriteAllTextAsync(Path.Combine(dir, "known_hosts"), $"[127.0.0.1]:{port} {hostPub[0]} {hostPub[1]}\n", cancellationToken);
        var config = Path.Combine(dir, "sshd_config");
        await File.WriteAllTextAsync(config, $"""
            Port {port}
            ListenAddress 127.0.0.1
            HostKey {dir}/host_ed25519
            PidFile {dir}/sshd.pid
            AuthorizedKeysFile {dir}/authorized_keys
            AllowUsers {Environment.UserName}
            PubkeyAuthentication yes
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            PermitRootLogin prohibit-password
            StrictModes no
            UsePAM no
            PrintMotd no
            LogLevel ERROR
            """, cancellationToken);
        Directory.CreateDirectory("/run/sshd");

        var psi = new ProcessStartInfo(SshdPath) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "-D", "-e", "-f", config })
        {
            psi.ArgumentList.Add(a);
        }

        var sshd = Process.Start(psi)!;
        var stderr = sshd.StandardError.ReadToEndAsync(cancellationToken);
        var server = new SshServer(dir, port, sshd);
        // Ready when it accepts connections; if it exits first, its stderr says why.
        for (var i = 0; i < 200; i++)
        {
            if (sshd.HasExited)
            {
                throw new InvalidOperationException($"sshd exited with {sshd.ExitCode}: {await stderr}");
            }

            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
                return server;
            }
            catch (SocketException)
            {
                await Task.Delay(50, cancellationToken);
            }
        }

        await server.DisposeAsync();
        throw new InvalidOperationException("sshd did not start listening");
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private static async Task RunAsync(string program, string[] args, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync(cancellationToken);
        await p.WaitForExitAsync(cancellationToken);
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} failed: {await err}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_sshd.HasExited)
            {
                _sshd.Kill(entireProcessTree: true);
                await _sshd.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
        }

        _sshd.Dispose();
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
