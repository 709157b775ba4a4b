using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Kse.Server.Tests.Http;

/// <summary>Every operator API error, a request that cannot be bound included, is <c>{ error, message }</c> with a 4xx status.</summary>
public sealed class ApiBadRequestTests
{
    [Theory]
    [InlineData("GET", "/api/audit?from=garbage", null, "carol")]
    [InlineData("GET", "/api/audit?limit=abc", null, "carol")]
    [InlineData("POST", "/api/emergency", """{"project":"shop","environment":"test","level":"L3","minutes":"ten","reason":"x"}""", "dave")]
    [InlineData("POST", "/api/emergency", "[1,2]", "dave")]
    public async Task UnbindableRequest_Is400_WithTheErrorShape(string method, string path, string? body, string who)
    {
        await using var host = await KseHttpTestHost.StartAsync();
        var token = who == "dave" ? KseHttpTestHost.DaveToken : KseHttpTestHost.CarolToken;
        var content = body is null ? null : new StringContent(body, Encoding.UTF8, "application/json");

        var response = await host.Http.SendAsync(host.Request(new HttpMethod(method), path, token, content));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("api.request_invalid", error.GetProperty("error").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
    }
}
