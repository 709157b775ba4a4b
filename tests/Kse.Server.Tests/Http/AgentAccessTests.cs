using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Kse.Core.Approvals;
using Kse.Core.Audit;
using Kse.Core.Policy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Kse.Server.Tests.Http;

/// <summary>HTTP MCP with an identity: agents authenticate with their own tokens (or JWTs from a configured issuer) and are audited by name.</summary>
public sealed class AgentAccessTests
{
    private const string AgentToken = "ci-agent-token";
    private const string LimitedToken = "limited-agent-token";

    private const string Initialize = """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}""";

    private static Dictionary<string, string?> Agents() => new()
    {
        ["Kse:Agents:0:Name"] = "ci-agent",
        ["Kse:Agents:0:TokenSha256"] = OperatorDirectory.HashToken(AgentToken),
        ["Kse:Agents:1:Name"] = "limited",
        ["Kse:Agents:1:TokenSha256"] = OperatorDirectory.HashToken(LimitedToken),
        ["Kse:Agents:1:Projects:0"] = "other",
    };

    private static HttpRequestMessage Post(string? token, string body = Initialize, string? contentType = "application/json", string? origin = null, string? session = null)
    {
        var r = new HttpRequestMessage(HttpMethod.Post, "/mcp")
        {
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)),
        };
        if (contentType is not null)
        {
            r.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        r.Headers.Accept.ParseAdd("application/json");
        r.Headers.Accept.ParseAdd("text/event-stream");
        if (token is not null)
        {
            r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (origin is not null)
        {
            r.Headers.Add("Origin", origin);
        }

        if (session is not null)
        {
            r.Headers.Add("Mcp-Session-Id", session);
        }

        return r;
    }

    private static Task<McpClient> ConnectAsAsync(KseHttpTestHost host, string token, string claimedName) =>
        McpClient.CreateAsync(
            new HttpClientTransport(new HttpClientTransportOptions
            {
                Endpoint = new Uri(host.BaseUrl + "/mcp"),
                AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + token },
            }),
            new McpClientOptions { ClientInfo = new() { Name = claimedName, Version = "1.0" } });

    [Fact]
    public async Task WithAgentsConfigured_McpNeedsAnAgentToken_OperatorTokensNeverWork_AgentTokensNeverOpenTheApi()
    {
        await using var host = await KseHttpTestHost.StartAsync(Agents());

        var none = await host.Http.SendAsync(Post(null));
        var wrong = await host.Http.SendAsync(Post("guessed"));
        var asOperator = await host.Http.SendAsync(Post(KseHttpTestHost.AliceToken));
        var asAgent = await host.Http.SendAsync(Post(AgentToken));
        var agentOnApi = await host.Http.SendAsync(host.Request(HttpMethod.Get, "/api/me", AgentToken));

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal("Bearer", none.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, asOperator.StatusCode);
        Assert.Equal(HttpStatusCode.OK, asAgent.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, agentOnApi.StatusCode);
        var refused = (await host.Services.GetRequiredService<IAuditReader>().ReadChainAsync().ToListAsync()).Where(e => e.OperationType == "agent.http").ToList();
        Assert.Equal(3, refused.Count);
        Assert.All(refused, e => Assert.Equal("unauthenticated", e.Decision));
    }

    [Fact]
    public async Task ForeignOrigin_Is403_MissingOrWrongContentType_Is415_NeverA500()
    {
        await using var host = await KseHttpTestHost.StartAsync();

        var foreign = await host.Http.SendAsync(Post(null, origin: "http://evil.example"));
        var local = await host.Http.SendAsync(Post(null, origin: host.BaseUrl));
        var noType = await host.Http.SendAsync(Post(null, contentType: null));
        var textType = await host.Http.SendAsync(Post(null, contentType: "text/plain"));
        var foreignApi = await host.Http.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/api/me") { Headers = { { "Origin", "https://evil.example" } } });

        Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);
        Assert.Equal(HttpStatusCode.OK, local.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, noType.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, textType.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, foreignApi.StatusCode);
    }

    [Fact]
    public async Task AnAgentsCalls_AreAuditedByItsName_AndItsRequestsQueuedUnderIt_WhateverClientNameItSends()
    {
        await using var host = await KseHttpTestHost.StartAsync(Agents());
        await using var mcp = await ConnectAsAsync(host, AgentToken, claimedName: "operator-alice");

        var queued = await mcp.CallToolAsync("ops_run", new Dictionary<string, object?>
        {
            ["project"] = "shop", ["operation"] = "mark", ["environment"] = "production", ["instance"] = "prod-1",
            ["parameters"] = new Dictionary<string, string> { ["text"] = "x" }, ["reason"] = "hotfix",
        });

        var id = JsonSerializer.SerializeToElement(queued.StructuredContent).GetProperty("approvalId").GetString()!;
        var approval = await host.Services.GetRequiredService<ApprovalService>().GetAsync(id);
        Assert.Equal("ai:ci-agent", approval.Requester);
        // ops_run's decision is an ops.run entry on every face (the guarded path).
        var call = (await host.Services.GetRequiredService<IAuditReader>().ReadChainAsync().ToListAsync()).Last(e => e.OperationType == "ops.run");
        Assert.Equal(("ai", "ci-agent"), (call.ActorKind, call.ActorName));
    }

    [Fact]
    public async Task AnAgentLimitedToProjects_CannotTouchAnother_AndTheAttemptIsAudited()
    {
        await using var host = await KseHttpTestHost.StartAsync(Agents());
        await using var mcp = await ConnectAsAsync(host, LimitedToken, claimedName: "limited");

        var result = await mcp.CallToolAsync("ops_list_operations", new Dictionary<string, object?> { ["project"] = "shop" });

        Assert.True(result.IsError);
        Assert.Contains("may act on other only", Assert.IsType<TextContentBlock>(result.Content[0]).Text);
        var denied = (await host.Services.GetRequiredService<IAuditReader>().ReadChainAsync().ToListAsync()).Last(e => e.OperationType == "tool.call");
        Assert.Equal(("ai", "limited", "deny", "shop"), (denied.ActorKind, denied.ActorName, denied.Decision, denied.Project));
        Assert.StartsWith("agent.project_denied", Assert.Single(denied.Rules!));
    }

    [Fact]
    public async Task Sessions_HaveAnId_KeepTheAgent_AndEndWithDelete()
    {
        await using var host = await KseHttpTestHost.StartAsync(Agents());
        var init = await host.Http.SendAsync(Post(AgentToken));
        Assert.Equal(HttpStatusCode.OK, init.StatusCode);
        var session = init.Headers.GetValues("Mcp-Session-Id").Single();

        var initialized = await host.Http.SendAsync(Post(AgentToken, """{"jsonrpc":"2.0","method":"notifications/initialized"}""", session: session));
        var list = await host.Http.SendAsync(Post(AgentToken, """{"jsonrpc":"2.0","id":2,"method":"tools/list"}""", session: session));
        var otherAgent = await host.Http.SendAsync(Post(LimitedToken, """{"jsonrpc":"2.0","id":3,"method":"tools/list"}""", session: session));
        var end = new HttpRequestMessage(HttpMethod.Delete, "/mcp") { Headers = { { "Mcp-Session-Id", session }, { "Authorization", "Bearer " + AgentToken } } };
        var deleted = await host.Http.SendAsync(end);
        var after = await host.Http.SendAsync(Post(AgentToken, """{"jsonrpc":"2.0","id":4,"method":"tools/list"}""", session: session));

        Assert.True(initialized.IsSuccessStatusCode);
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Contains("ops_run", await list.Content.ReadAsStringAsync());
        Assert.False(otherAgent.IsSuccessStatusCode);
        Assert.True(deleted.IsSuccessStatusCode);
        Assert.Equal(HttpStatusCode.NotFound, after.StatusCode);
    }

    [Fact]
    public async Task JwtResourceServer_AcceptsTokensOfTheIssuer_ForThisAudience_AndPublishesItsMetadata()
    {
        await using var issuer = await TestIssuer.StartAsync();
        var settings = new Dictionary<string, string?>
        {
            ["Kse:Http:Authentication:Authority"] = issuer.Url,
            ["Kse:Http:Authentication:Audience"] = "kse-test",
        };
        await using var host = await KseHttpTestHost.StartAsync(settings);

        var metadata = JsonDocument.Parse(await host.Http.GetStringAsync("/.well-known/oauth-protected-resource")).RootElement;
        var none = await host.Http.SendAsync(Post(null));
        var valid = await host.Http.SendAsync(Post(issuer.Token("deploy-bot", "kse-test")));
        var otherAudience = await host.Http.SendAsync(Post(issuer.Token("deploy-bot", "someone-else")));
        var expired = await host.Http.SendAsync(Post(issuer.Token("deploy-bot", "kse-test", expires: DateTime.UtcNow.AddMinutes(-10))));
        var forged = await host.Http.SendAsync(Post(TestIssuer.SelfSigned("deploy-bot", issuer.Url, "kse-test")));

        Assert.Equal(host.BaseUrl + "/mcp", metadata.GetProperty("resource").GetString());
        Assert.Equal(issuer.Url, metadata.GetProperty("authorization_servers")[0].GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Contains("resource_metadata=", none.Headers.WwwAuthenticate.ToString());
        Assert.Equal(HttpStatusCode.OK, valid.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, otherAudience.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);

        await using var mcp = await ConnectAsAsync(host, issuer.Token("deploy-bot", "kse-test"), claimedName: "anything");
        await mcp.CallToolAsync("ops_list_projects", new Dictionary<string, object?>());
        var call = (await host.Services.GetRequiredService<IAuditReader>().ReadChainAsync().ToListAsync()).Last(e => e.OperationType == "tool.call");
        Assert.Equal(("ai", "deploy-bot"), (call.ActorKind, call.ActorName));
    }

    /// <summary>An OpenID issuer on loopback: discovery document, its signing key, and tokens signed with it.</summary>
    private sealed class TestIssuer : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly RsaSecurityKey _key;

        private TestIssuer(WebApplication app, RsaSecurityKey key, string url)
        {
            _app = app;
            _key = key;
            Url = url;
        }

        public string Url { get; }

        public static async Task<TestIssuer> StartAsync()
        {
            var key = new RsaSecurityKey(RSA.Create(2048)) { KeyId = "test-key" };
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            string? url = null;
            app.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
            {
                ["issuer"] = url!,
                ["jwks_uri"] = url + "/jwks",
                ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
            }));
            app.MapGet("/jwks", () =>
            {
                var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(key);
                return Results.Json(new { keys = new[] { new { kty = jwk.Kty, kid = jwk.Kid, use = "sig", alg = "RS256", n = jwk.N, e = jwk.E } } });
            });
            await app.StartAsync();
            url = app.Urls.First().TrimEnd('/');
            return new TestIssuer(app, key, url);
        }

        public string Token(string client, string audience, DateTime? expires = null) => Sign(_key, client, Url, audience, expires);

        /// <summary>A token naming this issuer but signed with a key it never published.</summary>
        public static string SelfSigned(string client, string issuer, string audience) =>
            Sign(new RsaSecurityKey(RSA.Create(2048)) { KeyId = "test-key" }, client, issuer, audience, null);

        private static string Sign(RsaSecurityKey key, string client, string issuer, string audience, DateTime? expires) =>
            new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
            {
                Issuer = issuer,
                Audience = audience,
                Claims = new Dictionary<string, object> { ["client_id"] = client, ["sub"] = client },
                NotBefore = (expires ?? DateTime.UtcNow.AddMinutes(5)).AddMinutes(-30),
                IssuedAt = (expires ?? DateTime.UtcNow.AddMinutes(5)).AddMinutes(-30),
                Expires = expires ?? DateTime.UtcNow.AddMinutes(5),
                SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
            });

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
