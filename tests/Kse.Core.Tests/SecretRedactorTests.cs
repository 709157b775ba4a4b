using Kse.Core.Audit;

namespace Kse.Core.Tests;

public sealed class SecretRedactorTests
{
    [Theory]
    [InlineData("password")]
    [InlineData("DB_PASSWORD")]
    [InlineData("clientSecret")]
    [InlineData("api_key")]
    [InlineData("ApiKey")]
    [InlineData("x-api-key")]
    [InlineData("accessToken")]
    [InlineData("ConnectionString")]
    [InlineData("connection string")]
    [InlineData("private_key")]
    [InlineData("pwd")]
    [InlineData("Credentials")]
    public void IsSecretKey_RecognisesSecretNames_WhateverTheirCase(string key) => Assert.True(SecretRedactor.IsSecretKey(key));

    [Theory]
    [InlineData("replicas")]
    [InlineData("reason")]
    [InlineData("environment")]
    [InlineData("service")]
    public void IsSecretKey_LeavesOrdinaryNames(string key) => Assert.False(SecretRedactor.IsSecretKey(key));

    [Theory]
    [InlineData("Server=db;Database=shop;User Id=sa;Password=p@ss;", "Server=db;Database=shop;User Id=sa;Password=[REDACTED];")]
    [InlineData("Host=x;PWD=abc;Port=5432", "Host=x;PWD=[REDACTED];Port=5432")]
    [InlineData("postgres://app:hunter2@db:5432/shop", "postgres://app:[REDACTED]@db:5432/shop")]
    [InlineData("curl -H 'Authorization: Bearer abcdefghijkl'", "curl -H 'Authorization: Bearer [REDACTED]'")]
    [InlineData("{\"user\":\"a\",\"password\":\"x\"}", "{\"user\":\"a\",\"password\":\"[REDACTED]\"}")]
    [InlineData("restart web after token=abc123 expired", "restart web after token=[REDACTED] expired")]
    [InlineData("scale web to 3 replicas", "scale web to 3 replicas")]
    public void RedactValue_MasksSecretPartsOnly(string input, string expected) => Assert.Equal(expected, SecretRedactor.RedactValue(input));

    [Fact]
    public void RedactValue_MasksPemPrivateKeys()
    {
        var pem = "key:\n-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIB\n-----END EC PRIVATE KEY-----\nend";
        Assert.Equal("key:\n[REDACTED]\nend", SecretRedactor.RedactValue(pem));
    }
}
