using Tunnel.Cli.Output;

namespace Tunnel.Cli.Tests;

/// <summary>Units and validation, the small rules behind every line of output and every usage error.</summary>
public sealed class FormattingTests
{
    [Theory]
    [InlineData(0L, "0 B")]
    [InlineData(1023L, "1023 B")]
    [InlineData(1024L, "1.0 KiB")]
    [InlineData(348160L, "340 KiB")]
    [InlineData(1258291L, "1.2 MiB")]
    [InlineData(5L * 1024 * 1024 * 1024 * 1024, "5.0 TiB")]
    public void Bytes_use_binary_units(long bytes, string expected) => Assert.Equal(expected, Units.Bytes(bytes));

    [Theory]
    [InlineData(0.0, "0 s")]
    [InlineData(12.4, "12 s")]
    [InlineData(59.6, "1 min")]
    [InlineData(250.0, "4 min 10 s")]
    [InlineData(3700.0, "1 h 1 min")]
    [InlineData(90000.0, "1 d 1 h")]
    [InlineData(-5.0, "0 s")]
    public void Durations_show_their_two_largest_units(double seconds, string expected) => Assert.Equal(expected, Units.Duration(seconds));

    [Theory]
    [InlineData("10.0.0.0/8")]
    [InlineData("192.0.2.1")]
    [InlineData("192.0.2.1/32")]
    [InlineData("0.0.0.0/0")]
    [InlineData("2001:db8::/32")]
    [InlineData("::/0")]
    [InlineData("fd00::1")]
    public void Prefixes_and_addresses_are_accepted(string text) => Assert.Null(InputValidation.PrefixError(text));

    [Theory]
    [InlineData("not-an-ip")]
    [InlineData("10")]
    [InlineData("10.1")]
    [InlineData("10.0.0.0/")]
    [InlineData("10.0.0.0/-1")]
    [InlineData("10.0.0.0/33")]
    [InlineData("2001:db8::/129")]
    [InlineData("10.0.0.1/8")]
    [InlineData("fe80::1%eth0")]
    [InlineData("")]
    public void Anything_else_is_refused(string text) => Assert.NotNull(InputValidation.PrefixError(text));

    [Fact]
    public void Tables_align_columns_without_trailing_spaces()
    {
        var table = new TextTable("A", "LONGER");
        table.Add("wide cell", "x");
        table.Add("y");
        using var writer = new StringWriter();

        table.WriteTo(writer);

        Assert.Equal(["A          LONGER", "wide cell  x", "y"], OutputTests.Lines(writer.ToString()));
    }
}
