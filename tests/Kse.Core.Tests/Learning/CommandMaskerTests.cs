using Kse.Core.Learning;

namespace Kse.Core.Tests.Learning;

public sealed class CommandMaskerTests
{
    [Theory]
    [InlineData("mysql -u root -pS3cretPass -e 'show databases'", "S3cretPass")]
    [InlineData("PGPASSWORD=Hunter2Secret psql -h db-1 -U shop -c 'select 1'", "Hunter2Secret")]
    [InlineData("deploy-tool --password=Tr0ub4dor&3", "Tr0ub4dor")]
    [InlineData("shopctl login --token abcDEF123456", "abcDEF123456")]
    [InlineData("curl -H 'Authorization: Bearer eyJabc.def.ghi' https://x.example.com", "eyJabc.def.ghi")]
    [InlineData("curl -H \"X-Api-Key: k3y-value-123\" https://x.example.com", "k3y-value-123")]
    [InlineData("curl -u admin:adm1nPass https://x.example.com", "adm1nPass")]
    [InlineData("psql postgresql://shop:pgPa55word@db/shop", "pgPa55word")]
    [InlineData("dotnet run --ConnectionStrings:Db \"Server=db;User Id=sa;Password=Sq1Secret;\"", "Sq1Secret")]
    [InlineData("export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG", "wJalrXUtnFEMI")]
    [InlineData("gh auth login --with-token ghp_abcdefghijklmnopqrstuvwxyz0123456789", "ghp_abcdefghijklmnopqrstuvwxyz0123456789")]
    [InlineData("sshpass -p hunter22 ssh ops@web-1", "hunter22")]
    [InlineData("aws configure set aws_access_key_id AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE")]
    public void MaskLine_MasksThePlantedSecret(string line, string secret)
    {
        var (masked, count) = CommandMasker.MaskLine(line);

        Assert.DoesNotContain(secret, masked, StringComparison.Ordinal);
        Assert.Contains(CommandMasker.Mask, masked, StringComparison.Ordinal);
        Assert.True(count >= 1);
    }

    [Theory]
    [InlineData("mkdir -pv /srv/shop/releases")]
    [InlineData("pg_dump -U postgres -Fc -f /var/backups/shop.dump shop")]
    [InlineData("systemctl restart shop-api")]
    [InlineData("ssh -p 2222 ops@web-1.internal")]
    [InlineData("tail -n 50 /var/log/nginx/error.log")]
    public void MaskLine_LeavesOrdinaryCommandsAlone(string line)
    {
        Assert.Equal((line, 0), CommandMasker.MaskLine(line));
    }

    [Fact]
    public void MaskArgv_MasksSeparateValues_GluedMysqlPasswords_AndSecretAssignments()
    {
        var (argv, count) = CommandMasker.MaskArgv(["mysql", "-u", "root", "-ps3cret", "--password", "two-Secret", "TOKEN=abc12345", "show"]);

        Assert.Equal(["mysql", "-u", "root", "-p" + CommandMasker.Mask, "--password", CommandMasker.Mask, "TOKEN=" + CommandMasker.Mask, "show"], argv);
        Assert.Equal(3, count);
    }
}
