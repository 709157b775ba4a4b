namespace Kse.Core.Tests;

public sealed class DisplayTextTests
{
    [Theory]
    [InlineData("plain text", "plain text")]
    [InlineData("a\u001b[2Jb", @"a\u001b[2Jb")]
    [InlineData("over\rwrite", @"over\rwrite")]
    [InlineData("new\nline\ttab", @"new\nline\ttab")]
    [InlineData("bell\u0007del\u007fcsi\u009b", @"bell\u0007del\u007fcsi\u009b")]
    [InlineData("rtl\u202Eedoc\u2066", @"rtl\u202eedoc\u2066")]
    public void Field_ShowsEveryControlCharacterAsAVisibleEscape(string given, string shown) =>
        Assert.Equal(shown, DisplayText.Field(given));

    [Fact]
    public void Lines_KeepsLineBreaksAndTabs_AndEscapesTheRest()
    {
        Assert.Equal("one\n\ttwo\\u001b[0m\nthree", DisplayText.Lines("one\r\n\ttwo\u001b[0m\nthree"));
        Assert.Equal(@"a\rb", DisplayText.Lines("a\rb"));
    }

    [Fact]
    public void VisibleTextWriter_NeverWritesALiveControlCharacter()
    {
        var inner = new StringWriter();
        var writer = new VisibleTextWriter(inner);
        writer.Write('\u001b');
        writer.Write("x\u0007");
        writer.WriteLine("y\u009bz");
        Assert.Equal("\\u001bx\\u0007y\\u009bz" + Environment.NewLine, inner.ToString());
    }
}
